"""The one interface every provider implements, and the facts that describe a provider.

Everything provider-specific lives behind ``ProviderAdapter`` in ``server/providers/<name>/``: its
label, key name and environment variable, header, base URL setting, id format, status table and
the operations it supports. The job service and the CLI only ever go through the registry
(``registry.py``); no code outside a provider package branches on a provider's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

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


class ProviderAdapter(Protocol):
    """One provider's operations, in domain terms. Unsupported operations raise ``WrongJobKind``."""

    info: ProviderInfo

    async def get_job(self, job_id: str) -> Job:
        """Resolve one job (``JobNotFound`` if the provider does not know it)."""
        ...

    async def list_jobs(self, status: NormalizedStatus | None) -> JobListing:
        """Every job this provider can show (``status`` is a hint for server-side filtering)."""
        ...

    async def known_jobs(self) -> list[KnownJob]:
        """The jobs this provider can name cheaply (no per-job requests; may be a short-lived cache)."""
        ...

    async def coding_results(self, job_id: str, progress: ProgressFn) -> CodingResults:
        """Full coding results of a finished coding job."""
        ...

    async def quality_report(self, job_id: str, progress: ProgressFn) -> QualityReport:
        """Full data-quality report of a finished data-quality job."""
        ...

    async def codebook(self, job_id: str, progress: ProgressFn) -> Codebook:
        """The codebook a finished codebook-generation job produced."""
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
