"""``LiveSource``: the ``tools.source.JobSource`` backed by both providers and the local store.

Responsibilities, in the order a tool call meets them:
- resolve a job id to a provider (from its format) and, for Aftercare, to a kind (the store
  remembers it; otherwise coding is asked first, then data-quality);
- record every Aftercare job it resolves in the store, because Aftercare has no list endpoint and
  the store is how ``list_jobs`` knows them; a job is dated by the upstream ``completedAt`` where
  one exists, else by when the store first saw its current status;
- refresh tracked non-terminal Aftercare jobs concurrently with a bound (a slow provider must not
  turn 300 tracked jobs into 300 sequential round trips);
- page through results, merge split trees, report progress, and cache finished results so a
  drill-down never refetches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import anyio

from tools.errors import CredentialsError, JobNotFound, NotReady, SurveyJobsError, UpstreamError, WrongJobKind
from tools.ids import detect_provider, normalize_job_id
from tools.jobs_view import normalize_status
from tools.models import (
    CODING_KINDS,
    CodingResults,
    Job,
    JobError,
    JobKind,
    Progress,
    Provider,
    QualityReport,
)
from tools.source import JobListing, ProgressFn, ProviderFailure

from . import result_codec
from .providers import aftercare_mapping, surveycoder_mapping
from .providers.aftercare import AftercareClient, check_cursor
from .providers.aftercare_wire import (
    BatchCodingErrorDetails,
    BatchCodingResponse,
    BatchCodingSuccess,
    DataQualityBatchResponse,
)
from .providers.surveycoder import LIST_LIMIT, SurveyCoderClient
from .providers.surveycoder_wire import JobSummary
from .store import Store, TrackedJob

logger = logging.getLogger("survey_jobs_mcp.source")

REFRESH_CONCURRENCY = 32
AFTERCARE_TERMINAL = frozenset({"completed", "partial_failure", "total_failure", "failed"})


class LiveSource:
    def __init__(
        self,
        *,
        aftercare: AftercareClient | None,
        surveycoder: SurveyCoderClient | None,
        store: Store,
        now: Callable[[], datetime],
        aftercare_unavailable: str | None = None,
        surveycoder_unavailable: str | None = None,
        refresh_concurrency: int = REFRESH_CONCURRENCY,
    ) -> None:
        self._aftercare = aftercare
        self._surveycoder = surveycoder
        self._store = store
        self._now = now
        self._unavailable = {"aftercare": aftercare_unavailable, "surveycoder": surveycoder_unavailable}
        self._refresh_limit = anyio.CapacityLimiter(refresh_concurrency)

    # ---------------------------------------------------------------- provider access
    def _aftercare_client(self) -> AftercareClient:
        if self._aftercare is None:
            raise self._missing("aftercare")
        return self._aftercare

    def _surveycoder_client(self) -> SurveyCoderClient:
        if self._surveycoder is None:
            raise self._missing("surveycoder")
        return self._surveycoder

    def _missing(self, provider: Provider) -> SurveyJobsError:
        from tools.errors import CredentialsError

        return CredentialsError(self._unavailable[provider] or f"{provider} is not configured.")

    # ---------------------------------------------------------------- Aftercare jobs
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
                provider="aftercare",
                kind=kind,
                status=provider_status,
                survey=survey,
                completed_at=completed_at,
                error=error,
                checked_at=self._now(),
            )
        )

    def _aftercare_job(self, tracked: TrackedJob) -> Job:
        kind: JobKind = tracked.kind or "coding"  # type: ignore[assignment]
        status = normalize_status("aftercare", kind, tracked.last_status)
        if tracked.completed_at is not None:
            dated_at, dated_by = tracked.completed_at, "completed_at"
        else:
            dated_at, dated_by = tracked.status_changed_at, "first_seen_in_status"
        error = tracked.error
        return Job(
            job_id=tracked.job_id,
            provider="aftercare",
            kind=kind,
            provider_status=tracked.last_status,
            status=status,
            survey=tracked.survey,
            completed_at=tracked.completed_at,
            dated_at=dated_at,
            dated_by=dated_by,
            last_checked_at=tracked.last_checked_at,
            error=error,
        )

    async def _record_coding(self, job_id: str, page: BatchCodingResponse) -> TrackedJob:
        completed_at = None
        error = None
        results = page.results
        if isinstance(results, dict):
            if page.status == "completed" and "completedAt" in results:
                completed_at = BatchCodingSuccess.model_validate(results).completedAt
            elif page.status in ("partial_failure", "total_failure") and "code" in results:
                details = BatchCodingErrorDetails.model_validate(results)
                error = JobError(code=details.code, message=details.message)
            elif "completedAt" in results:  # a partial failure that does carry results
                completed_at = BatchCodingSuccess.model_validate(results).completedAt
        normalize_status("aftercare", "coding", page.status)  # unknown status -> contract error below
        return await self._record(job_id, "coding", page.status, page.surveyIdentifier, completed_at, error)

    async def _record_quality(self, job_id: str, page: DataQualityBatchResponse) -> TrackedJob:
        error = None
        if page.status == "failed":
            error = JobError(
                code="FAILED", message="Aftercare reports the batch failed (it publishes no error details)."
            )
        normalize_status("aftercare", "data_quality", page.status)
        return await self._record(job_id, "data_quality", page.status, None, None, error)

    async def _resolve_aftercare(
        self, job_id: str, known_kind: str | None
    ) -> tuple[JobKind, BatchCodingResponse | DataQualityBatchResponse]:
        client = self._aftercare_client()
        order: list[JobKind] = (
            ["data_quality", "coding"] if known_kind == "data_quality" else ["coding", "data_quality"]
        )
        for kind in order:
            page = await (client.coding_page(job_id) if kind == "coding" else client.quality_page(job_id))
            if page is not None:
                return kind, page
        raise JobNotFound(
            f"Aftercare has no coding or data-quality job with id {job_id}. Check the id; call list_jobs "
            "to see known jobs (Aftercare jobs appear there once tracked)."
        )

    async def _refresh_aftercare(self, job_id: str, known_kind: str | None) -> tuple[TrackedJob, object]:
        try:
            kind, page = await self._resolve_aftercare(job_id, known_kind)
            if kind == "coding":
                tracked = await self._record_coding(job_id, page)  # type: ignore[arg-type]
            else:
                tracked = await self._record_quality(job_id, page)  # type: ignore[arg-type]
        except ValueError as exc:  # unknown status string
            raise UpstreamError(
                f"Aftercare returned an unexpected job status: {exc}", provider="aftercare"
            ) from None
        return tracked, page

    # ---------------------------------------------------------------- JobSource
    async def get_job(self, job_id: str) -> Job:
        provider = detect_provider(job_id)
        if provider == "surveycoder":
            job = await self._surveycoder_client().job(job_id)
            if job is None:
                raise JobNotFound(
                    f"SurveyCoder has no job {job_id} (jobs expire 24 h after creation). "
                    "Call list_jobs to see recent jobs."
                )
            return surveycoder_job(job)
        job_id = normalize_job_id(job_id)
        known = await anyio.to_thread.run_sync(self._store.get, job_id)
        tracked, _ = await self._refresh_aftercare(job_id, known.kind if known else None)
        return self._aftercare_job(tracked)

    async def list_jobs(self, provider: Provider | None, upstream_status: str | None) -> JobListing:
        listing = JobListing(jobs=[])

        async def surveycoder() -> None:
            try:
                jobs = await self._surveycoder_client().list_jobs(status=upstream_status, limit=LIST_LIMIT)
            except SurveyJobsError as exc:
                listing.failures.append(ProviderFailure(provider="surveycoder", message=str(exc)))
                return
            listing.jobs.extend(surveycoder_job(j) for j in jobs)
            if len(jobs) >= LIST_LIMIT:
                listing.notes.append(
                    f"SurveyCoder lists at most its {LIST_LIMIT} most recent jobs; "
                    "older ones are not counted."
                )

        async def aftercare() -> None:
            try:
                client_ready = self._aftercare_client()
            except SurveyJobsError as exc:
                listing.failures.append(ProviderFailure(provider="aftercare", message=str(exc)))
                return
            del client_ready
            tracked = await anyio.to_thread.run_sync(lambda: self._store.list_tracked("aftercare"))
            failed: list[str] = []
            key_failure: list[CredentialsError] = []

            async def refresh(entry: TrackedJob) -> None:
                if entry.last_status in AFTERCARE_TERMINAL and entry.kind:
                    listing.jobs.append(self._aftercare_job(entry))
                    return
                async with self._refresh_limit:
                    try:
                        fresh, _ = await self._refresh_aftercare(entry.job_id, entry.kind)
                    except SurveyJobsError as exc:
                        failed.append(f"{entry.job_id}: {exc}")
                        if isinstance(exc, CredentialsError):
                            key_failure.append(exc)
                        if entry.last_status:
                            listing.jobs.append(self._aftercare_job(entry))
                        return
                listing.jobs.append(self._aftercare_job(fresh))

            async with anyio.create_task_group() as tg:
                for entry in tracked:
                    tg.start_soon(refresh, entry)
            if failed:
                if len(failed) == len([t for t in tracked if t.last_status not in AFTERCARE_TERMINAL]):
                    # A key problem is about the provider, not a job: report it whole, so its fix
                    # (`survey-jobs-mcp auth set aftercare`) is not cut off behind a job id.
                    message = (
                        str(key_failure[0])
                        if key_failure
                        else f"{len(failed)} tracked job(s) could not be refreshed; first error: "
                        f"{failed[0][:300]}"
                    )
                    listing.failures.append(ProviderFailure(provider="aftercare", message=message))
                else:
                    listing.notes.append(
                        f"{len(failed)} tracked Aftercare job(s) could not be refreshed and show their last "
                        f"known status; first error: {failed[0][:200]}"
                    )
            if not tracked:
                listing.notes.append(
                    "No Aftercare jobs are tracked yet: Aftercare has no list endpoint, so its jobs appear "
                    "once a tool is called with their id or after `survey-jobs-mcp track ID`."
                )

        async with anyio.create_task_group() as tg:
            if provider in (None, "surveycoder"):
                tg.start_soon(surveycoder)
            if provider in (None, "aftercare"):
                tg.start_soon(aftercare)
        return listing

    async def get_coding_results(self, job_id: str, progress: ProgressFn) -> CodingResults:
        provider = detect_provider(job_id)
        if provider == "surveycoder":
            return await self._surveycoder_coding(job_id)
        job_id = normalize_job_id(job_id)
        cached = await anyio.to_thread.run_sync(self._store.cache_get, job_id)
        if cached is not None:
            results = await anyio.to_thread.run_sync(result_codec.decode_coding, cached)
            if results is not None:
                return results
        known = await anyio.to_thread.run_sync(self._store.get, job_id)
        tracked, first = await self._refresh_aftercare(job_id, known.kind if known else None)
        if tracked.kind == "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare data-quality job; call get_quality_results(job_id="{job_id}").'
            )
        assert isinstance(first, BatchCodingResponse)
        _require_finished(self._aftercare_job(tracked), "get_coding_results")
        results = await self._page_coding(job_id, first, tracked, progress)
        blob = await anyio.to_thread.run_sync(result_codec.encode_coding, results)
        await anyio.to_thread.run_sync(lambda: self._store.cache_put(job_id, "coding", blob))
        return results

    async def _page_coding(
        self, job_id: str, first: BatchCodingResponse, tracked: TrackedJob, progress: ProgressFn
    ) -> CodingResults:
        client = self._aftercare_client()
        merger = aftercare_mapping.CodingMerger()
        failure = None
        if tracked.last_status == "partial_failure" and tracked.error:
            failure = tracked.error
        raw = first.results
        if not (isinstance(raw, dict) and "questionCodes" in raw):
            # Per the published spec a partial failure carries only error details: nothing to show.
            return aftercare_mapping.coding_results(
                job_id=job_id,
                survey=first.surveyIdentifier,
                completed_at=None,
                merger=merger,
                failure=failure,
            )
        page_results = _success(first)
        completed_at = page_results.completedAt
        seen: set[str] = set()
        pages = 0
        while True:
            merger.add_page(page_results.questionCodes)
            pages += 1
            await progress(pages, None, f"Fetched {pages} page(s) of results from Aftercare")
            cursor = page_results.nextCursor
            if not cursor:
                break
            check_cursor(cursor, seen)
            page = await client.coding_page(job_id, cursor)
            if page is None:
                raise UpstreamError(
                    "Aftercare stopped recognising the job while paging its results; try again.",
                    provider="aftercare",
                )
            page_results = _success(page)
        return aftercare_mapping.coding_results(
            job_id=job_id,
            survey=first.surveyIdentifier,
            completed_at=completed_at,
            merger=merger,
            failure=failure,
        )

    async def _surveycoder_coding(self, job_id: str) -> CodingResults:
        client = self._surveycoder_client()
        wire_job = await client.job(job_id)
        if wire_job is None:
            raise JobNotFound(f"SurveyCoder has no job {job_id}. Call list_jobs to see recent jobs.")
        job = surveycoder_job(wire_job)
        if job.kind == "codebook_generation":
            raise WrongJobKind(
                f"Job {job_id} is a SurveyCoder codebook_generation job: it produces a codebook only, "
                "with no coded responses to summarise. Use get_job for its status; coded results come "
                "from one_call or auto_coding jobs."
            )
        _require_finished(job, "get_coding_results")
        result = client.coding_result(wire_job)
        return surveycoder_mapping.coding_results(
            job_id=job_id, kind=job.kind, completed_at=job.updated_at, result=result
        )

    async def get_quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        provider = detect_provider(job_id)
        if provider == "surveycoder":
            raise WrongJobKind(
                f"Job {job_id} is a SurveyCoder coding job; data-quality results exist only for Aftercare "
                f'data-quality jobs. Call get_coding_results(job_id="{job_id}").'
            )
        job_id = normalize_job_id(job_id)
        cached = await anyio.to_thread.run_sync(self._store.cache_get, job_id)
        if cached is not None:
            report = await anyio.to_thread.run_sync(result_codec.decode_quality, cached)
            if report is not None:
                return report
        known = await anyio.to_thread.run_sync(self._store.get, job_id)
        tracked, first = await self._refresh_aftercare(job_id, known.kind if known else None)
        if tracked.kind != "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare coding job; call get_coding_results(job_id="{job_id}").'
            )
        assert isinstance(first, DataQualityBatchResponse)
        _require_finished(self._aftercare_job(tracked), "get_quality_results")
        respondents = []
        pages = 0
        async for page in self._aftercare_client().quality_pages(job_id, first):
            for item in page.results.items if page.results else []:
                respondents.append(aftercare_mapping.respondent_quality(item, len(respondents) + 1))
            pages += 1
            await progress(
                pages, None, f"Fetched {pages} page(s) ({len(respondents)} respondents) from Aftercare"
            )
        report = QualityReport(job_id=job_id, survey=tracked.survey, respondents=respondents)
        blob = await anyio.to_thread.run_sync(result_codec.encode_quality, report)
        await anyio.to_thread.run_sync(lambda: self._store.cache_put(job_id, "quality", blob))
        return report


def _success(page: BatchCodingResponse) -> BatchCodingSuccess:
    from pydantic import ValidationError

    from .providers.transport import contract_error

    try:
        return BatchCodingSuccess.model_validate(page.results)
    except ValidationError as exc:
        raise contract_error("Aftercare", "coding results page", exc, None) from None


def _require_finished(job: Job, tool: str) -> None:
    """Results exist only for completed (or partially failed) jobs; say what to do otherwise."""
    if job.status in ("completed", "partially_failed"):
        return
    if job.status == "failed":
        err = f" ({job.error.code}: {job.error.message[:200]})" if job.error else ""
        raise NotReady(
            f"Job {job.job_id} failed{err}; it has no results. "
            f'Call get_job(job_id="{job.job_id}") for details.'
        )
    progress = ""
    if job.progress and job.progress.total:
        progress = f", {job.progress.processed}/{job.progress.total} processed ({job.progress.percentage}%)"
    raise NotReady(
        f"Job {job.job_id} is {job.status} ({job.provider_status}{progress}); results are available once it "
        f'completes. Call get_job(job_id="{job.job_id}") later, then {tool}.'
    )


def surveycoder_job(job: JobSummary) -> Job:
    """Map a SurveyCoder job (summary or full) to the domain ``Job``."""
    kind: JobKind = job.type if job.type in ("codebook_generation", "auto_coding", "one_call") else "one_call"
    if job.type != kind:
        raise UpstreamError(
            f"SurveyCoder returned an unknown job type {job.type[:40]!r}.", provider="surveycoder"
        )
    try:
        status = normalize_status("surveycoder", kind, job.status)
    except ValueError:
        raise UpstreamError(
            f"SurveyCoder returned an unknown job status {job.status[:40]!r}.", provider="surveycoder"
        ) from None
    error = getattr(job, "error", None)
    completed_at = job.updated_at if job.status == "completed" else None
    dated_at = completed_at or job.updated_at or job.created_at
    return Job(
        job_id=job.id,
        provider="surveycoder",
        kind=kind,
        provider_status=job.status,
        status=status,
        progress=Progress(job.progress.processed, job.progress.total, job.progress.percentage),
        created_at=job.created_at,
        updated_at=job.updated_at,
        completed_at=completed_at,
        dated_at=dated_at,
        dated_by="updated_at",
        error=JobError(code=error.code, message=error.message) if error else None,
    )


__all__ = ["CODING_KINDS", "LiveSource", "surveycoder_job"]
