"""The registered providers. Adding a provider is one package under ``server/providers/`` and one
line here (plus its emulation in the sandbox)."""

from __future__ import annotations

from types import ModuleType

from survey_jobs_mcp.tools.errors import InvalidInput
from survey_jobs_mcp.tools.ids import JobIds

from . import aftercare, surveycoder
from .base import ProviderInfo

PROVIDER_PACKAGES: tuple[ModuleType, ...] = (aftercare, surveycoder)
"""Each exposes ``INFO`` (ProviderInfo), ``KEY_PROBE`` (KeyProbe) and ``create(http, store=, now=)``."""

PROVIDERS: dict[str, ModuleType] = {package.INFO.name: package for package in PROVIDER_PACKAGES}
PROVIDER_INFO: dict[str, ProviderInfo] = {name: package.INFO for name, package in PROVIDERS.items()}
JOB_IDS = JobIds(info.id_format for info in PROVIDER_INFO.values())


def provider_info(provider: str) -> ProviderInfo:
    try:
        return PROVIDER_INFO[provider]
    except KeyError:
        names = " or ".join(repr(n) for n in PROVIDER_INFO)
        raise InvalidInput(f"Unknown provider {str(provider)[:40]!r}: use {names}.") from None
