"""``Sandbox``: one deterministic emulator of both providers, served as a single Starlette app.

Aftercare lives under ``/aftercare``, SurveyCoder under ``/surveycoder`` and sandbox-only routes
under ``/_sandbox``. Unknown paths and wrong methods still answer in the owning provider's error
shape, because a client (and schemathesis) must never see a framework's plain-text error.
"""

from __future__ import annotations

import random
import string
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response

from . import aftercare_routes, sandbox_routes, surveycoder_routes
from .aftercare_routes import coding_body, quality_body
from .catalog import seed_catalog
from .clock import Clock
from .faults import FaultRegistry
from .http_common import RateLimiter, aftercare_error, json_response, request_id, surveycoder_error
from .jobs import JobStore, SandboxJob
from .surveycoder_routes import Credits

AFTERCARE_PREFIX = "/aftercare"
SURVEYCODER_PREFIX = "/surveycoder"
GZIP_LEVEL = 6
"""zlib's default level (what most web servers use): a 100k job's 20 MB of pages become ~3 MB on the
wire at a fraction of level 9's CPU, so the sandbox stays a cheap upstream for benchmarks."""
GZIP_MINIMUM_SIZE = 500


@dataclass(frozen=True, slots=True)
class SandboxKeys:
    aftercare: str
    surveycoder: str


class Sandbox:
    """A deterministic emulator of the Aftercare and SurveyCoder APIs (see the package docstring)."""

    def __init__(
        self,
        seed: int = 7,
        scale: int | None = None,
        page_size: int = 500,
        start: datetime | None = None,
        realtime: bool = False,
        rate_limit_rpm: int | None = None,
        gzip: bool = True,
    ) -> None:
        """``gzip``: compress responses of 500 bytes or more when the client sends
        ``Accept-Encoding: gzip``, as real APIs do (``False`` always sends identity bodies)."""
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.seed = seed
        self.scale = scale
        self.page_size = page_size
        self.gzip = gzip
        self.clock = Clock(start, realtime)
        self.faults = FaultRegistry()
        self.rate_limiter = RateLimiter(rate_limit_rpm)
        self.credits = Credits(250_000)
        rng = random.Random(f"{seed}:keys")
        alnum = string.ascii_letters + string.digits
        self.keys = SandboxKeys(
            aftercare="ac_sandbox_" + "".join(rng.choice(alnum) for _ in range(32)),
            surveycoder="scp_test_" + "".join(rng.choice(alnum) for _ in range(32)),
        )
        self.cursor_secret = f"sandbox-{seed}-{rng.getrandbits(64):x}"
        self._id_rng = random.Random(f"{seed}:posted-ids")
        self._id_lock = threading.Lock()
        self.store = JobStore()
        seed_catalog(self.store, seed, self.clock.start, scale)
        self.app = self._build_app()

    # ---- test helpers -----------------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        """Rows of GET /_sandbox/jobs."""
        now = self.clock.now()
        return [j.row(now) for j in self.store.all()]

    def _job(self, job_id: str, provider: str, kinds: tuple[str, ...]) -> SandboxJob:
        job = self.store.get(job_id, provider, kinds)  # type: ignore[arg-type]
        if job is None:
            raise KeyError(f"no {provider} {'/'.join(kinds)} job {job_id!r}")
        return job

    def raw_coding(self, job_id: str) -> dict[str, Any]:
        """The full, unpaged ``BatchCodingResponse`` of a coding job (``nextCursor`` null)."""
        return coding_body(self, self._job(job_id, "aftercare", ("coding",)), None, None)

    def raw_quality(self, job_id: str) -> dict[str, Any]:
        """The full, unpaged ``DataQualityBatchResponse`` of a data-quality job."""
        return quality_body(self, self._job(job_id, "aftercare", ("data_quality",)), None, None)

    def raw_surveycoder_job(self, job_id: str) -> dict[str, Any]:
        """The full SurveyCoder ``Job`` object (what ``data`` holds in GET /v2/jobs/{id})."""
        job = self._job(job_id, "surveycoder", ("one_call", "auto_coding", "codebook_generation"))
        return job.surveycoder_body(self.clock.now(), True)

    def next_surveycoder_id(self) -> str:
        """A fresh ``job_`` id for a POSTed job (deterministic sequence per seed)."""
        with self._id_lock:
            while True:
                job_id = f"job_{self._id_rng.getrandbits(96):024x}"
                if job_id not in self.store.jobs:
                    return job_id

    # ---- app --------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        async def http_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            path = request.url.path
            headers = dict(exc.headers or {})
            if path.startswith(SURVEYCODER_PREFIX + "/"):
                code = "NOT_FOUND" if exc.status_code == 404 else "METHOD_NOT_ALLOWED"
                message = "Not found" if exc.status_code == 404 else "Method not allowed"
                response = surveycoder_error(request, exc.status_code, code, message)
                response.headers["X-Request-Id"] = request_id(request)
            elif path.startswith(AFTERCARE_PREFIX + "/"):
                code = "NOT_FOUND" if exc.status_code == 404 else "METHOD_NOT_ALLOWED"
                message = "Requested resource not found" if exc.status_code == 404 else "Method not allowed"
                response = aftercare_error(exc.status_code, code, message)
                response.headers["X-Request-Id"] = request_id(request)
            else:
                response = json_response({"error": exc.detail}, exc.status_code)
            for name, value in headers.items():
                response.headers[name] = value
            return response

        routes = [
            *aftercare_routes.routes(self, AFTERCARE_PREFIX),
            *surveycoder_routes.routes(self, SURVEYCODER_PREFIX),
            *sandbox_routes.routes(self),
        ]
        middleware = (
            [Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)]
            if self.gzip
            else []
        )
        app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: http_error})
        app.router.redirect_slashes = False
        return app
