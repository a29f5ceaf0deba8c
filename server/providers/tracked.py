"""Listing the tracked jobs of a provider with no list endpoint, within a time budget.

Finished jobs never change, so they are listed from the store. Unfinished ones are refreshed through
the service's shared refresh (one upstream request however many callers ask), oldest-checked first,
until the budget runs out; the rest show their last known status and how old it is. So no number of
tracked jobs makes ``list_jobs`` miss its deadline or lose the other provider's jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import anyio

from survey_jobs_mcp.tools.errors import CredentialsError, JobNotFound, SurveyJobsError
from survey_jobs_mcp.tools.models import Job
from survey_jobs_mcp.tools.source import JobListing, ProgressFn, ProviderFailure

from ..redact import clip
from ..store import TrackedJob
from .base import Refresher

FINISHED = frozenset({"completed", "partially_failed", "failed"})
REFRESH_CONCURRENCY = 32
"""Refreshes in flight at once: a slow provider must not turn 300 jobs into 300 round trips, nor
should 10,000 tracked ids open 10,000 connections."""


def _oldest_first(entry: TrackedJob) -> tuple[int, float]:
    checked = entry.last_checked_at
    return (0, 0.0) if checked is None else (1, _aware(checked).timestamp())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age(moment: datetime, now: datetime) -> str:
    seconds = max(0.0, (_aware(now) - _aware(moment)).total_seconds())
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


async def tracked_listing(
    tracked: list[TrackedJob],
    *,
    provider: str,
    label: str,
    job_of: Callable[[TrackedJob], Job],
    refresh: Refresher,
    budget_s: float,
    now: datetime,
    progress: ProgressFn | None = None,
) -> JobListing:
    """Finished jobs from the store, unfinished ones refreshed (oldest-checked first) within budget."""
    listing = JobListing(jobs=[], providers=[])
    pending: list[TrackedJob] = []
    for entry in tracked:
        known = job_of(entry) if entry.last_status and entry.kind else None
        if known is not None and known.status in FINISHED:
            listing.jobs.append(known)
        else:
            pending.append(entry)
    pending.sort(key=_oldest_first)
    fresh: dict[str, Job] = {}
    failed: dict[str, SurveyJobsError] = {}
    limit = anyio.Semaphore(REFRESH_CONCURRENCY)
    report = _Progress(progress, len(pending), label)

    async def one(entry: TrackedJob) -> None:
        async with limit:
            try:
                fresh[entry.job_id] = await refresh(entry.job_id)
            except SurveyJobsError as exc:
                failed[entry.job_id] = exc
        await report.one_done()

    with anyio.move_on_after(budget_s):
        async with anyio.create_task_group() as tg:
            for entry in pending:
                tg.start_soon(one, entry)
    stale: list[TrackedJob] = []
    for entry in pending:
        if entry.job_id in fresh:
            listing.jobs.append(fresh[entry.job_id])
            continue
        if entry.job_id not in failed:
            stale.append(entry)
        if entry.last_status and entry.kind:
            listing.jobs.append(job_of(entry))
    _explain(listing, provider, label, len(pending), failed, stale, now)
    return listing


class _Progress:
    """Refreshes done out of how many, about every tenth of them (300 jobs: ~10 notifications)."""

    def __init__(self, progress: ProgressFn | None, total: int, label: str) -> None:
        self._progress, self._total, self._label = progress, total, label
        self._done = self._reported = 0

    async def one_done(self) -> None:
        self._done += 1
        step = max(1, self._total // 10)
        if self._progress is None or (self._done - self._reported < step and self._done < self._total):
            return
        self._reported = self._done
        await self._progress(
            self._done,
            self._total,
            f"Refreshed {self._done} of {self._total} unfinished tracked {self._label} jobs",
        )


def _explain(
    listing: JobListing,
    provider: str,
    label: str,
    pending: int,
    failed: dict[str, SurveyJobsError],
    stale: list[TrackedJob],
    now: datetime,
) -> None:
    missing = [job_id for job_id, exc in failed.items() if isinstance(exc, JobNotFound)]
    errors = {job_id: exc for job_id, exc in failed.items() if not isinstance(exc, JobNotFound)}
    if missing:
        listing.notes.append(
            f"{len(missing)} tracked id(s) are unknown to {label} (HTTP 404), e.g. {missing[0]}; an id "
            "that is still unknown an hour later stops being tracked."
        )
    if errors:
        first_id, first = next(iter(errors.items()))
        key_failure = next((e for e in errors.values() if isinstance(e, CredentialsError)), None)
        if len(errors) + len(missing) == pending and not stale:
            # A key problem is about the provider, not a job: report it whole, so its fix
            # (`survey-jobs-mcp auth set ...`) is not cut off behind a job id.
            message = (
                str(key_failure)
                if key_failure
                else f"{len(errors)} tracked job(s) could not be refreshed; first error: "
                f"{first_id}: {clip(first, 300)}"
            )
            listing.failures.append(ProviderFailure(provider=provider, message=message))  # type: ignore[arg-type]
        else:
            listing.notes.append(
                f"{len(errors)} tracked {label} job(s) could not be refreshed and show their last known "
                f"status; first error: {first_id}: {clip(first, 200)}"
            )
    if stale:
        checked = [e.last_checked_at for e in stale if e.last_checked_at is not None]
        oldest = f" (oldest check {age(min(checked, key=_aware), now)} ago)" if checked else ""
        listing.notes.append(
            f"{len(stale)} unfinished tracked {label} job(s) were not refreshed within the time budget "
            f"and show their last known status{oldest}; they are refreshed first next time."
        )
    if not listing.jobs and pending == 0 and not listing.notes:
        listing.notes.append(
            f"No {label} jobs are tracked yet: {label} has no list endpoint, so its jobs appear "
            "once a tool is called with their id or after `survey-jobs-mcp track ID`."
        )


def dropped_note(job_ids: list[str]) -> str:
    shown = ", ".join(job_ids[:3]) + (f" and {len(job_ids) - 3} more" if len(job_ids) > 3 else "")
    return (
        f"Stopped tracking {len(job_ids)} job id(s) the provider no longer knows (HTTP 404 on two checks "
        f"at least an hour apart): {shown}."
    )
