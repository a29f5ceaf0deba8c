"""The SurveyCoder adapter: one job, the recent-jobs list, and coded results.

SurveyCoder returns a job's whole result in one body, and lists at most its 100 most recent jobs
(no cursor), which the listing says when it is reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from survey_jobs_mcp.tools.errors import (
    CodebookOnly,
    JobNotFound,
    SurveyJobsError,
    UpstreamError,
    WrongJobKind,
)
from survey_jobs_mcp.tools.models import (
    Codebook,
    CodingResults,
    Job,
    JobError,
    JobKind,
    NormalizedStatus,
    Progress,
)
from survey_jobs_mcp.tools.source import JobListing, KnownJob, ProgressFn, ProviderFailure

from ...redact import clip
from ...store import Store
from ..base import Refresher, ResultKind, ResultRead
from ..readiness import require_finished
from ..status import StatusTable, map_status
from ..transport import JsonGetter
from . import INFO, mapping
from .client import LIST_LIMIT, SurveyCoderClient
from .wire import JobSummary

STATUSES: StatusTable = {
    "queued": "queued",
    "processing": "running",
    "completed": "completed",
    "failed": "failed",
}
STATUS_FILTER = {"queued": "queued", "running": "processing", "completed": "completed", "failed": "failed"}
"""Server-side filtering matters here because the list holds at most 100 jobs."""
JOB_TYPES: tuple[JobKind, ...] = ("codebook_generation", "auto_coding", "one_call")
KNOWN_JOBS_TTL_S = 30.0
"""How long the recent-jobs list is reused for ``known_jobs``: argument completion asks on every
keystroke, and one list request per keystroke would be slow and wasteful."""
NOT_FOUND = (
    "SurveyCoder has no job {job_id} (jobs expire 24 h after creation). Call list_jobs to see recent jobs."
)


class SurveyCoderAdapter:
    info = INFO

    def __init__(self, http: JsonGetter, *, store: Store, now: Callable[[], datetime]) -> None:
        self._client = SurveyCoderClient(http)
        self._known: tuple[float, list[KnownJob]] | None = None

    async def _wire_job(self, job_id: str):
        job = await self._client.job(job_id)
        if job is None:
            raise JobNotFound(NOT_FOUND.format(job_id=job_id))
        return job

    async def get_job(self, job_id: str) -> Job:
        return job_of(await self._wire_job(job_id))

    async def known_job(self, job_id: str) -> Job | None:
        return None  # nothing stored: SurveyCoder lists its own jobs

    async def list_jobs(
        self,
        status: NormalizedStatus | None,
        *,
        refresh: Refresher,
        budget_s: float,
        progress: ProgressFn | None = None,
    ) -> JobListing:
        listing = JobListing(jobs=[], providers=[INFO.profile])
        try:
            jobs = await self._client.list_jobs(status=STATUS_FILTER.get(status or ""), limit=LIST_LIMIT)
        except SurveyJobsError as exc:
            listing.failures.append(ProviderFailure(provider=INFO.name, message=str(exc)))  # type: ignore[arg-type]
            return listing
        listing.jobs.extend(job_of(j) for j in jobs)
        if status is None:
            self._known = (time.monotonic(), [KnownJob.of(job) for job in listing.jobs])
        if len(jobs) >= LIST_LIMIT:
            listing.notes.append(
                f"SurveyCoder lists at most its {LIST_LIMIT} most recent jobs; older ones are not counted."
            )
        return listing

    async def known_jobs(self) -> list[KnownJob]:
        """The recent-jobs list (one request), reused for ``KNOWN_JOBS_TTL_S``."""
        if self._known is not None and time.monotonic() - self._known[0] < KNOWN_JOBS_TTL_S:
            return self._known[1]
        jobs = [KnownJob.of(job_of(j)) for j in await self._client.list_jobs(limit=LIST_LIMIT)]
        self._known = (time.monotonic(), jobs)
        return jobs

    async def open_read(self, job_id: str, kind: ResultKind) -> ResultRead:
        if kind == "quality":
            raise WrongJobKind(
                f"Job {job_id} is a SurveyCoder coding job; data-quality results exist only for Aftercare "
                f'data-quality jobs. Call get_coding_results(job_id="{job_id}").'
            )
        found = await self._client.job_with_body(job_id)
        if found is None:
            raise JobNotFound(NOT_FOUND.format(job_id=job_id))
        wire_job, body = found
        job = job_of(wire_job)
        if job.kind == "codebook_generation":
            raise CodebookOnly(
                f"Job {job_id} is a SurveyCoder codebook_generation job: it produces a codebook only, "
                f'with no coded responses. Read the codebook with get_coding_results(job_id="{job_id}").'
            )
        require_finished(job, "get_coding_results")
        return SurveyCoderRead(job_id, body)

    def resume_read(self, job_id: str, kind: ResultKind, meta: dict[str, Any]) -> ResultRead:
        return SurveyCoderRead(job_id, None)

    async def codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        wire_job = await self._wire_job(job_id)
        job = job_of(wire_job)
        if job.kind != "codebook_generation":
            raise WrongJobKind(
                f"Job {job_id} is a SurveyCoder {job.kind} job, not a codebook_generation job; its codes "
                f'and counts are in get_coding_results(job_id="{job_id}").'
            )
        require_finished(job, "get_coding_results")
        result = self._client.codebook_result(wire_job)
        return mapping.codebook(job_id=job_id, kind=job.kind, completed_at=job.updated_at, result=result)


class SurveyCoderRead:
    """SurveyCoder returns a job's whole result in its body: one page, nothing to fetch."""

    what = "coding results from SurveyCoder"
    meta: dict[str, Any] = {}  # noqa: RUF012 - never mutated

    def __init__(self, job_id: str, body: Any | None) -> None:
        self.job_id = job_id
        self.first = body
        self._result: CodingResults | None = None

    async def fetch(self, cursor: str) -> Any:
        raise AssertionError("a SurveyCoder job has a single page")

    def next_cursor(self, page: Any) -> str | None:
        return None

    def absorb(self, page: Any) -> int:
        wire_job = SurveyCoderClient.job_from_body(page)
        job = job_of(wire_job)
        result = SurveyCoderClient.coding_result(wire_job)
        self._result = mapping.coding_results(
            job_id=self.job_id, kind=job.kind, completed_at=job.updated_at, result=result
        )
        return len(result.results)

    def result(self) -> CodingResults:
        assert self._result is not None, "absorb() the job's body first"
        return self._result


def job_of(job: JobSummary) -> Job:
    """Map a SurveyCoder job (summary or full) to the domain ``Job``."""
    kind: JobKind = job.type if job.type in JOB_TYPES else "one_call"  # type: ignore[assignment]
    if job.type != kind:
        raise UpstreamError(
            f"SurveyCoder returned an unknown job type {clip(job.type, 40)!r}.", provider=INFO.name
        )
    try:
        status = map_status(STATUSES, f"surveycoder {kind} job", job.status)
    except ValueError:
        raise UpstreamError(
            f"SurveyCoder returned an unknown job status {clip(job.status, 40)!r}.", provider=INFO.name
        ) from None
    error = getattr(job, "error", None)
    completed_at = job.updated_at if job.status == "completed" else None
    return Job(
        job_id=job.id,
        provider=INFO.name,
        provider_label=INFO.label,
        kind=kind,
        provider_status=job.status,
        status=status,
        progress=Progress(job.progress.processed, job.progress.total, job.progress.percentage),
        created_at=job.created_at,
        updated_at=job.updated_at,
        completed_at=completed_at,
        dated_at=completed_at or job.updated_at or job.created_at,
        dated_by="updated_at",
        error=JobError(code=error.code, message=error.message) if error else None,
    )
