"""The data interface ``tools/`` needs; ``server/`` implements it.

Keeping it a ``Protocol`` is what lets ``tools/`` stay free of HTTP, keyring and SQLite: the
summarisers and tool functions are tested with hand-built objects, the real source is tested
against the sandbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from .ids import JobIds
from .models import (
    Codebook,
    CodingResults,
    Job,
    JobKind,
    NormalizedStatus,
    Provider,
    ProviderProfile,
    QualityReport,
)

ResultKind = Literal["coding", "quality"]

ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
"""``await progress(done, total, message)``: forwarded to MCP progress notifications."""


async def no_progress(done: float, total: float | None, message: str) -> None:
    """Default progress sink when the caller sent no progress token."""


@dataclass(slots=True)
class ProviderFailure:
    """One provider could not be read; the others' jobs are still returned."""

    provider: Provider
    message: str


@dataclass(slots=True)
class JobListing:
    jobs: list[Job]
    providers: list[ProviderProfile]
    """Every provider the source knows, in display order (whether or not this listing asked it)."""
    failures: list[ProviderFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Facts the reader needs to judge completeness (e.g. SurveyCoder lists at most 100 jobs)."""


@dataclass(frozen=True, slots=True)
class KnownJob:
    """A job the server can name cheaply (completions, the jobs resource), with what it last knew.

    ``kind`` and ``status`` are None for a job that was tracked but never resolved upstream (for
    example ``survey-jobs-mcp track ID --no-check``): it may be of either kind.
    """

    job_id: str
    provider: Provider
    kind: JobKind | None
    status: NormalizedStatus | None
    dated_at: datetime | None
    """Newest first sorts by this (None last)."""

    @classmethod
    def of(cls, job: Job) -> KnownJob:
        return cls(job.job_id, job.provider, job.kind, job.status, job.dated_at)


@dataclass(frozen=True, slots=True)
class ReadingState:
    """A job's results are still being read when a call's wait ran out; the server keeps reading.

    ``eta_s`` is set only when the provider says how big the job is (Aftercare does not).
    """

    job_id: str
    provider: Provider
    provider_label: str
    """How the provider is named in text (``ProviderProfile.label``)."""
    kind: ResultKind
    what: str
    """e.g. "coding results from Aftercare"."""
    pages: int
    """Pages read so far (including ``resumed_pages``)."""
    items: int
    """Responses (coding) or respondents (data quality) read so far."""
    elapsed_s: float
    pages_per_s: float | None
    eta_s: float | None = None
    resumed_pages: int = 0
    """Pages that came from the local store (read before a restart), not from the provider."""
    restarted: bool = False
    """The provider refused the stored cursor, so reading started over from the first page."""


WaitMode = Literal["first_finished", "all_finished"]


@dataclass(slots=True)
class WaitOutcome:
    """Where the watched jobs stand when ``wait_for_jobs`` returns."""

    jobs: list[Job]
    """Latest known state of every watched job, in the order asked."""
    finished: list[str]
    """Ids of watched jobs in a final status (completed, partially_failed, failed)."""
    elapsed_s: float
    polls: int
    prefetching: list[str] = field(default_factory=list)
    """Finished jobs whose results the server started reading in the background."""
    notes: list[str] = field(default_factory=list)


class JobSource(Protocol):
    ids: JobIds
    """The id formats of every provider: tools validate ids with it before any request."""

    def upstream_waits(self) -> dict[str, float]:
        """Seconds spent so far waiting for each provider's answers, by provider label.

        A call that runs out of time compares it with its own duration to name the likely cause.
        """
        ...

    async def list_jobs(
        self, provider: Provider | None, status: NormalizedStatus | None, progress: ProgressFn | None = None
    ) -> JobListing:
        """Every job the source can see for ``provider`` (None = all), refreshed as needed.

        ``status`` (None = any) is a hint a provider may use to filter server-side; the caller
        still filters the result itself.
        """
        ...

    async def get_job(self, job_id: str) -> Job:
        """Resolve one job by id (provider detected from the id format)."""
        ...

    async def read_results(
        self, job_id: str, kind: ResultKind, progress: ProgressFn, wait_s: float
    ) -> CodingResults | QualityReport | ReadingState:
        """A finished job's full results, read by the server's shared reader for this job.

        Waits at most ``wait_s`` seconds; if the reader is not done by then, returns where it is
        (``ReadingState``) and keeps reading, so the next call continues from there.
        """
        ...

    def result_turn(self, job_id: str, kind: ResultKind) -> AbstractAsyncContextManager[None]:
        """Hold while building the index of results ``read_results`` just returned: concurrent cold
        reads then answer oldest first instead of all slowing down together."""
        ...

    async def get_coding_results(self, job_id: str, progress: ProgressFn) -> CodingResults:
        """Full coding results of a finished coding job, however long the read takes (no deadline)."""
        ...

    async def get_quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        """Full data-quality report of a finished Aftercare data-quality job (no deadline)."""
        ...

    async def wait_for_jobs(
        self, job_ids: list[str] | None, *, until: WaitMode, timeout_s: float, progress: ProgressFn
    ) -> WaitOutcome:
        """Watch jobs (None: every unfinished job known) until ``until`` or ``timeout_s``."""
        ...

    async def get_codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        """The codebook of a finished codebook-generation job (``get_coding_results`` on such a job
        raises ``CodebookOnly``, which is how a tool knows to ask for this instead)."""
        ...

    async def known_jobs(self) -> list[KnownJob]:
        """Jobs the server can name without a full refresh, newest first.

        Cheap enough to call on every keystroke of an argument completion: tracked jobs from the
        local store and a provider's recent-jobs list, reused for a short while. A provider that
        cannot be read contributes nothing (never an error).
        """
        ...
