"""SurveyCoder: async coding jobs with progress and a list endpoint (``x-api-key``)."""

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
    name="surveycoder",
    label="SurveyCoder",
    env_var="SURVEYCODER_API_KEY",
    key_header="x-api-key",
    base_url_env="SURVEYCODER_BASE_URL",
    default_base_url="https://api.surveycoder.io",
    id_format=IdFormat(
        provider="surveycoder",
        pattern=re.compile(r"job_[0-9a-f]{24}"),
        described="a SurveyCoder job id is 'job_' followed by 24 lowercase hex digits like "
        "job_1a2b3c4d5e6f7a8b9c0d1e2f",
    ),
    # Keys look like scp_live_<32 alnum> / scp_test_…; "scp_" is not secret, so it is shown.
    known_prefixes=("scp_",),
    forbidden_hint=" If the key is valid, it may lack the read scope.",
)

KEY_PROBE = KeyProbe("/v2/jobs", {"limit": "1"}, frozenset({200}))


def create(http: JsonGetter, *, store: Store, now: Callable[[], datetime]) -> ProviderAdapter:
    from .adapter import SurveyCoderAdapter

    return SurveyCoderAdapter(http, store=store, now=now)
