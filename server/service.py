"""``JobService``: the ``tools.source.JobSource`` the tools read, over every registered provider.

It owns only what is common to all providers: dispatch of a job id to its provider's adapter
(through the registry), the shared status refresh (``StatusHub``), the shared results readers
(``ReaderPool``) with their store, prefetch of jobs seen finishing, waiting for jobs
(``waiting.py``), and showing every job it sees to the ``StatusWatch`` (resource subscribers hear
about status changes). Everything a provider does differently lives in its adapter under
``server/providers/<name>/``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC

import anyio
from anyio.abc import TaskGroup

from survey_jobs_mcp.tools.errors import SurveyJobsError, UpstreamError
from survey_jobs_mcp.tools.ids import JobIds
from survey_jobs_mcp.tools.models import (
    CODING_KINDS,
    QUALITY_KINDS,
    Codebook,
    CodingResults,
    Job,
    NormalizedStatus,
    Provider,
    QualityReport,
)
from survey_jobs_mcp.tools.source import (
    JobListing,
    KnownJob,
    ProgressFn,
    ReadingState,
    ResultKind,
    WaitMode,
    WaitOutcome,
)

from .providers.base import ProviderAdapter
from .providers.registry import JOB_IDS, PROVIDER_INFO
from .readers import ReaderPool
from .result_store import ResultStore
from .settings import Settings
from .status_hub import StatusHub
from .status_watch import StatusListener, StatusWatch
from .store import Store
from .upstream_waits import UPSTREAM_WAITS
from .waiting import Waiter

logger = logging.getLogger("survey_jobs_mcp.service")

KNOWN_JOBS_DEADLINE_S = 5.0
"""``known_jobs`` feeds argument completion, which a person waits for while typing."""


def result_kind(job: Job) -> ResultKind | None:
    """Which results a finished job has to read (None: none, e.g. a failed or codebook job)."""
    if job.status not in ("completed", "partially_failed") or job.has_results is False:
        return None
    if job.kind in QUALITY_KINDS:
        return "quality"
    if job.kind in CODING_KINDS:
        return "coding"
    return None


class JobService:
    def __init__(
        self,
        adapters: Mapping[str, ProviderAdapter],
        *,
        store: Store,
        settings: Settings | None = None,
        ids: JobIds = JOB_IDS,
        on_status_change: StatusListener | None = None,
    ) -> None:
        settings = settings or Settings()
        self._adapters = dict(adapters)
        self._settings = settings
        self.ids = ids
        self._watch = StatusWatch(on_status_change)
        self.results = ResultStore(store, compact_delay_s=settings.compact_delay_s)
        self.readers = ReaderPool(self._adapters, self.results, prefetch=settings.prefetch)
        self.hub = StatusHub(self._adapters, ids, on_finished=self._prefetch)
        self.waiter = Waiter(self._adapters, self.hub, settings=settings, prefetch=self._prefetch)

    def start(self, tg: TaskGroup) -> None:
        """Hand the server's task group to the background work (readers, status requests, pollers)."""
        self.readers.start(tg)
        self.hub.start(tg)
        self.waiter.start(tg)

    def _route(self, job_id: str) -> tuple[ProviderAdapter, str]:
        """The adapter that owns ``job_id`` and the id's key form (``InvalidInput`` if malformed)."""
        provider = self.ids.detect(job_id)
        return self._adapters[provider], self.ids.canonical(job_id)

    def _prefetch(self, job: Job) -> bool:
        """Start reading a finished job's results in the background (bounded, lowest priority)."""
        kind = result_kind(job)
        if kind is None:
            return False
        return self.readers.prefetch(self.ids.canonical(job.job_id), kind, job.provider)

    async def _seen(self, jobs: list[Job]) -> None:
        await self._watch.seen((self.ids.canonical(j.job_id), j.status) for j in jobs if j.status is not None)

    def upstream_waits(self) -> dict[str, float]:
        """Seconds this process has spent waiting for each provider (see ``upstream_waits.py``)."""
        return UPSTREAM_WAITS.totals()

    # ---------------------------------------------------------------- JobSource
    async def get_job(self, job_id: str) -> Job:
        self._route(job_id)
        job = await self.hub.refresh(job_id)
        await self._seen([job])
        return job

    async def list_jobs(
        self, provider: Provider | None, status: NormalizedStatus | None, progress: ProgressFn | None = None
    ) -> JobListing:
        listing = JobListing(jobs=[], providers=[a.info.profile for a in self._adapters.values()])
        budget = self._settings.list_refresh_budget_s

        async def collect(adapter: ProviderAdapter) -> None:
            part = await adapter.list_jobs(
                status, refresh=self.hub.refresh, budget_s=budget, progress=progress
            )
            if not adapter.info.needs_tracking:  # a listed job is fresh (tracked ones went through the hub)
                for job in part.jobs:
                    self.hub.observe(job)
            listing.jobs.extend(part.jobs)
            listing.failures.extend(part.failures)
            listing.notes.extend(part.notes)

        asked = [adapter for name, adapter in self._adapters.items() if provider in (None, name)]
        async with anyio.create_task_group() as tg:
            for adapter in asked:
                tg.start_soon(collect, adapter)
        await self._seen(listing.jobs)
        failed = {failure.provider for failure in listing.failures}
        if asked and failed >= {adapter.info.name for adapter in asked}:
            # Nothing could be read: an empty listing would read as "there are no jobs".
            reasons = " ".join(f"{PROVIDER_INFO[f.provider].label}: {f.message}" for f in listing.failures)
            raise UpstreamError(f"No jobs could be listed: every provider failed. {reasons}", provider="all")
        return listing

    async def known_jobs(self) -> list[KnownJob]:
        known: list[KnownJob] = []

        async def collect(name: str, adapter: ProviderAdapter) -> None:
            # A slow or failing provider contributes nothing; completions go on with the others.
            with anyio.move_on_after(KNOWN_JOBS_DEADLINE_S):
                try:
                    known.extend(await adapter.known_jobs())
                except SurveyJobsError as exc:
                    logger.info("known jobs of %s unavailable: %s", name, exc)

        async with anyio.create_task_group() as tg:
            for name, adapter in self._adapters.items():
                tg.start_soon(collect, name, adapter)
        # Not shown to the status watch: these may be a provider's short-lived cache or the
        # store's last record, and an older status would read as a change back.
        unique = {self.ids.canonical(k.job_id): k for k in known}
        return sorted(unique.values(), key=_newest_first)

    async def read_results(
        self, job_id: str, kind: ResultKind, progress: ProgressFn, wait_s: float
    ) -> CodingResults | QualityReport | ReadingState:
        adapter, key = self._route(job_id)
        reader = self.readers.reader(key, kind, adapter.info.name)
        return await self.readers.wait(reader, wait_s=wait_s, progress=progress)

    def result_turn(self, job_id: str, kind: ResultKind) -> AbstractAsyncContextManager[None]:
        _, key = self._route(job_id)
        return self.readers.result_turn(key, kind)

    async def get_coding_results(self, job_id: str, progress: ProgressFn) -> CodingResults:
        return await self.read_results(job_id, "coding", progress, math.inf)  # type: ignore[return-value]

    async def get_quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        return await self.read_results(job_id, "quality", progress, math.inf)  # type: ignore[return-value]

    async def get_codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        """The codebook, from the store's result cache when it is there: SurveyCoder forgets a job
        24 h after it finishes, and a codebook must stay readable like any other result."""
        adapter, job_id = self._route(job_id)
        cached = await self.results.cached(job_id, "codebook")
        if cached is not None:
            return cached
        codebook = await adapter.codebook(job_id, progress)
        self.results.put_now(job_id, "codebook", codebook)
        return codebook

    async def wait_for_jobs(
        self, job_ids: list[str] | None, *, until: WaitMode, timeout_s: float, progress: ProgressFn
    ) -> WaitOutcome:
        return await self.waiter.wait(job_ids, until=until, timeout_s=timeout_s, progress=progress)

    def close(self) -> None:
        """Write whatever is still queued and wait for it (called when the server shuts down)."""
        self.results.close()


def _newest_first(job: KnownJob) -> tuple[bool, float, str]:
    """The order list_jobs shows: newest first, undated last, ties by id."""
    if job.dated_at is None:
        return (True, 0.0, job.job_id)
    moment = job.dated_at if job.dated_at.tzinfo else job.dated_at.replace(tzinfo=UTC)
    return (False, -moment.timestamp(), job.job_id)


__all__ = ["JobService", "result_kind"]
