"""The retrying HTTP layer: one ``httpx.AsyncClient`` per provider, opened in the MCP lifespan.

Why it looks like this:
- Tools must answer within 45 s (clients time out at 60 s), so every logical request has an overall
  deadline (default 40 s) that bounds attempts *and* sleeps; we never sleep past it.
- GETs are retried on connection errors, 429 and 5xx with exponential backoff and full jitter,
  honouring ``Retry-After`` up to a cap; a longer ``Retry-After`` gives up at once and says when to
  try again rather than hammering a rate limit. A 2xx with a broken JSON body is retried once.
- POSTs are retried only when the connection failed before anything was sent.
- 401/403 become ``CredentialsError`` naming ``auth set``; other 4xx go back to the provider client
  (``Reply`` / ``HttpErrorResponse``), which knows what 404 or 400 means for its endpoint.
- The key is attached per request, and only to the configured origin over https or to a loopback
  host over plain http; redirects are not followed, so it can never leak to another host.
- Nothing here logs headers, and any upstream text is scrubbed of the key before it is shown.
"""

from __future__ import annotations

import inspect
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import httpx

from survey_jobs_mcp.tools.errors import CredentialsError, UpstreamError

from . import __version__
from .credentials import ResolvedKey, key_problem, provider_info, resolve_key
from .http_destination import check_origin, insecure_destination, key_allowed
from .http_replies import (
    HttpErrorResponse,
    Reply,
    ResponseMeta,
    decode_json,
    error_detail,
    parse_retry_after,
    transport_detail,
    try_json,
)
from .redact import clip, register_secret, scrub
from .settings import Settings
from .upstream_waits import UPSTREAM_WAITS

log = logging.getLogger("survey_jobs_mcp.http")

USER_AGENT = f"survey-jobs-mcp/{__version__}"
KeySupplier = Callable[[], "str | ResolvedKey | Awaitable[str | ResolvedKey]"]
Sleep = Callable[[float], Awaitable[None]]
Decode = Callable[[bytes], Any]
"""Turns a 2xx body into what the caller wants. Raises ``ValueError`` for a body that is not valid
JSON (retried once, then "invalid JSON"); any other exception reaches the caller unchanged, which is
how a typed decoder reports a body of the wrong shape (a broken contract is not retried)."""

NOT_RETRYABLE_5XX = frozenset({501, 505})

_READ = httpx.ByteStream(b"")
"""Stands in for the stream of a response whose body has been read (see ``ProviderHttp._send``)."""


@dataclass(slots=True)
class _Failure:
    kind: str  # "status" | "transport" | "invalid_json" | "deadline"
    status: int | None = None
    request_id: str | None = None
    detail: str = ""
    retry_after: float | None = None


# ---------------------------------------------------------------------------------------------------
# the client
# ---------------------------------------------------------------------------------------------------


class ProviderHttp:
    """JSON over HTTP for one provider, with key handling, retries and a deadline.

    ``key_supplier`` returns the key (``str`` or ``ResolvedKey``), sync or async; a sync supplier runs
    in a worker thread because keyring lookups block. The key is cached on this instance for
    ``settings.key_cache_seconds`` and forgotten on 401/403.
    """

    def __init__(
        self,
        provider: str,
        client: httpx.AsyncClient,
        settings: Settings,
        *,
        key_header: str | None = None,
        key_supplier: KeySupplier | None = None,
        env: Mapping[str, str] | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] | None = None,
        rng: Callable[[], float] | None = None,
    ) -> None:
        self.info = provider_info(provider)
        self.provider = self.info.name
        self.client = client
        self.settings = settings
        self.key_header = key_header or self.info.key_header
        self._key_supplier = key_supplier or (lambda: resolve_key(self.provider, env))
        self._sleep = sleep or anyio.sleep
        self._clock = clock or time.monotonic
        self._rng = rng or random.random
        self._key: ResolvedKey | None = None
        self._key_at = 0.0
        self._destination_checked = False

    # -- key -------------------------------------------------------------------------------------
    def forget_key(self) -> None:
        self._key = None

    async def _get_key(self) -> ResolvedKey:
        now = self._clock()
        if self._key is not None and now - self._key_at < self.settings.key_cache_seconds:
            return self._key
        supplier = self._key_supplier
        if inspect.iscoroutinefunction(supplier):
            value = await supplier()
        else:
            value = await anyio.to_thread.run_sync(supplier)
            if inspect.isawaitable(value):
                value = await value
        key = value if isinstance(value, ResolvedKey) else ResolvedKey(str(value).strip(), "env")
        if not key.value:
            raise CredentialsError(
                f"No {self.info.label} API key is configured. Run `survey-jobs-mcp auth set {self.provider}` "
                f"or set {self.info.env_var}."
            )
        register_secret(key.value)
        problem = key_problem(key.value)
        if problem:
            raise CredentialsError(
                f"The configured {self.info.label} API key is not usable: {problem}. Set "
                f"{self.info.env_var} to the key alone, or run `survey-jobs-mcp auth set {self.provider}`."
            )
        self._key, self._key_at = key, now
        return key

    async def _check_destination(self, url: httpx.URL) -> None:
        """Same origin as the base URL, and a place a key may go (looked up once: the base is fixed)."""
        check_origin(self.provider, self.client.base_url, url)
        if not self._destination_checked:
            if not await anyio.to_thread.run_sync(key_allowed, url):
                raise insecure_destination(self.provider, url)
            self._destination_checked = True

    # -- public API --------------------------------------------------------------------------------
    async def get(
        self, path: str, params: Mapping[str, str] | None = None, *, decode: Decode | None = None
    ) -> Reply:
        """GET with retries. Returns 2xx and non-auth 4xx as a ``Reply``; raises the product errors.

        ``decode`` replaces the generic JSON parse of a 2xx body (e.g. a typed decoder that builds
        the wire shapes straight from the bytes); error bodies are always parsed as plain JSON.
        """
        _, body, meta = await self._send(
            "GET", path, params=params, json_body=None, idempotent=True, decode=decode or decode_json
        )
        return Reply(meta.status, body, meta.request_id, meta)

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> tuple[Any, ResponseMeta]:
        """GET with retries; a non-2xx that is not retried or auth-related raises ``HttpErrorResponse``."""
        _, body, meta = await self._send(
            "GET", path, params=params, json_body=None, idempotent=True, decode=decode_json
        )
        if not 200 <= meta.status < 300:
            raise HttpErrorResponse(meta.status, body, meta)
        return body, meta

    async def post_json(
        self, path: str, body: Any, params: Mapping[str, str] | None = None
    ) -> tuple[Any, ResponseMeta]:
        """POST once (retried only if the connection failed before sending); same errors as get_json."""
        _, data, meta = await self._send(
            "POST", path, params=params, json_body=body, idempotent=False, decode=decode_json
        )
        if not 200 <= meta.status < 300:
            raise HttpErrorResponse(meta.status, data, meta)
        return data, meta

    # -- the loop --------------------------------------------------------------------------------
    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        json_body: Any,
        idempotent: bool,
        decode: Decode,
    ) -> tuple[httpx.Response, Any, ResponseMeta]:
        s = self.settings
        start = self._clock()
        deadline = start + s.request_deadline
        sent_id = str(uuid.uuid4())
        request = self.client.build_request(
            method, path, params=params, json=json_body, headers={"X-Request-Id": sent_id}
        )
        await self._check_destination(request.url)
        key = await self._get_key()
        invalid_json_seen = False
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:  # a fresh request (and request id) per attempt
                sent_id = str(uuid.uuid4())
                request = self.client.build_request(
                    method, path, params=params, json=json_body, headers={"X-Request-Id": sent_id}
                )
            request.headers[self.key_header] = key.value
            failure: _Failure
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._give_up(_Failure("deadline", request_id=sent_id), attempt - 1, start, key)
            t0 = self._clock()
            try:
                with anyio.fail_after(remaining), UPSTREAM_WAITS.waiting(self.info.label):
                    response = await self.client.send(request)
                # The body is read; httpx's bound stream refers back to the response, a cycle that
                # only the (tuned-down) cyclic GC frees: ~14 MB of bodies held during a 100k read.
                response.stream = _READ
            except TimeoutError:
                raise self._give_up(_Failure("deadline", request_id=sent_id), attempt, start, key) from None
            except httpx.TransportError as exc:
                log.info(
                    "%s %s %s attempt %d: %s",
                    self.info.label,
                    method,
                    request.url.path,
                    attempt,
                    type(exc).__name__,
                )
                failure = _Failure("transport", request_id=sent_id, detail=transport_detail(exc))
                retryable = idempotent or isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            else:
                status = response.status_code
                # Upstream-controlled: scrubbed and capped before it reaches any message or log.
                rid = clip(response.headers.get("x-request-id") or sent_id, 120)
                meta = ResponseMeta(status, rid, attempt, self._clock() - start)
                log.debug(
                    "%s %s %s -> %d in %.2fs (attempt %d, request id %s)",
                    self.info.label,
                    method,
                    request.url.path,
                    status,
                    self._clock() - t0,
                    attempt,
                    rid,
                )
                if status in (401, 403):
                    self.forget_key()
                    raise self._rejected(status, try_json(response), rid, key)
                if status == 429 or (status >= 500 and status not in NOT_RETRYABLE_5XX):
                    failure = _Failure(
                        "status",
                        status,
                        rid,
                        error_detail(try_json(response)),
                        parse_retry_after(response.headers.get("retry-after")),
                    )
                    retryable = idempotent
                elif 200 <= status < 300:
                    if status == 204:
                        return response, None, meta
                    try:
                        return response, decode(response.content), meta
                    except ValueError:
                        failure = _Failure("invalid_json", status, rid)
                        retryable = idempotent and not invalid_json_seen
                        invalid_json_seen = True
                else:
                    return response, try_json(response), meta

            if not retryable or attempt >= s.max_attempts:
                raise self._give_up(failure, attempt, start, key)
            if failure.retry_after is not None:
                if failure.retry_after > s.retry_after_cap:
                    raise self._give_up(failure, attempt, start, key)
                delay = failure.retry_after
            else:
                ceiling = min(s.backoff_max, s.backoff_base * s.backoff_factor ** (attempt - 1))
                delay = self._rng() * ceiling
            if self._clock() + delay >= deadline:
                raise self._give_up(failure, attempt, start, key)
            log.info(
                "%s %s %s: %s on attempt %d, retrying in %.2fs",
                self.info.label,
                method,
                request.url.path,
                failure.status or failure.kind,
                attempt,
                delay,
            )
            await self._sleep(delay)

    # -- error messages --------------------------------------------------------------------------
    def _rejected(self, status: int, body: Any, request_id: str, key: ResolvedKey) -> CredentialsError:
        detail = scrub(error_detail(body), key.value)
        where = (
            f"the environment variable {self.info.env_var} (it overrides the keyring)"
            if key.source == "env"
            else "the system keyring"
        )
        fix = (
            f"set {self.info.env_var} to a valid key, or unset it and run "
            f"`survey-jobs-mcp auth set {self.provider}` to keep the key in the keyring"
            if key.source == "env"
            else f"run `survey-jobs-mcp auth set {self.provider}` with a valid key"
        )
        scope = self.info.forbidden_hint if status == 403 else ""
        return CredentialsError(
            f"{self.info.label} rejected the API key from {where} (HTTP {status}"
            f"{': ' + detail if detail else ''}; request id {request_id}). To fix it, {fix}.{scope}"
        )

    def _give_up(self, failure: _Failure, attempts: int, start: float, key: ResolvedKey) -> UpstreamError:
        label = self.info.label
        elapsed = self._clock() - start
        rid = failure.request_id
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f} s"
        base = self.client.base_url
        advice = (
            "Try again in a minute; if it persists, check the provider's service status and "
            f"{self.info.env_var.replace('_API_KEY', '_BASE_URL')} (now {base.scheme}://{base.host})."
        )
        if failure.kind == "deadline":
            what = f"{label} did not answer within the {self.settings.request_deadline:.0f} s limit ({tries})"
        elif failure.kind == "transport":
            what = f"Could not reach {label} at {base.scheme}://{base.host} ({failure.detail}; {tries})"
        elif failure.kind == "invalid_json":
            what = f"{label} returned invalid JSON (HTTP {failure.status}; {tries})"
        elif failure.status == 429:
            wait = (
                f"; it asked to wait {failure.retry_after:.0f} s" if failure.retry_after is not None else ""
            )
            what = f"{label} is rate-limiting requests (HTTP 429{wait}; {tries})"
            if failure.retry_after is not None and failure.retry_after > self.settings.retry_after_cap:
                advice = f"Try again in {failure.retry_after:.0f} s."
        else:
            detail = f" {failure.detail}" if failure.detail else ""
            what = f"{label} answered HTTP {failure.status}{detail} ({tries})"
        message = scrub(f"{what}; request id {rid}. {advice}", key.value)
        log.warning("giving up: %s", message)
        return UpstreamError(message, provider=self.provider, status=failure.status, request_id=rid)


# ---------------------------------------------------------------------------------------------------
# lifespan helper
# ---------------------------------------------------------------------------------------------------


def build_timeout(settings: Settings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.write_timeout,
        pool=settings.pool_timeout,
    )


@asynccontextmanager
async def open_provider_http(
    provider: str,
    base_url: str | None = None,
    key_header: str | None = None,
    key_supplier: KeySupplier | None = None,
    settings: Settings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    clock: Callable[[], float] | None = None,
    rng: Callable[[], float] | None = None,
) -> AsyncIterator[ProviderHttp]:
    """Open the provider's one ``AsyncClient`` (use in the MCP lifespan); defaults come from settings.

    Proxy variables are ignored for loopback http, where a proxy would see the key in clear text.
    """
    settings = settings or Settings.from_env(env)
    info = provider_info(provider)
    base = (base_url or settings.base_url(info.name)).rstrip("/")
    base_parsed = httpx.URL(base)
    async with httpx.AsyncClient(
        base_url=base,
        timeout=build_timeout(settings),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,
        transport=transport,
        trust_env=base_parsed.scheme == "https",
    ) as client:
        yield ProviderHttp(
            info.name,
            client,
            settings,
            key_header=key_header,
            key_supplier=key_supplier,
            env=env,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )
