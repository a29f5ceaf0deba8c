"""The one interface every provider implements, and the facts that describe a provider.

Everything provider-specific lives behind ``ProviderAdapter`` in ``server/providers/<name>/``: its
label, key name and environment variable, header, base URL setting, id format, status table and
the operations it supports. The job service and the CLI only ever go through the registry
(``registry.py``); no code outside a provider package branches on a provider's name.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from survey_jobs_mcp.tools.ids import IdFormat
from survey_jobs_mcp.tools.models import (
    Codebook,
    CodingResults,
    Job,
    NormalizedStatus,
    ProviderProfile,
    QualityReport,
)
from survey_jobs_mcp.tools.source import JobListing, KnownJob, ProgressFn

if TYPE_CHECKING:
    from ..store import Store
    from .transport import JsonGetter


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Static facts about one provider (what the CLI, settings, HTTP layer and messages need)."""

    name: str
    """The provider's key in the registry, the keyring user name and the ``provider`` value in tools."""
    label: str
    env_var: str
    """Environment variable that overrides the keyring for the API key."""
    key_header: str
    base_url_env: str
    default_base_url: str
    id_format: IdFormat
    known_prefixes: tuple[str, ...] = ()
    """Non-secret key prefixes that may be shown when a key is masked."""
    needs_tracking: bool = False
    """The provider has no list endpoint: its jobs are known only once tracked in the local store."""
    forbidden_hint: str = ""
    """Added to a 403 message: what a rejected-but-valid key may mean for this provider."""

    @property
    def profile(self) -> ProviderProfile:
        """What the views need to know about this provider (they never see its name as a literal)."""
        return ProviderProfile(name=self.name, label=self.label, lists_jobs=not self.needs_tracking)


ResultKind = Literal["coding", "quality"]
"""What a results reader reads: coding results or a data-quality report."""

Refresher = Callable[[str], Awaitable[Job]]
"""The service's shared (single-flight) status refresh of one job, handed to ``list_jobs``."""


class ResultRead(Protocol):
    """One finished job's results, read page by page by the server's shared reader.

    The reader (``server/readers.py``) owns the loop, the page store and the deadline; the
    adapter only knows how to fetch a page, where the next one is and how to absorb one. A
    ``ResultRead`` built by ``resume_read`` from ``meta`` needs no request to continue.
    """

    what: str
    """For messages: "coding results from Aftercare"."""
    meta: dict[str, Any]
    """JSON-able facts the status check found (survey, failure): enough to resume after a restart."""
    first: Any | None
    """The first page, already fetched by the status check (None: there are no pages to read)."""

    async def fetch(self, cursor: str) -> Any:
        """The raw page at ``cursor`` (``InvalidInput`` when the provider refuses the cursor)."""
        ...

    def next_cursor(self, page: Any) -> str | None:
        """Where the page after ``page`` is (None: it was the last); cheap, runs on the event loop."""
        ...

    def absorb(self, page: Any) -> int:
        """Validate and merge one raw page (in a worker thread); returns how many items it held."""
        ...

    def result(self) -> CodingResults | QualityReport:
        """Everything absorbed so far, as the domain result."""
        ...


class ProviderAdapter(Protocol):
    """One provider's operations, in domain terms. Unsupported operations raise ``WrongJobKind``."""

    info: ProviderInfo

    async def get_job(self, job_id: str) -> Job:
        """Resolve one job (``JobNotFound`` if the provider does not know it)."""
        ...

    async def known_job(self, job_id: str) -> Job | None:
        """What this server last knew of the job without asking the provider (None: nothing)."""
        ...

    async def list_jobs(
        self,
        status: NormalizedStatus | None,
        *,
        refresh: Refresher,
        budget_s: float,
        progress: ProgressFn | None = None,
    ) -> JobListing:
        """Every job this provider can show (``status`` is a hint for server-side filtering).

        Jobs that need a status request each get it through ``refresh`` (shared with every other
        caller), within ``budget_s`` seconds; the rest show their last known status. ``progress``
        hears how many of those refreshes are done, out of how many.
        """
        ...

    async def known_jobs(self) -> list[KnownJob]:
        """The jobs this provider can name cheaply (no per-job requests; may be a short-lived cache)."""
        ...

    async def codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        """The codebook a finished codebook-generation job produced."""
        ...

    async def open_read(self, job_id: str, kind: ResultKind) -> ResultRead:
        """Check the job (status request) and return its reader; ``NotReady``/``WrongJobKind``."""
        ...

    def resume_read(self, job_id: str, kind: ResultKind, meta: dict[str, Any]) -> ResultRead:
        """A reader from what ``open_read`` saved (no request)."""
        ...


class AdapterFactory(Protocol):
    def __call__(self, http: JsonGetter, *, store: Store, now: Callable[[], datetime]) -> ProviderAdapter: ...


@dataclass(frozen=True, slots=True)
class KeyProbe:
    """The cheapest safe request that tells whether a key works (``auth status --check``)."""

    path: str
    params: dict[str, str] | None
    ok_statuses: frozenset[int]


def id_pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex)
