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
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

import anyio
from pydantic import ValidationError

from survey_jobs_mcp.tools.errors import (
    CredentialsError,
    JobNotFound,
    NotReady,
    SurveyJobsError,
    UpstreamError,
    WrongJobKind,
)
from survey_jobs_mcp.tools.ids import detect_provider, normalize_job_id
from survey_jobs_mcp.tools.jobs_view import normalize_status
from survey_jobs_mcp.tools.models import (
    CodingResults,
    Job,
    JobError,
    JobKind,
    NormalizedStatus,
    Progress,
    Provider,
    QualityReport,
    RespondentQuality,
)
from survey_jobs_mcp.tools.source import JobListing, ProgressFn, ProviderFailure

from . import result_codec
from .providers import aftercare_mapping, surveycoder_mapping
from .providers.aftercare import AftercareClient
from .providers.aftercare_wire import (
    BATCH_CODING_SUCCESS,
    BatchCodingCompletion,
    BatchCodingErrorDetails,
    BatchCodingResponse,
    DataQualityBatchResponse,
)
from .providers.surveycoder import LIST_LIMIT, SurveyCoderClient
from .providers.surveycoder_wire import JobSummary
from .providers.transport import contract_error
from .store import Store, TrackedJob

T = TypeVar("T")
P = TypeVar("P")

logger = logging.getLogger("survey_jobs_mcp.source")

REFRESH_CONCURRENCY = 32
_SURVEYCODER_STATUS_FILTER = {
    "queued": "queued",
    "running": "processing",
    "completed": "completed",
    "failed": "failed",
}
AFTERCARE_TERMINAL = frozenset({"completed", "partial_failure", "total_failure", "failed"})


class LiveSource:
    def __init__(
        self,
        *,
        aftercare: AftercareClient,
        surveycoder: SurveyCoderClient,
        store: Store,
        now: Callable[[], datetime],
        refresh_concurrency: int = REFRESH_CONCURRENCY,
    ) -> None:
        self._aftercare = aftercare
        self._surveycoder = surveycoder
        self._store = store
        self._now = now
        self._refresh_limit = anyio.CapacityLimiter(refresh_concurrency)
        # One writer thread: cache writes are serialised and never delay an answer.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-cache")
        self._pending_writes: dict[str, Callable[[], None]] = {}

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
                completed_at = _completion_time(results)
            elif page.status in ("partial_failure", "total_failure") and "code" in results:
                details = BatchCodingErrorDetails.model_validate(results)
                error = JobError(code=details.code, message=details.message)
            elif "completedAt" in results:  # a partial failure that does carry results
                completed_at = _completion_time(results)
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
        client = self._aftercare
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
            job = await self._surveycoder.job(job_id)
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

    async def list_jobs(self, provider: Provider | None, status: NormalizedStatus | None) -> JobListing:
        listing = JobListing(jobs=[])
        # SurveyCoder can filter server-side, which matters because it lists at most 100 jobs.
        upstream_status = _SURVEYCODER_STATUS_FILTER.get(status) if status else None

        async def surveycoder() -> None:
            try:
                jobs = await self._surveycoder.list_jobs(status=upstream_status, limit=LIST_LIMIT)
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
        cached = await self._cached(job_id, result_codec.decode_coding)
        if cached is not None:
            return cached
        known = await anyio.to_thread.run_sync(self._store.get, job_id)
        tracked, first = await self._refresh_aftercare(job_id, known.kind if known else None)
        if tracked.kind == "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare data-quality job; call get_quality_results(job_id="{job_id}").'
            )
        assert isinstance(first, BatchCodingResponse)
        _require_finished(self._aftercare_job(tracked), "get_coding_results")
        results = await self._page_coding(job_id, first, tracked, progress)
        self._cache_later(job_id, "coding", result_codec.encode_coding, results)
        return results

    async def _page_coding(
        self, job_id: str, first: BatchCodingResponse, tracked: TrackedJob, progress: ProgressFn
    ) -> CodingResults:
        merger = aftercare_mapping.CodingMerger()
        failure = tracked.error if tracked.last_status == "partial_failure" else None
        completed_at: list[datetime] = []
        if not (isinstance(first.results, dict) and "questionCodes" in first.results):
            # Per the published spec a partial failure carries only error details: nothing to show.
            return aftercare_mapping.coding_results(
                job_id=job_id,
                survey=first.surveyIdentifier,
                completed_at=None,
                merger=merger,
                failure=failure,
            )

        def absorb(raw: object) -> None:
            try:
                page = BATCH_CODING_SUCCESS.validate_python(raw)
            except ValidationError as exc:
                raise contract_error("Aftercare", "coding results page", exc, None) from None
            if not completed_at:
                completed_at.append(page["completedAt"])
            merger.add_page(page["questionCodes"])

        pages = self._aftercare.coding_result_pages(job_id, first)
        await consume_pipelined(pages, absorb, progress, "coding results from Aftercare")
        return aftercare_mapping.coding_results(
            job_id=job_id,
            survey=first.surveyIdentifier,
            completed_at=completed_at[0] if completed_at else None,
            merger=merger,
            failure=failure,
        )

    async def _surveycoder_coding(self, job_id: str) -> CodingResults:
        # SurveyCoder jobs expire 24 h after creation: the local copy keeps finished results
        # readable after that, and drill-downs after a restart need no request at all.
        cached = await self._cached(job_id, result_codec.decode_coding)
        if cached is not None:
            return cached
        client = self._surveycoder
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
        results = surveycoder_mapping.coding_results(
            job_id=job_id, kind=job.kind, completed_at=job.updated_at, result=result
        )
        self._cache_later(job_id, "coding", result_codec.encode_coding, results)
        return results

    async def get_quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        provider = detect_provider(job_id)
        if provider == "surveycoder":
            raise WrongJobKind(
                f"Job {job_id} is a SurveyCoder coding job; data-quality results exist only for Aftercare "
                f'data-quality jobs. Call get_coding_results(job_id="{job_id}").'
            )
        job_id = normalize_job_id(job_id)
        cached = await self._cached(job_id, result_codec.decode_quality)
        if cached is not None:
            return cached
        known = await anyio.to_thread.run_sync(self._store.get, job_id)
        tracked, first = await self._refresh_aftercare(job_id, known.kind if known else None)
        if tracked.kind != "data_quality":
            raise WrongJobKind(
                f'Job {job_id} is an Aftercare coding job; call get_coding_results(job_id="{job_id}").'
            )
        assert isinstance(first, DataQualityBatchResponse)
        _require_finished(self._aftercare_job(tracked), "get_quality_results")
        respondents: list[RespondentQuality] = []

        def absorb(page: DataQualityBatchResponse) -> None:
            for item in page.results.items if page.results else []:
                respondents.append(aftercare_mapping.respondent_quality(item, len(respondents) + 1))

        pages = self._aftercare.quality_pages(job_id, first)
        await consume_pipelined(pages, absorb, progress, "data-quality results from Aftercare")
        report = QualityReport(job_id=job_id, survey=tracked.survey, respondents=respondents)
        self._cache_later(job_id, "quality", result_codec.encode_quality, report)
        return report

    # ---------------------------------------------------------------- result cache
    async def _cached(self, job_id: str, decode: Callable[[bytes], T | None]) -> T | None:
        """Finished results from the local store (None if absent, unreadable or of an old format)."""
        blob = await anyio.to_thread.run_sync(self._store.cache_get, job_id)
        return None if blob is None else await anyio.to_thread.run_sync(decode, blob)

    def _cache_later(self, job_id: str, kind: str, encode: Callable[[T], bytes], value: T) -> None:
        """Queue finished results for the store; written once the answer is out (``results_served``).

        Encoding 100,000 responses is CPU work that would otherwise compete (for the GIL) with
        building the summary the assistant is waiting for.
        """

        def write() -> None:
            try:
                self._store.cache_put(job_id, kind, encode(value))
            except Exception:  # a cache write must never break anything; the next call refetches
                logger.warning("could not cache results of %s", job_id, exc_info=True)

        self._pending_writes[job_id] = write

    def results_served(self, job_id: str) -> None:
        """The caller has answered from these results: persist them now, in the background."""
        write = self._pending_writes.pop(normalize_job_id(job_id), None)
        if write is not None:
            self._writer.submit(write)

    def close(self) -> None:
        """Write whatever is still queued and wait for it (called when the server shuts down)."""
        for job_id in list(self._pending_writes):
            self.results_served(job_id)
        self._writer.shutdown(wait=True)


async def consume_pipelined(
    pages: AsyncIterator[P], absorb: Callable[[P], None], progress: ProgressFn, what: str
) -> int:
    """Fetch page n+1 while a worker thread absorbs page n; report progress per page.

    Validating and merging a page is CPU work; doing it in a thread lets the event loop keep the
    next request in flight, so a 100-page job costs about the fetch time, not fetch + parse.
    Errors from either side surface as the product error they are (not an exception group).
    """
    send, receive = anyio.create_memory_object_stream[P](max_buffer_size=1)
    done = 0

    async def produce() -> None:
        async with send:
            async for page in pages:
                await send.send(page)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            async with receive:
                async for page in receive:
                    await anyio.to_thread.run_sync(absorb, page)
                    done += 1
                    await progress(done, None, f"Read {done} page(s) of {what}")
    except BaseExceptionGroup as group:
        raise _first_product_error(group) from None
    return done


def _first_product_error(group: BaseExceptionGroup) -> BaseException:
    matched = group.subgroup(lambda exc: isinstance(exc, SurveyJobsError))
    if matched is None:
        return group
    first: BaseException = matched
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first


def _completion_time(results: dict) -> datetime | None:
    try:
        return BatchCodingCompletion.model_validate(results).completedAt
    except ValidationError:
        return None  # the full page validation reports the broken contract with its location


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


__all__ = ["LiveSource", "consume_pipelined", "surveycoder_job"]
