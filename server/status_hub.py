"""One status refresh per job at a time, shared by every caller, and who saw a job finish.

Why: ``get_job``, ``list_jobs`` and the ``wait_for_jobs`` pollers all refresh job statuses; when
they ask about the same job at the same moment that must be one upstream request (single-flight),
and a poll right after a listing may reuse its answer (``max_age``). The request runs in the
server's task group, so a caller that gives up (deadline, time budget) never cancels it for the
others. The hub also remembers each job's last normalized status, so a job seen going from
unfinished to finished can be prefetched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from survey_jobs_mcp.tools.errors import SurveyJobsError, UpstreamError
from survey_jobs_mcp.tools.ids import JobIds
from survey_jobs_mcp.tools.models import Job

from .providers.base import ProviderAdapter

logger = logging.getLogger("survey_jobs_mcp.status")

FINAL = frozenset({"completed", "partially_failed", "failed"})


class RateLimiter:
    """At most ``rate`` starts per second (evenly spaced); ``pause`` holds everyone back (429)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._clock = clock

    async def acquire(self) -> None:
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await anyio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self._clock() + seconds)


@dataclass(eq=False)
class _Flight:
    done: anyio.Event = field(default_factory=anyio.Event)
    job: Job | None = None
    error: BaseException | None = None


class StatusHub:
    def __init__(
        self,
        adapters: Mapping[str, ProviderAdapter],
        ids: JobIds,
        *,
        on_finished: Callable[[Job], object] = lambda job: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._adapters = adapters
        self.ids = ids
        self._on_finished = on_finished
        self._clock = clock
        self._tg: TaskGroup | None = None
        self._flights: dict[str, _Flight] = {}
        self._latest: dict[str, tuple[Job, float]] = {}
        self.requests = 0
        """Status requests started (for tests and benchmarks)."""

    def start(self, tg: TaskGroup) -> None:
        self._tg = tg

    def latest(self, job_id: str) -> tuple[Job, float] | None:
        """The last status seen and when (monotonic), or None."""
        return self._latest.get(self.ids.canonical(job_id))

    async def refresh(self, job_id: str, *, max_age: float = 0.0, limiter: RateLimiter | None = None) -> Job:
        """The job's current status: one upstream request however many callers ask at once.

        ``max_age``: a status seen that recently is good enough (no request). ``limiter`` spaces
        the requests this caller starts (the pollers' per-provider rate).
        """
        key = self.ids.canonical(job_id)
        seen = self._latest.get(key)
        if seen is not None and self._clock() - seen[1] <= max_age:
            return seen[0]
        flight = self._flights.get(key)
        if flight is None:
            if limiter is not None:
                await limiter.acquire()
            flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = _Flight()
            if self._tg is not None:
                self._tg.start_soon(self._fly, key, flight)
            else:
                await self._fly(key, flight)
        await flight.done.wait()
        if flight.error is not None:
            raise flight.error
        assert flight.job is not None
        return flight.job

    async def _fly(self, key: str, flight: _Flight) -> None:
        adapter = self._adapters[self.ids.detect(key)]
        try:
            previous = None if key in self._latest else await adapter.known_job(key)
            self.requests += 1
            job = await adapter.get_job(key)
            self.observe(job, previous)
            flight.job = job

        except SurveyJobsError as exc:
            flight.error = exc
        except Exception as exc:
            logger.exception("status refresh of %s failed", key)
            flight.error = UpstreamError(
                f"Checking job {key} failed unexpectedly ({type(exc).__name__}).", provider=adapter.info.name
            )
        except BaseException:
            flight.error = UpstreamError("The server stopped while checking the job.", provider="upstream")
            raise
        finally:
            self._flights.pop(key, None)
            flight.done.set()

    def observe(self, job: Job, previous: Job | None = None) -> None:
        """Remember a status seen anywhere (a listing too); report a job seen finishing."""
        key = self.ids.canonical(job.job_id)
        before = self._latest.get(key)
        prior = before[0] if before is not None else previous
        self._latest[key] = (job, self._clock())
        if prior is not None and prior.status not in FINAL and job.status in FINAL:
            try:
                self._on_finished(job)
            except Exception:  # prefetch is an optimisation; it must never break a status answer
                logger.warning("could not start prefetching %s", key, exc_info=True)
