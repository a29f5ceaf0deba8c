"""``auth status --check``: ask each provider whether a key works, with the cheapest safe request.

- Aftercare has no "whoami": we GET a coding job with the nil UUID. 404 means the key was accepted
  (the job simply does not exist); 403 ``INVALID_API_KEY`` means it was rejected.
- SurveyCoder: ``GET /v2/jobs?limit=1`` answers 200 with a working key, 401 otherwise.
The request goes through the product's own HTTP layer, so the https/loopback rule, timeouts and
retries are exactly the server's.
"""

from __future__ import annotations

import anyio

from survey_jobs_mcp.tools.errors import SurveyJobsError

from .http import open_provider_http
from .settings import Settings

NIL_UUID = "00000000-0000-0000-0000-000000000000"


async def _check(provider: str, key: str, settings: Settings) -> tuple[bool, str]:
    async with open_provider_http(provider, settings=settings, key_supplier=lambda: key) as http:
        try:
            if provider == "aftercare":
                reply = await http.get(f"/api/v1/coding/{NIL_UUID}")
                ok = reply.status in (200, 404)
            else:
                reply = await http.get("/v2/jobs", {"limit": "1"})
                ok = reply.status == 200
        except SurveyJobsError as exc:
            return False, str(exc)
    if ok:
        return True, f"accepted by {settings.base_url(provider)}"
    return False, f"unexpected HTTP {reply.status} from {settings.base_url(provider)}"


def check_key(provider: str, key: str, settings: Settings | None = None) -> tuple[bool, str]:
    return anyio.run(_check, provider, key, settings or Settings.from_env())
