"""The Aftercare adapter: job status, tracking in the local store, and paged results.

- A job id is resolved to a kind (the store remembers it; otherwise coding is asked first, then
  data-quality).
- Every job it resolves is recorded in the store, because Aftercare has no list endpoint and the
  store is how ``list_jobs`` knows them; a job is dated by the upstream ``completedAt`` where one
  exists, else by when the store first saw its current status.
- Tracked unfinished jobs are refreshed through the service's shared refresh, oldest-checked first,
  within a time budget (``providers/tracked.py``); an id Aftercare answers 404 for on two checks an
  hour apart is untracked, with a note in the next listing.
- Results are read page by page by the server's shared reader (``reads.py`` knows the pages).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import anyio
from pydantic import ValidationError

from survey_jobs_mcp.tools.errors import JobNotFound, UpstreamError, WrongJobKind
from survey_jobs_mcp.tools.models import (
    Codebook,
    Job,
    JobError,
    JobKind,
    NormalizedStatus,
)
from survey_jobs_mcp.tools.source import JobListing, KnownJob, ProgressFn

from ...read_gate import OldestFirst
from ...redact import clip
from ...store import Store, TrackedJob
from ..base import Refresher, ResultKind, ResultRead
from ..readiness import require_finished
from ..status import StatusTable, map_status
from ..tracked import dropped_note, tracked_listing
from ..transport import JsonGetter
from . import INFO
from .client import AftercareClient
from .reads import CodingRead, QualityRead
from .wire import BatchCodingCompletion, BatchCodingErrorDetails, BatchCodingResponse, DataQualityBatchHead

DROP_AFTER = timedelta(hours=1)
"""A tracked id Aftercare answered 404 for on two checks at least this far apart is untracked."""

# Coding jobs have two failure levels; data-quality jobs a single ``failed``.
CODING_STATUSES: StatusTable = {
    "queued": "queued",
    "processing": "running",
    "completed": "completed",
    "partial_failure": "partially_failed",
    "total_failure": "failed",
}
QUALITY_STATUSES: StatusTable = {
    "queued": "queued",
    "processing": "running",
    "completed": "completed",
    "failed": "failed",
}
STATUS_TABLES: dict[str, StatusTable] = {"coding": CODING_STATUSES, "data_quality": QUALITY_STATUSES}
TERMINAL = frozenset({"completed", "partial_failure", "total_failure", "failed"})


def normalize_status(kind: str, provider_status: str) -> NormalizedStatus:
    return map_status(STATUS_TABLES[kind], f"aftercare {kind} job", provider_status)


class AftercareAdapter:
    info = INFO

    def __init__(
        self,
        http: JsonGetter,
        *,
        store: Store,
        now: Callable[[], datetime],
    ) -> None:
        self._client = AftercareClient(http)
        self._gate = OldestFirst()
        """Concurrent coding reads take the CPU oldest first (one GIL): the first answer is not delayed
        by the others, and against a slow upstream they still overlap their network waits."""
        self._store = store
        self._now = now
        self._dropped: list[str] = []

    # ---------------------------------------------------------------- store records
    async def _record(
        self,
        job_id: str,
        kind: JobKind,
        provider_status: str,
        survey: str | None,
        completed_at: datetime | None,
        error: JobError | None,
    ) -> TrackedJob:
        return await anyio.to_thread.run_sync(
            lambda: self._store.record_status(
                job_id,
                provider=INFO.name,
                kind=kind,
                status=provider_status,
                survey=survey,
                completed_at=completed_at,
                error=error,
                checked_at=self._now(),
            )
        )

    def job_of(self, tracked: TrackedJob) -> Job:
        kind: JobKind = tracked.kind or "coding"  # type: ignore[assignment]
        if tracked.completed_at is not None:
            dated_at, dated_by = tracked.completed_at, "completed_at"
        else:
            dated_at, dated_by = tracked.status_changed_at, "first_seen_in_status"
        status = normalize_status(kind, tracked.last_status)
        # A partial failure with results carries their completion time; without one it returned
        # only its error details (as the published spec describes): nothing to read.
        no_results = status == "partially_failed" and tracked.completed_at is None
        return Job(
            job_id=tracked.job_id,
            provider=INFO.name,
            provider_label=INFO.label,
            kind=kind,
            provider_status=tracked.last_status,
            status=status,
            survey=tracked.survey,
            completed_at=tracked.completed_at,
            dated_at=dated_at,
            dated_by=dated_by,  # type: ignore[arg-type]
            last_checked_at=tracked.last_checked_at,
            error=tracked.error,
            has_results=False if no_results else None,
        )

    async def _record_coding(self, job_id: str, page: BatchCodingResponse) -> TrackedJob:
        completed_at = None
        error = None
        results = page.results
        if isinstance(results, dict):
            if page.status == "completed" and "completedAt" in results:
                completed_at = _completion_time(results)
            elif page.status in ("partial_failure", "total_failure") and "code" in results:
                details = BatchCodingErrorDetails.model_validate(results)
                error = JobError(code=details.code, message=details.message)
            elif "completedAt" in results:  # a partial failure that does carry results
                completed_at = _completion_time(results)
        normalize_status("coding", page.status)  # unknown status -> contract error below
        return await self._record(job_id, "coding", page.status, page.surveyIdentifier, completed_at, error)

    async def _record_quality(self, job_id: str, page: DataQualityBatchHead) -> TrackedJob:
        error = None
        if page.status == "failed":
            error = JobError(
                code="FAILED", message="Aftercare reports the batch failed (it publishes no error details)."
            )
        normalize_status("data_quality", page.status)
        return await self._record(job_id, "data_quality", page.status, None, None, error)

    async def _resolve(
        self, job_id: str, known_kind: str | None
    ) -> tuple[JobKind, BatchCodingResponse | DataQualityBatchHead]:
        order: list[JobKind] = (
            ["data_quality", "coding"] if known_kind == "data_quality" else ["coding", "data_quality"]
        )
        for kind in order:
            client = self._client
            page = await (client.coding_page(job_id) if kind == "coding" else client.quality_page(job_id))
            if page is not None:
                return kind, page
        raise JobNotFound(
            f"Aftercare has no coding or data-quality job with id {job_id}. Check the id; call list_jobs "
            "to see known jobs (Aftercare jobs appear there once tracked)."
        )

    async def refresh(self, job_id: str) -> tuple[TrackedJob, object]:
        """Ask Aftercare for the job's current state and record it; returns the first page too."""
        known = await anyio.to_thread.run_sync(self._store.get, job_id)
        return await self._refresh(job_id, known.kind if known else None)

    async def _refresh(self, job_id: str, known_kind: str | None) -> tuple[TrackedJob, object]:
        try:
            try:
                kind, page = await self._resolve(job_id, known_kind)
            except JobNotFound as exc:
                raise await self._missing(job_id, exc) from None
            if kind == "coding":
                tracked = await self._record_coding(job_id, page)  # type: ignore[arg-type]
            else:
                tracked = await self._record_quality(job_id, page)  # type: ignore[arg-type]
        except ValueError as exc:  # unknown status string
            raise UpstreamError(
                f"Aftercare returned an unexpected job status: {clip(exc, 300)}", provider=INFO.name
            ) from None
        return tracked, page

    async def _missing(self, job_id: str, exc: JobNotFound) -> JobNotFound:
        """A 404 for a tracked id: a second one at least ``DROP_AFTER`` after the first untracks it."""
        now = self._now()
        tracked = await anyio.to_thread.run_sync(self._store.mark_missing, job_id, now)
        if tracked is None or tracked.missing_since is None or now - tracked.missing_since < DROP_AFTER:
            return exc
        await anyio.to_thread.run_sync(self._store.untrack, [job_id])
        self._dropped.append(job_id)
        return JobNotFound(f"{exc} It is no longer tracked (Aftercare answered 404 twice, an hour apart).")

    # ---------------------------------------------------------------- ProviderAdapter
    async def get_job(self, job_id: str) -> Job:
        tracked, _ = await self.refresh(job_id)
        return self.job_of(tracked)

    async def known_job(self, job_id: str) -> Job | None:
        tracked = await anyio.to_thread.run_sync(self._store.get, job_id)
        return self.job_of(tracked) if tracked is not None and tracked.last_status else None

    async def list_jobs(
        self,
        status: NormalizedStatus | None,
        *,
        refresh: Refresher,
        budget_s: float,
        progress: ProgressFn | None = None,
    ) -> JobListing:
        tracked = await anyio.to_thread.run_sync(lambda: self._store.list_tracked(INFO.name))
        listing = await tracked_listing(
            tracked,
            provider=INFO.name,
            label=INFO.label,
            job_of=self.job_of,
            refresh=refresh,
            budget_s=budget_s,
            now=self._now(),
            progress=progress,
        )
        listing.providers = [INFO.profile]
        dropped, self._dropped = self._dropped, []
        if dropped:
            listing.notes.append(dropped_note(dropped))
        return listing

    async def known_jobs(self) -> list[KnownJob]:
        """Every tracked job with its last recorded status, from the local store (no request)."""
        tracked = await anyio.to_thread.run_sync(lambda: self._store.list_tracked(INFO.name))
        return [self._known(entry) for entry in tracked]

    def _known(self, tracked: TrackedJob) -> KnownJob:
        if tracked.kind and tracked.last_status:
            try:
                return KnownJob.of(self.job_of(tracked))
            except ValueError:  # a status string this version does not know: treat as unresolved
                pass
        return KnownJob(tracked.job_id, INFO.name, tracked.kind, None, tracked.first_seen_at)  # type: ignore[arg-type]

    async def codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        raise WrongJobKind(
            f"Job {job_id} is an Aftercare job; Aftercare has no codebook-generation jobs (its code "
            f'tree is part of the coding results: get_coding_results(job_id="{job_id}")).'
        )

    async def open_read(self, job_id: str, kind: ResultKind) -> ResultRead:
        tracked, first = await self.refresh(job_id)
        if kind == "coding" and tracked.kind == "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare data-quality job; call get_quality_results(job_id="{job_id}").'
            )
        if kind == "quality" and tracked.kind != "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare coding job; call get_coding_results(job_id="{job_id}").'
            )
        require_finished(
            self.job_of(tracked), "get_coding_results" if kind == "coding" else "get_quality_results"
        )
        if isinstance(first, BatchCodingResponse):
            failure = tracked.error if tracked.last_status == "partial_failure" else None
            meta = {
                "survey": first.surveyIdentifier,
                "failure": [failure.code, failure.message] if failure else None,
            }
            has_pages = isinstance(first.results, dict) and "questionCodes" in first.results
            # Per the published spec a partial failure carries only error details: nothing to read.
            return CodingRead(self._client, job_id, meta, first.results if has_pages else None, self._gate)
        assert isinstance(first, DataQualityBatchHead)
        return QualityRead(self._client, job_id, {"survey": tracked.survey}, first.results)

    def resume_read(self, job_id: str, kind: ResultKind, meta: dict[str, Any]) -> ResultRead:
        if kind == "coding":
            return CodingRead(self._client, job_id, meta, None, self._gate)
        return QualityRead(self._client, job_id, meta, None)


def _completion_time(results: dict) -> datetime | None:
    try:
        return BatchCodingCompletion.model_validate(results).completedAt
    except ValidationError:
        return None  # the full page validation reports the broken contract with its location
