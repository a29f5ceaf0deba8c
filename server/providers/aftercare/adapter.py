"""The Aftercare adapter: job status, tracking in the local store, and paged results.

- A job id is resolved to a kind (the store remembers it; otherwise coding is asked first, then
  data-quality).
- Every job it resolves is recorded in the store, because Aftercare has no list endpoint and the
  store is how ``list_jobs`` knows them; a job is dated by the upstream ``completedAt`` where one
  exists, else by when the store first saw its current status.
- Tracked unfinished jobs are refreshed concurrently with a bound (a slow provider must not turn
  300 tracked jobs into 300 sequential round trips).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import anyio
from pydantic import ValidationError

from survey_jobs_mcp.tools.errors import (
    CredentialsError,
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
    QualityReport,
    RespondentQuality,
)
from survey_jobs_mcp.tools.source import JobListing, KnownJob, ProgressFn, ProviderFailure

from ...redact import clip
from ...store import Store, TrackedJob
from ..pipeline import consume_pipelined
from ..readiness import require_finished
from ..status import StatusTable, map_status
from ..transport import JsonGetter, contract_error
from . import INFO, mapping
from .client import AftercareClient
from .wire import (
    BATCH_CODING_SUCCESS,
    BatchCodingCompletion,
    BatchCodingErrorDetails,
    BatchCodingResponse,
    DataQualityBatchResponse,
)

REFRESH_CONCURRENCY = 32

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
        refresh_concurrency: int = REFRESH_CONCURRENCY,
    ) -> None:
        self._client = AftercareClient(http)
        self._store = store
        self._now = now
        self._refresh_limit = anyio.CapacityLimiter(refresh_concurrency)

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

    async def _record_quality(self, job_id: str, page: DataQualityBatchResponse) -> TrackedJob:
        error = None
        if page.status == "failed":
            error = JobError(
                code="FAILED", message="Aftercare reports the batch failed (it publishes no error details)."
            )
        normalize_status("data_quality", page.status)
        return await self._record(job_id, "data_quality", page.status, None, None, error)

    async def _resolve(
        self, job_id: str, known_kind: str | None
    ) -> tuple[JobKind, BatchCodingResponse | DataQualityBatchResponse]:
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
            kind, page = await self._resolve(job_id, known_kind)
            if kind == "coding":
                tracked = await self._record_coding(job_id, page)  # type: ignore[arg-type]
            else:
                tracked = await self._record_quality(job_id, page)  # type: ignore[arg-type]
        except ValueError as exc:  # unknown status string
            raise UpstreamError(
                f"Aftercare returned an unexpected job status: {clip(exc, 300)}", provider=INFO.name
            ) from None
        return tracked, page

    # ---------------------------------------------------------------- ProviderAdapter
    async def get_job(self, job_id: str) -> Job:
        tracked, _ = await self.refresh(job_id)
        return self.job_of(tracked)

    async def list_jobs(self, status: NormalizedStatus | None) -> JobListing:
        listing = JobListing(jobs=[], providers=[INFO.profile])
        tracked = await anyio.to_thread.run_sync(lambda: self._store.list_tracked(INFO.name))
        failed: list[str] = []
        key_failure: list[CredentialsError] = []

        async def refresh(entry: TrackedJob) -> None:
            if entry.last_status in TERMINAL and entry.kind:
                listing.jobs.append(self.job_of(entry))
                return
            async with self._refresh_limit:
                try:
                    fresh, _ = await self._refresh(entry.job_id, entry.kind)
                except SurveyJobsError as exc:
                    failed.append(f"{entry.job_id}: {exc}")
                    if isinstance(exc, CredentialsError):
                        key_failure.append(exc)
                    if entry.last_status:
                        listing.jobs.append(self.job_of(entry))
                    return
            listing.jobs.append(self.job_of(fresh))

        async with anyio.create_task_group() as tg:
            for entry in tracked:
                tg.start_soon(refresh, entry)
        if failed:
            if len(failed) == len([t for t in tracked if t.last_status not in TERMINAL]):
                # A key problem is about the provider, not a job: report it whole, so its fix
                # (`survey-jobs-mcp auth set aftercare`) is not cut off behind a job id.
                message = (
                    str(key_failure[0])
                    if key_failure
                    else f"{len(failed)} tracked job(s) could not be refreshed; "
                    f"first error: {clip(failed[0], 300)}"
                )
                listing.failures.append(ProviderFailure(provider=INFO.name, message=message))  # type: ignore[arg-type]
            else:
                listing.notes.append(
                    f"{len(failed)} tracked Aftercare job(s) could not be refreshed and show their last "
                    f"known status; first error: {clip(failed[0], 200)}"
                )
        if not tracked:
            listing.notes.append(
                "No Aftercare jobs are tracked yet: Aftercare has no list endpoint, so its jobs appear "
                "once a tool is called with their id or after `survey-jobs-mcp track ID`."
            )
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

    async def coding_results(self, job_id: str, progress: ProgressFn) -> CodingResults:
        tracked, first = await self.refresh(job_id)
        if tracked.kind == "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare data-quality job; call get_quality_results(job_id="{job_id}").'
            )
        assert isinstance(first, BatchCodingResponse)
        require_finished(self.job_of(tracked), "get_coding_results")
        return await self._page_coding(job_id, first, tracked, progress)

    async def _page_coding(
        self, job_id: str, first: BatchCodingResponse, tracked: TrackedJob, progress: ProgressFn
    ) -> CodingResults:
        merger = mapping.CodingMerger()
        failure = tracked.error if tracked.last_status == "partial_failure" else None
        completed_at: list[datetime] = []

        def results(completed: datetime | None) -> CodingResults:
            return mapping.coding_results(
                job_id=job_id,
                survey=first.surveyIdentifier,
                completed_at=completed,
                merger=merger,
                failure=failure,
            )

        if not (isinstance(first.results, dict) and "questionCodes" in first.results):
            # Per the published spec a partial failure carries only error details: nothing to show.
            return results(None)

        def absorb(raw: object) -> None:
            try:
                page = BATCH_CODING_SUCCESS.validate_python(raw)
            except ValidationError as exc:
                raise contract_error("Aftercare", "coding results page", exc, None) from None
            if not completed_at:
                completed_at.append(page["completedAt"])
            merger.add_page(page["questionCodes"])

        pages = self._client.coding_result_pages(job_id, first)
        await consume_pipelined(pages, absorb, progress, "coding results from Aftercare")
        return results(completed_at[0] if completed_at else None)

    async def codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        raise WrongJobKind(
            f"Job {job_id} is an Aftercare job; Aftercare has no codebook-generation jobs (its code "
            f'tree is part of the coding results: get_coding_results(job_id="{job_id}")).'
        )

    async def quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        tracked, first = await self.refresh(job_id)
        if tracked.kind != "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare coding job; call get_coding_results(job_id="{job_id}").'
            )
        assert isinstance(first, DataQualityBatchResponse)
        require_finished(self.job_of(tracked), "get_quality_results")
        respondents: list[RespondentQuality] = []

        def absorb(page: DataQualityBatchResponse) -> None:
            for item in page.results.items if page.results else []:
                respondents.append(mapping.respondent_quality(item, len(respondents) + 1))

        pages = self._client.quality_pages(job_id, first)
        await consume_pipelined(pages, absorb, progress, "data-quality results from Aftercare")
        return QualityReport(job_id=job_id, survey=tracked.survey, respondents=respondents)


def _completion_time(results: dict) -> datetime | None:
    try:
        return BatchCodingCompletion.model_validate(results).completedAt
    except ValidationError:
        return None  # the full page validation reports the broken contract with its location
