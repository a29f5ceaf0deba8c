"""``wait_for_jobs``: watch jobs inside a call, with one shared, polite poller per job.

Why it looks like this: agents otherwise poll ``get_job`` in a loop. Here every watched job has one
poller in the server's task group, shared by every call watching it; it asks at most every
``poll_interval_s`` (default 2 s), each provider gets at most ``poll_rate_per_provider`` requests a
second (only the first check of the at most 20 ids a caller names is not held back), a 429
pauses that provider, and the request itself goes through the shared status refresh
(so a ``list_jobs`` or ``get_job`` refresh of the same job is the same request). A poller stops when
its job is final or nobody watches it any more.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from survey_jobs_mcp.tools.errors import InvalidInput, JobNotFound, SurveyJobsError, UpstreamError
from survey_jobs_mcp.tools.models import Job
from survey_jobs_mcp.tools.source import ProgressFn, WaitMode, WaitOutcome

from .providers.base import ProviderAdapter
from .settings import Settings
from .status_hub import FINAL, RateLimiter, StatusHub

MAX_BACKOFF_S = 30.0
RATE_LIMIT_PAUSE_S = 10.0
MAX_WATCHED = 100


@dataclass(eq=False)
class _Poller:
    job: Job
    watchers: int = 0
    error: str | None = None
    left: anyio.Event = field(default_factory=anyio.Event)


class Waiter:
    def __init__(
        self,
        adapters: Mapping[str, ProviderAdapter],
        hub: StatusHub,
        *,
        settings: Settings,
        prefetch: Callable[[Job], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._adapters = adapters
        self._hub = hub
        self._settings = settings
        self._prefetch = prefetch
        self._clock = clock
        self._limiters = {name: RateLimiter(settings.poll_rate_per_provider) for name in adapters}
        self._pollers: dict[str, _Poller] = {}
        self._tg: TaskGroup | None = None
        self._updated = anyio.Event()
        self.polls = 0
        """Polls done by every poller (for tests and benchmarks)."""

    def start(self, tg: TaskGroup) -> None:
        self._tg = tg

    # ---------------------------------------------------------------- the call
    async def wait(
        self, job_ids: list[str] | None, *, until: WaitMode, timeout_s: float, progress: ProgressFn
    ) -> WaitOutcome:
        start = self._clock()
        notes: list[str] = []
        if job_ids is None:
            jobs = await self._unfinished(
                notes, budget_s=min(self._settings.list_refresh_budget_s, timeout_s / 2)
            )
        else:
            jobs = await self._initial(job_ids, notes)
        latest = {job.job_id: job for job in jobs}
        order = list(latest)

        def finished() -> list[str]:
            return [i for i in order if latest[i].status in FINAL]

        def satisfied() -> bool:
            done = len(finished())
            return done > 0 if until == "first_finished" else done == len(order)

        polls = 0
        if order and not satisfied():
            with self._watch([job for job in jobs if job.status not in FINAL]) as pollers:
                await progress(len(finished()), len(order), self._message(latest, order, start))
                while not satisfied():
                    remaining = start + timeout_s - self._clock()
                    if remaining <= 0:
                        break
                    updated = self._updated
                    with anyio.move_on_after(remaining):
                        await updated.wait()
                    for poller in pollers:
                        latest[poller.job.job_id] = poller.job
                    polls += 1
                    await progress(len(finished()), len(order), self._message(latest, order, start))
                notes.extend(f"{p.job.job_id}: {p.error}" for p in pollers if p.error)
        done = finished()
        prefetching = [i for i in done if self._prefetch(latest[i])]
        return WaitOutcome(
            jobs=[latest[i] for i in order],
            finished=done,
            elapsed_s=self._clock() - start,
            polls=polls,
            prefetching=prefetching,
            notes=notes,
        )

    def _message(self, latest: dict[str, Job], order: list[str], start: float) -> str:
        done = sum(1 for i in order if latest[i].status in FINAL)
        running = [latest[i] for i in order if latest[i].status not in FINAL][:3]
        parts = [f"{job.job_id[:12]}… {job.status}" for job in running]
        tail = f"; {', '.join(parts)}" if parts else ""
        return f"{done} of {len(order)} job(s) finished after {self._clock() - start:.0f} s{tail}"

    async def _initial(self, job_ids: list[str], notes: list[str]) -> list[Job]:
        """Validate the ids and check each once (unknown ids fail here, before any waiting)."""
        bad = [j for j in job_ids if not any(f.pattern.fullmatch(j) for f in self._hub.ids.formats)]
        if bad:
            shown = ", ".join(repr(j[:60]) for j in bad[:5])
            raise InvalidInput(
                f"Not valid job id(s): {shown}; {self._hub.ids.described}. Call list_jobs to see job ids."
            )
        keys = list(dict.fromkeys(self._hub.ids.canonical(j) for j in job_ids))
        found: dict[str, Job] = {}
        failed: dict[str, SurveyJobsError] = {}

        async def check(key: str) -> None:
            try:
                found[key] = await self._hub.refresh(key, max_age=self._settings.poll_interval_s / 2)
            except SurveyJobsError as exc:
                failed[key] = exc

        async with anyio.create_task_group() as tg:
            for key in keys:
                tg.start_soon(check, key)
        unknown = [k for k, exc in failed.items() if isinstance(exc, JobNotFound)]
        if unknown:
            raise JobNotFound(
                f"Unknown job id(s): {', '.join(unknown[:5])}. {failed[unknown[0]]} Nothing was waited for; "
                "call again without those ids."
            )
        if failed and not found:
            raise next(iter(failed.values()))
        notes.extend(f"{k} could not be checked and is not watched: {exc}" for k, exc in failed.items())
        return [found[k] for k in keys if k in found]

    async def _unfinished(self, notes: list[str], *, budget_s: float) -> list[Job]:
        """Every unfinished job known: tracked ones as last seen, listed ones as listed now."""
        jobs: list[Job] = []

        async def collect(adapter: ProviderAdapter) -> None:
            async def known_or_checked(job_id: str) -> Job:
                """A tracked job as last seen (its poller refreshes it), or checked now if never seen."""
                limiter = self._limiters[adapter.info.name]
                return await adapter.known_job(job_id) or await self._hub.refresh(job_id, limiter=limiter)

            part = await adapter.list_jobs(None, refresh=known_or_checked, budget_s=budget_s)
            for job in part.jobs:
                if not adapter.info.needs_tracking:
                    self._hub.observe(job)
            jobs.extend(j for j in part.jobs if j.status not in FINAL)
            notes.extend(f"{f.provider} could not be listed: {f.message}" for f in part.failures)

        async with anyio.create_task_group() as tg:
            for adapter in self._adapters.values():
                tg.start_soon(collect, adapter)
        if len(jobs) > MAX_WATCHED:
            notes.append(f"{len(jobs)} unfinished jobs are known; watching the first {MAX_WATCHED}.")
            jobs = jobs[:MAX_WATCHED]
        return jobs

    # ---------------------------------------------------------------- pollers
    @contextmanager
    def _watch(self, jobs: list[Job]) -> Iterator[list[_Poller]]:
        pollers = []
        for job in jobs:
            poller = self._pollers.get(job.job_id)
            if poller is None:
                poller = self._pollers[job.job_id] = _Poller(job)
                assert self._tg is not None, "Waiter.start() was not called (the server's lifespan does)"
                self._tg.start_soon(self._poll, poller)
            elif poller.watchers == 0:
                poller.left = anyio.Event()  # watched again before its task noticed it was left
            poller.watchers += 1
            pollers.append(poller)
        try:
            yield pollers
        finally:
            for poller in pollers:
                poller.watchers -= 1
                if poller.watchers == 0:
                    poller.left.set()

    async def _poll(self, poller: _Poller) -> None:
        interval = self._settings.poll_interval_s
        limiter = self._limiters[poller.job.provider]
        delay = interval
        try:
            while poller.watchers > 0 and poller.job.status not in FINAL:
                with anyio.move_on_after(delay):
                    await poller.left.wait()
                if poller.watchers == 0:
                    break
                try:
                    poller.job = await self._hub.refresh(
                        poller.job.job_id, max_age=interval / 2, limiter=limiter
                    )
                    poller.error, delay = None, interval
                except SurveyJobsError as exc:
                    poller.error, delay = str(exc)[:300], min(delay * 2, MAX_BACKOFF_S)
                    if isinstance(exc, UpstreamError) and exc.status == 429:
                        limiter.pause(RATE_LIMIT_PAUSE_S)
                self.polls += 1
                self._updated.set()
                self._updated = anyio.Event()
        finally:
            if self._pollers.get(poller.job.job_id) is poller:
                del self._pollers[poller.job.job_id]
