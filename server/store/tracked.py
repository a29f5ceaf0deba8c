"""The ``tracked_jobs`` table: jobs this server has seen, and what their provider last said.

Aftercare has no list endpoint, so ``list_jobs`` can only report Aftercare jobs that some tool call
resolved before; the table is that memory (plus when a status was first seen, for the views' dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from survey_jobs_mcp.tools.models import JobError

from ..providers.registry import JOB_IDS
from .connection import StoreConnection, dt, iso, now

_COLUMNS = (
    "job_id, provider, kind, survey, first_seen_at, last_status, status_changed_at, last_checked_at, "
    "completed_at, error_code, error_message, missing_since"
)


@dataclass(frozen=True, slots=True)
class TrackedJob:
    job_id: str
    provider: str
    kind: str | None
    survey: str | None
    first_seen_at: datetime
    last_status: str | None
    status_changed_at: datetime | None
    """When this store first saw ``last_status`` (a lower bound for when the job reached it)."""
    last_checked_at: datetime | None
    completed_at: datetime | None
    error: JobError | None
    missing_since: datetime | None = None
    """When the provider first answered 404 for this id (cleared by any later answer)."""


def normalize_job_id(job_id: str) -> str:
    """The store's key for ``job_id``: the product's canonical form, tolerant of stray whitespace."""
    return JOB_IDS.canonical(job_id.strip())


class TrackedJobs(StoreConnection):
    """The tracked-jobs methods of ``Store``."""

    def track(self, job_id: str, provider: str, kind: str | None = None) -> TrackedJob:
        """Remember a job (idempotent); a known kind is filled in but never overwritten with None."""
        job_id = normalize_job_id(job_id)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO tracked_jobs (job_id, provider, kind, first_seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(job_id) DO UPDATE SET kind = COALESCE(excluded.kind, tracked_jobs.kind)",
                (job_id, provider, kind, iso(now())),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def record_status(
        self,
        job_id: str,
        provider: str,
        kind: str | None,
        status: str,
        survey: str | None = None,
        completed_at: datetime | None = None,
        error: JobError | None = None,
        checked_at: datetime | None = None,
    ) -> TrackedJob:
        """Store what the provider just said; ``status_changed_at`` moves only when the status changes."""
        job_id = normalize_job_id(job_id)
        checked = iso(checked_at or now())
        with self._write() as conn:
            conn.execute(
                "INSERT INTO tracked_jobs (job_id, provider, kind, first_seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(job_id) DO NOTHING",
                (job_id, provider, kind, checked),
            )
            conn.execute(
                """UPDATE tracked_jobs SET
                    kind = COALESCE(?, kind),
                    survey = COALESCE(?, survey),
                    status_changed_at = CASE WHEN last_status IS ? THEN status_changed_at ELSE ? END,
                    last_status = ?,
                    last_checked_at = ?,
                    completed_at = COALESCE(?, completed_at),
                    error_code = ?,
                    error_message = ?,
                    missing_since = NULL
                WHERE job_id = ?""",
                (
                    kind,
                    survey,
                    status,
                    checked,
                    status,
                    checked,
                    iso(completed_at),
                    error.code if error else None,
                    error.message if error else None,
                    job_id,
                ),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> TrackedJob | None:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM tracked_jobs WHERE job_id = ? OR job_id = ? LIMIT 1",
            (job_id.strip(), normalize_job_id(job_id)),
        )
        return _row_to_job(rows[0]) if rows else None

    def mark_missing(self, job_id: str, at: datetime) -> TrackedJob | None:
        """The provider answered 404 for a tracked id: remember when it first did (None: untracked)."""
        job_id = normalize_job_id(job_id)
        with self._write() as conn:
            conn.execute(
                "UPDATE tracked_jobs SET missing_since = COALESCE(missing_since, ?), last_checked_at = ? "
                "WHERE job_id = ?",
                (iso(at), iso(at), job_id),
            )
        return self.get(job_id)

    def untrack(self, job_ids: list[str]) -> list[str]:
        """Forget tracked jobs; returns the ids that were tracked."""
        gone: list[str] = []
        with self._write() as conn:
            for key in (normalize_job_id(j) for j in job_ids):
                if conn.execute("DELETE FROM tracked_jobs WHERE job_id = ?", (key,)).rowcount:
                    gone.append(key)
        return gone

    def list_tracked(self, provider: str | None = None) -> list[TrackedJob]:
        """Known jobs, most recently seen first."""
        if provider is None:
            rows = self._read(f"SELECT {_COLUMNS} FROM tracked_jobs ORDER BY first_seen_at DESC, job_id")
        else:
            rows = self._read(
                f"SELECT {_COLUMNS} FROM tracked_jobs WHERE provider = ? ORDER BY first_seen_at DESC, job_id",
                (provider,),
            )
        return [_row_to_job(r) for r in rows]

    async def atrack(self, job_id: str, provider: str, kind: str | None = None) -> TrackedJob:
        return await self._run(self.track, job_id, provider, kind)

    async def arecord_status(self, *args: Any, **kwargs: Any) -> TrackedJob:
        return await self._run(self.record_status, *args, **kwargs)

    async def aget(self, job_id: str) -> TrackedJob | None:
        return await self._run(self.get, job_id)

    async def alist_tracked(self, provider: str | None = None) -> list[TrackedJob]:
        return await self._run(self.list_tracked, provider)


def _row_to_job(row: tuple[Any, ...]) -> TrackedJob:
    (
        job_id,
        provider,
        kind,
        survey,
        first_seen,
        status,
        changed,
        checked,
        completed,
        code,
        message,
        missing,
    ) = row
    return TrackedJob(
        job_id=job_id,
        provider=provider,
        kind=kind,
        survey=survey,
        first_seen_at=datetime.fromisoformat(first_seen),
        last_status=status,
        status_changed_at=dt(changed),
        last_checked_at=dt(checked),
        completed_at=dt(completed),
        error=JobError(code, message or "") if code or message else None,
        missing_since=dt(missing),
    )
