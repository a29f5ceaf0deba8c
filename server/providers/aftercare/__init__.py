"""Aftercare: AI coding jobs and data-quality batch jobs (``X-Aftercare-Key``).

Aftercare has no list endpoint: the adapter keeps the jobs it has seen in the local store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from survey_jobs_mcp.tools.ids import IdFormat

from ..base import KeyProbe, ProviderAdapter, ProviderInfo

if TYPE_CHECKING:
    from ...store import Store
    from ..transport import JsonGetter

INFO = ProviderInfo(
    name="aftercare",
    label="Aftercare",
    env_var="AFTERCARE_API_KEY",
    key_header="X-Aftercare-Key",
    base_url_env="AFTERCARE_BASE_URL",
    default_base_url="https://surveys.getaftercare.com",
    id_format=IdFormat(
        provider="aftercare",
        pattern=re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        described="an Aftercare batch job id is a UUID like 123e4567-e89b-12d3-a456-426614174000",
        case_insensitive=True,
    ),
    needs_tracking=True,
)

# Aftercare has no "whoami": a coding job with the nil UUID answers 404 to a working key, 403 otherwise.
KEY_PROBE = KeyProbe("/api/v1/coding/00000000-0000-0000-0000-000000000000", None, frozenset({200, 404}))


def create(http: JsonGetter, *, store: Store, now: Callable[[], datetime]) -> ProviderAdapter:
    from .adapter import AftercareAdapter

    return AftercareAdapter(http, store=store, now=now)
