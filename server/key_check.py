"""``auth status --check``: ask each provider whether a key works, with the cheapest safe request.

Each provider declares its probe (``KEY_PROBE`` in its package): the path, and which statuses mean
the key was accepted.
The request goes through the product's own HTTP layer, so the https/loopback rule, timeouts and
retries are exactly the server's.
"""

from __future__ import annotations

import anyio

from survey_jobs_mcp.tools.errors import SurveyJobsError

from .http import open_provider_http
from .providers.registry import PROVIDERS
from .settings import Settings


async def _check(provider: str, key: str, settings: Settings) -> tuple[bool, str]:
    async with open_provider_http(provider, settings=settings, key_supplier=lambda: key) as http:
        try:
            probe = PROVIDERS[provider].KEY_PROBE
            reply = await http.get(probe.path, probe.params)
            ok = reply.status in probe.ok_statuses
        except SurveyJobsError as exc:
            return False, str(exc)
    if ok:
        return True, f"accepted by {settings.base_url(provider)}"
    return False, f"unexpected HTTP {reply.status} from {settings.base_url(provider)}"


def check_key(provider: str, key: str, settings: Settings | None = None) -> tuple[bool, str]:
    return anyio.run(_check, provider, key, settings or Settings.from_env())
