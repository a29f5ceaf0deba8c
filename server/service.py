"""``JobService``: the ``tools.source.JobSource`` the tools read, over every registered provider.

It owns only what is common to all providers: dispatch of a job id to its provider's adapter
(through the registry), the local store's result cache, deferred cache writes, and showing every
job it sees to the ``StatusWatch`` (resource subscribers hear about status changes). Everything a
provider does differently lives in its adapter under ``server/providers/<name>/``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from typing import TypeVar

import anyio

from survey_jobs_mcp.tools.errors import SurveyJobsError, UpstreamError
from survey_jobs_mcp.tools.ids import JobIds
from survey_jobs_mcp.tools.models import (
    Codebook,
    CodingResults,
    Job,
    NormalizedStatus,
    Provider,
    QualityReport,
)
from survey_jobs_mcp.tools.source import JobListing, KnownJob, ProgressFn

from . import result_codec
from .providers.base import ProviderAdapter
from .providers.registry import JOB_IDS, PROVIDER_INFO
from .status_watch import StatusListener, StatusWatch
from .store import Store

T = TypeVar("T")

logger = logging.getLogger("survey_jobs_mcp.service")

KNOWN_JOBS_DEADLINE_S = 5.0
"""``known_jobs`` feeds argument completion, which a person waits for while typing."""


class JobService:
    def __init__(
        self,
        adapters: Mapping[str, ProviderAdapter],
        *,
        store: Store,
        ids: JobIds = JOB_IDS,
        on_status_change: StatusListener | None = None,
    ) -> None:
        self._adapters = dict(adapters)
        self._store = store
        self.ids = ids
        self._watch = StatusWatch(on_status_change)
        # One writer thread: cache writes are serialised and never delay an answer.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-cache")
        self._pending_writes: dict[str, Callable[[], None]] = {}

    def _route(self, job_id: str) -> tuple[ProviderAdapter, str]:
        """The adapter that owns ``job_id`` and the id's key form (``InvalidInput`` if malformed)."""
        provider = self.ids.detect(job_id)
        return self._adapters[provider], self.ids.canonical(job_id)

    # ---------------------------------------------------------------- JobSource
    async def get_job(self, job_id: str) -> Job:
        adapter, job_id = self._route(job_id)
        job = await adapter.get_job(job_id)
        await self._seen([job])
        return job

    async def list_jobs(self, provider: Provider | None, status: NormalizedStatus | None) -> JobListing:
        listing = JobListing(jobs=[], providers=[a.info.profile for a in self._adapters.values()])

        async def collect(adapter: ProviderAdapter) -> None:
            part = await adapter.list_jobs(status)
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

    async def _seen(self, jobs: list[Job]) -> None:
        await self._watch.seen((self.ids.canonical(j.job_id), j.status) for j in jobs if j.status is not None)

    async def get_coding_results(self, job_id: str, progress: ProgressFn) -> CodingResults:
        adapter, job_id = self._route(job_id)
        cached = await self._cached(job_id, result_codec.decode_coding)
        if cached is not None:
            return cached
        results = await adapter.coding_results(job_id, progress)
        self._cache_later(job_id, "coding", result_codec.encode_coding, results)
        return results

    async def get_quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        adapter, job_id = self._route(job_id)
        cached = await self._cached(job_id, result_codec.decode_quality)
        if cached is not None:
            return cached
        report = await adapter.quality_report(job_id, progress)
        self._cache_later(job_id, "quality", result_codec.encode_quality, report)
        return report

    async def get_codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        # Not cached in the store: a codebook is one small body, read once per server (the tools
        # keep it in their in-memory index cache).
        adapter, job_id = self._route(job_id)
        return await adapter.codebook(job_id, progress)

    # ---------------------------------------------------------------- result cache
    async def _cached(self, job_id: str, decode: Callable[[bytes], T | None]) -> T | None:
        """Finished results from the local store (None if absent, unreadable or of an old format;
        an unreadable row is deleted, so the refetch replaces it)."""
        return await self._store.acache_get_decoded(job_id, decode)

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
        write = self._pending_writes.pop(self.ids.canonical(job_id), None)
        if write is not None:
            self._writer.submit(write)

    def close(self) -> None:
        """Write whatever is still queued and wait for it (called when the server shuts down)."""
        for job_id in list(self._pending_writes):
            self.results_served(job_id)
        self._writer.shutdown(wait=True)


def _newest_first(job: KnownJob) -> tuple[bool, float, str]:
    """The order list_jobs shows: newest first, undated last, ties by id."""
    if job.dated_at is None:
        return (True, 0.0, job.job_id)
    moment = job.dated_at if job.dated_at.tzinfo else job.dated_at.replace(tzinfo=UTC)
    return (False, -moment.timestamp(), job.job_id)


__all__ = ["JobService"]
