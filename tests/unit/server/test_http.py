"""The retrying HTTP layer against a real local HTTP server whose answers each test scripts.

A tiny Starlette app served by uvicorn on 127.0.0.1 (ephemeral port, background thread) plays the
upstream: "503 twice then 200", "429 with Retry-After", a dropped connection, invalid JSON, a slow
answer. Nothing in ``server.http`` is mocked; only sleeps are shortened through ``Settings``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import socket
import uuid
import weakref
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from survey_jobs_mcp.server.credentials import ResolvedKey
from survey_jobs_mcp.server.http import (
    USER_AGENT,
    HttpErrorResponse,
    Reply,
    key_allowed,
    open_provider_http,
    parse_retry_after,
)
from survey_jobs_mcp.server.http_destination import is_loopback_host
from survey_jobs_mcp.server.settings import Settings
from survey_jobs_mcp.tools.errors import CredentialsError, InvalidInput, UpstreamError
from tests.asgi_support import serve_asgi

pytestmark = pytest.mark.anyio

KEY = "scp_live_CANARYhttp0123456789abcdefghQ7"
AC_KEY = "ac-CANARY-http-5f1e2d3c4b5a69788796"

Behaviour = Callable[[Request, int], Awaitable[Response]]


# ---------------------------------------------------------------------------------------------------
# the scripted upstream
# ---------------------------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Upstream:
    base_url: str = ""
    scripts: dict[str, list[Behaviour]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def script(self, path: str, *behaviours: Behaviour) -> None:
        """Answer ``path`` with each behaviour in turn; the last one repeats."""
        self.scripts[path] = list(behaviours)

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        self.calls.append(Call(request.method, path, dict(request.headers), await request.body()))
        n = len(self.calls_to(path))
        script = self.scripts.get(path) or [status(404, {"code": "NOT_FOUND", "message": "no script"})]
        return await script[min(n, len(script)) - 1](request, n)


def ok(body: Any = None) -> Behaviour:
    async def run(request: Request, n: int) -> Response:
        payload = body if body is not None else {"ok": True, "call": n}
        return JSONResponse(payload, headers={"X-Request-Id": f"up-{n}"})

    return run


def status(code: int, body: Any = None, headers: dict[str, str] | None = None) -> Behaviour:
    async def run(request: Request, n: int) -> Response:
        hdrs = {"X-Request-Id": f"up-{n}", **(headers or {})}
        if body is None:
            return Response(b"", status_code=code, headers=hdrs)
        return JSONResponse(body, status_code=code, headers=hdrs)

    return run


def invalid_json() -> Behaviour:
    async def run(request: Request, n: int) -> Response:
        return Response(b'{"data": [1, 2', media_type="application/json", headers={"X-Request-Id": f"up-{n}"})

    return run


class _DroppingResponse(Response):
    """Sends the status line and headers, then raises: uvicorn aborts the connection mid-response."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        raise ConnectionAbortedError("test upstream: drop the connection")


def drop() -> Behaviour:
    async def run(request: Request, n: int) -> Response:
        return _DroppingResponse()

    return run


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    async def run(request: Request, n: int) -> Response:
        await asyncio.sleep(seconds)
        return await (then or ok())(request, n)

    return run


@pytest.fixture(scope="module")
def _server() -> Iterator[Upstream]:
    upstream = Upstream()

    async def endpoint(request: Request) -> Response:
        return await upstream.handle(request)

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])
    with serve_asgi(app) as base_url:
        upstream.base_url = base_url
        yield upstream


@pytest.fixture
def upstream(_server: Upstream) -> Upstream:
    _server.scripts.clear()
    _server.calls.clear()
    return _server


FAST = replace(
    Settings.from_env({}),
    backoff_base=0.01,
    backoff_max=0.05,
    request_deadline=3.0,
    connect_timeout=1.0,
    read_timeout=2.0,
)


def open_http(upstream: Upstream, provider: str = "surveycoder", settings: Settings = FAST, **kw: Any):
    kw.setdefault("key_supplier", lambda: KEY if provider == "surveycoder" else AC_KEY)
    return open_provider_http(provider, kw.pop("base_url", upstream.base_url), settings=settings, **kw)


# ---------------------------------------------------------------------------------------------------
# happy path and headers
# ---------------------------------------------------------------------------------------------------


async def test_get_sends_key_request_id_and_user_agent(upstream: Upstream) -> None:
    upstream.script("/v2/jobs", ok({"data": []}))
    async with open_http(upstream) as http:
        reply = await http.get("/v2/jobs", {"limit": "5"})
    assert isinstance(reply, Reply)
    assert (reply.status, reply.body, reply.request_id) == (200, {"data": []}, "up-1")
    assert reply.meta is not None and reply.meta.attempts == 1
    (call,) = upstream.calls
    assert call.headers["x-api-key"] == KEY
    assert "x-aftercare-key" not in call.headers
    assert uuid.UUID(call.headers["x-request-id"]).version == 4
    assert call.headers["user-agent"] == USER_AGENT and USER_AGENT.startswith("survey-jobs-mcp/")


async def test_aftercare_uses_its_own_header(upstream: Upstream) -> None:
    upstream.script("/api/v1/coding/x", ok())
    async with open_http(upstream, "aftercare") as http:
        body, meta = await http.get_json("/api/v1/coding/x")
    assert body == {"ok": True, "call": 1} and meta.status == 200
    assert upstream.calls[0].headers["x-aftercare-key"] == AC_KEY
    assert "x-api-key" not in upstream.calls[0].headers


async def test_default_key_supplier_reads_env(upstream: Upstream) -> None:
    upstream.script("/v2/jobs", ok())
    async with open_provider_http(
        "surveycoder", upstream.base_url, settings=FAST, env={"SURVEYCODER_API_KEY": KEY}
    ) as http:
        await http.get("/v2/jobs")
    assert upstream.calls[0].headers["x-api-key"] == KEY


# ---------------------------------------------------------------------------------------------------
# retries
# ---------------------------------------------------------------------------------------------------


async def test_503_twice_then_ok(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/a", status(503), status(503), ok())
    async with open_http(upstream) as http:
        reply = await http.get("/v2/jobs/a")
    assert reply.status == 200 and reply.meta is not None and reply.meta.attempts == 3
    calls = upstream.calls_to("/v2/jobs/a")
    assert len(calls) == 3
    assert len({c.headers["x-request-id"] for c in calls}) == 3  # one id per attempt


async def test_retry_after_is_honoured(upstream: Upstream) -> None:
    delays: list[float] = []

    async def recorded_sleep(seconds: float) -> None:
        delays.append(seconds)

    upstream.script(
        "/v2/jobs/b", status(429, {"error": {"code": "RATE_LIMITED"}}, {"Retry-After": "1"}), ok()
    )
    # rng 0: any backoff of our own would be 0 s, so a 1 s wait can only be the provider's Retry-After.
    async with open_http(upstream, sleep=recorded_sleep, rng=lambda: 0.0) as http:
        reply = await http.get("/v2/jobs/b")
    assert reply.status == 200 and reply.meta is not None and reply.meta.attempts == 2
    assert len(upstream.calls_to("/v2/jobs/b")) == 2
    assert delays == [1.0]  # waited exactly what Retry-After asked, once, before the second request


async def test_retry_after_beyond_cap_gives_up_at_once(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/c", status(429, None, {"Retry-After": "30"}))
    async with open_http(upstream) as http:
        with pytest.raises(UpstreamError) as info:
            await http.get("/v2/jobs/c")
    assert len(upstream.calls_to("/v2/jobs/c")) == 1  # gave up at once: no second request
    msg = str(info.value)
    assert "SurveyCoder is rate-limiting" in msg and "HTTP 429" in msg and "Try again in 30 s" in msg
    assert info.value.status == 429 and info.value.request_id == "up-1"


async def test_permanent_503_gives_up_with_provider_status_and_request_id(upstream: Upstream) -> None:
    upstream.script("/api/v1/coding/d", status(503, {"code": "UNAVAILABLE", "message": "down"}))
    async with open_http(upstream, "aftercare") as http:
        with pytest.raises(UpstreamError) as info:
            await http.get("/api/v1/coding/d")
    assert len(upstream.calls_to("/api/v1/coding/d")) == FAST.max_attempts == 4
    err = info.value
    assert (err.provider, err.status, err.request_id) == ("aftercare", 503, "up-4")
    msg = str(err)
    assert "Aftercare answered HTTP 503 UNAVAILABLE: down" in msg and "4 attempts" in msg
    assert "request id up-4" in msg and "Try again in a minute" in msg and "AFTERCARE_BASE_URL" in msg


async def test_deadline_bounds_retries(upstream: Upstream) -> None:
    settings = replace(FAST, max_attempts=1000, backoff_base=0.2, backoff_max=1.0, request_deadline=3.0)
    upstream.script("/v2/jobs/e", status(500))
    async with open_http(upstream, settings=settings) as http:
        with pytest.raises(UpstreamError, match="HTTP 500"):
            await http.get("/v2/jobs/e")
    # the deadline, not max_attempts, stopped it: far fewer than 1000 attempts were made
    assert 2 < len(upstream.calls_to("/v2/jobs/e")) < 1000


async def test_slow_upstream_stops_at_deadline(upstream: Upstream) -> None:
    settings = replace(FAST, request_deadline=1.0, read_timeout=10.0)
    upstream.script("/v2/jobs/f", slow(5))
    async with open_http(upstream, settings=settings) as http:
        with pytest.raises(UpstreamError) as info:
            await http.get("/v2/jobs/f")
    assert "did not answer within the 1 s limit" in str(info.value)
    assert info.value.request_id  # the id we sent, for support


async def test_read_timeout_is_retried(upstream: Upstream) -> None:
    settings = replace(FAST, read_timeout=0.3, request_deadline=5.0)
    upstream.script("/v2/jobs/g", slow(1), ok())
    async with open_http(upstream, settings=settings) as http:
        reply = await http.get("/v2/jobs/g")
    assert reply.status == 200 and len(upstream.calls_to("/v2/jobs/g")) == 2


async def test_dropped_connection_is_retried(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/h", drop(), ok())
    async with open_http(upstream) as http:
        reply = await http.get("/v2/jobs/h")
    assert reply.status == 200 and len(upstream.calls_to("/v2/jobs/h")) == 2


async def test_dropped_connection_every_time(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/i", drop())
    async with open_http(upstream) as http:
        with pytest.raises(UpstreamError, match="Could not reach SurveyCoder"):
            await http.get("/v2/jobs/i")
    assert len(upstream.calls_to("/v2/jobs/i")) == 4


async def test_invalid_json_is_retried_once(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/j", invalid_json(), ok())
    async with open_http(upstream) as http:
        assert (await http.get("/v2/jobs/j")).status == 200
    upstream.script("/v2/jobs/k", invalid_json(), invalid_json(), ok())
    async with open_http(upstream) as http:
        with pytest.raises(UpstreamError, match="returned invalid JSON") as info:
            await http.get("/v2/jobs/k")
    assert len(upstream.calls_to("/v2/jobs/k")) == 2
    assert info.value.request_id == "up-2"


class _WrongShape(Exception):
    """What a typed decoder raises for valid JSON of the wrong shape (not a ValueError)."""


def _typed(body: bytes) -> tuple[str, int]:
    data = json.loads(body)  # ValueError for a body that is not JSON
    if not isinstance(data.get("call"), int):
        raise _WrongShape("call must be an integer")
    return ("typed", data["call"])


async def test_a_typed_decoder_replaces_the_json_parse_of_2xx_bodies(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/t", ok())
    upstream.script("/v2/jobs/missing", status(404, {"code": "NOT_FOUND", "message": "gone"}))
    async with open_http(upstream) as http:
        reply = await http.get("/v2/jobs/t", decode=_typed)
        missing = await http.get("/v2/jobs/missing", decode=_typed)
    assert (reply.status, reply.body) == (200, ("typed", 1))
    assert (missing.status, missing.body) == (404, {"code": "NOT_FOUND", "message": "gone"})


async def test_a_typed_decoder_retries_invalid_json_once_but_not_a_wrong_shape(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/u", invalid_json(), ok())
    upstream.script("/v2/jobs/v", ok({"call": "one"}))
    async with open_http(upstream) as http:
        assert (await http.get("/v2/jobs/u", decode=_typed)).body == ("typed", 2)
        with pytest.raises(_WrongShape, match="call must be an integer"):
            await http.get("/v2/jobs/v", decode=_typed)
    assert len(upstream.calls_to("/v2/jobs/u")) == 2
    assert len(upstream.calls_to("/v2/jobs/v")) == 1


async def test_json_bodies_parse_to_plain_python_values(upstream: Upstream) -> None:
    body = {"s": "Grüße ✓", "i": 12345678901234567890, "f": 0.5, "n": None, "l": [True, False], "d": {}}
    upstream.script("/v2/jobs/p", ok(body))
    async with open_http(upstream) as http:
        reply = await http.get("/v2/jobs/p")
    assert reply.body == body


async def test_backoff_is_exponential_with_full_jitter(upstream: Upstream) -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    settings = replace(FAST, backoff_base=0.25, backoff_factor=2.0, backoff_max=4.0, max_attempts=4)
    upstream.script("/v2/jobs/l", status(502))
    async with open_http(upstream, settings=settings, sleep=fake_sleep, rng=lambda: 1.0) as http:
        with pytest.raises(UpstreamError):
            await http.get("/v2/jobs/l")
    assert delays == [0.25, 0.5, 1.0]
    delays.clear()
    async with open_http(upstream, settings=settings, sleep=fake_sleep, rng=lambda: 0.5) as http:
        with pytest.raises(UpstreamError):
            await http.get("/v2/jobs/l")
    assert delays == [0.125, 0.25, 0.5]


# ---------------------------------------------------------------------------------------------------
# non-retryable answers
# ---------------------------------------------------------------------------------------------------


async def test_404_and_400_go_back_to_the_caller(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/m", status(404, {"success": False, "error": {"code": "NOT_FOUND"}}))
    async with open_http(upstream) as http:
        reply = await http.get("/v2/jobs/m")
        assert reply.status == 404 and reply.body["error"]["code"] == "NOT_FOUND"
        with pytest.raises(HttpErrorResponse) as info:
            await http.get_json("/v2/jobs/m")
    assert info.value.status == 404 and info.value.meta.request_id == "up-2"
    assert len(upstream.calls_to("/v2/jobs/m")) == 2  # once each, never retried


@pytest.mark.parametrize("code", [401, 403])
async def test_rejected_key_is_a_credentials_error(upstream: Upstream, code: int) -> None:
    supplied: list[int] = []

    def supplier() -> ResolvedKey:
        supplied.append(1)
        return ResolvedKey(AC_KEY, "keyring")

    upstream.script(
        "/api/v1/coding/n", status(code, {"code": "INVALID_API_KEY", "message": "Invalid or missing API key"})
    )
    async with open_http(upstream, "aftercare", key_supplier=supplier) as http:
        for _ in range(2):
            with pytest.raises(CredentialsError) as info:
                await http.get("/api/v1/coding/n")
    msg = str(info.value)
    assert f"Aftercare rejected the API key from the system keyring (HTTP {code}: INVALID_API_KEY" in msg
    assert "survey-jobs-mcp auth set aftercare" in msg and "request id up-2" in msg
    assert len(upstream.calls_to("/api/v1/coding/n")) == 2
    assert len(supplied) == 2  # a rejected key is looked up again, not cached


async def test_env_key_rejection_points_at_the_env_var(upstream: Upstream) -> None:
    upstream.script("/v2/jobs/o", status(401, {"success": False, "error": {"code": "KEY_REVOKED"}}))
    async with open_provider_http(
        "surveycoder", upstream.base_url, settings=FAST, env={"SURVEYCODER_API_KEY": KEY}
    ) as http:
        with pytest.raises(
            CredentialsError, match=r"set SURVEYCODER_API_KEY to a valid key.*auth set surveycoder"
        ):
            await http.get("/v2/jobs/o")


async def test_key_cached_between_requests(upstream: Upstream) -> None:
    supplied: list[int] = []

    def supplier() -> str:
        supplied.append(1)
        return KEY

    upstream.script("/v2/jobs", ok())
    async with open_http(upstream, key_supplier=supplier) as http:
        for _ in range(3):
            await http.get("/v2/jobs")
    assert len(supplied) == 1


async def test_missing_key_fails_before_any_request(upstream: Upstream) -> None:
    def supplier() -> str:
        raise CredentialsError(
            "No SurveyCoder API key is configured. Run `survey-jobs-mcp auth set surveycoder`"
        )

    async with open_http(upstream, key_supplier=supplier) as http:
        with pytest.raises(CredentialsError, match="auth set surveycoder"):
            await http.get("/v2/jobs")
    assert upstream.calls == []


# ---------------------------------------------------------------------------------------------------
# POST
# ---------------------------------------------------------------------------------------------------


async def test_post_is_not_retried_on_503(upstream: Upstream) -> None:
    upstream.script("/v2/jobs", status(503))
    async with open_http(upstream) as http:
        with pytest.raises(UpstreamError, match="HTTP 503"):
            await http.post_json("/v2/jobs", {"type": "auto_coding"})
    assert len(upstream.calls_to("/v2/jobs")) == 1
    assert json.loads(upstream.calls[0].body) == {"type": "auto_coding"}


async def test_post_ok_and_4xx(upstream: Upstream) -> None:
    upstream.script(
        "/v2/jobs", ok({"data": {"id": "job_1"}}), status(422, {"error": {"code": "VALIDATION_ERROR"}})
    )
    async with open_http(upstream) as http:
        body, meta = await http.post_json("/v2/jobs", {"a": 1})
        assert body == {"data": {"id": "job_1"}} and meta.attempts == 1
        with pytest.raises(HttpErrorResponse) as info:
            await http.post_json("/v2/jobs", {"a": 1})
    assert info.value.status == 422


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def test_connection_refused_is_retried_even_for_post() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    async with open_provider_http("surveycoder", base, key_supplier=lambda: KEY, settings=FAST) as http:
        with pytest.raises(UpstreamError) as info:
            await http.post_json("/v2/jobs", {})
    assert "Could not reach SurveyCoder at http://127.0.0.1" in str(info.value) and "4 attempts" in str(
        info.value
    )


# ---------------------------------------------------------------------------------------------------
# where the key may go
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.surveycoder.io/v2/jobs", True),
        ("http://127.0.0.1:8000/x", True),
        ("http://127.9.8.7/x", True),
        ("http://[::1]:9000/x", True),
        ("http://localhost:9000/x", True),
        ("http://example.com/x", False),
        ("http://10.0.0.5/x", False),
        ("http://localhost.example.com/x", False),
        ("ftp://127.0.0.1/x", False),
    ],
)
def test_key_allowed(url: str, allowed: bool) -> None:
    assert key_allowed(httpx.URL(url)) is allowed


def test_is_loopback_host() -> None:
    assert is_loopback_host("::1") and is_loopback_host("[::1]") and is_loopback_host("LOCALHOST")
    assert is_loopback_host("::ffff:127.0.0.1") and is_loopback_host("localhost.")
    assert not is_loopback_host("192.168.1.1")


def test_localhost_names_are_trusted_only_if_they_resolve_to_loopback_only() -> None:
    # `localhost` resolves (here through /etc/hosts) to loopback addresses only: trusted.
    assert {a[4][0] for a in socket.getaddrinfo("localhost", None)} <= {"127.0.0.1", "::1"}
    assert key_allowed(httpx.URL("http://localhost:9/x"))
    # A *.localhost name is not trusted for its suffix alone: one that does not resolve to loopback
    # (here: not at all) gets no key over plain http.
    ghost = "survey-jobs-no-such-name.localhost"
    with pytest.raises(OSError):
        socket.getaddrinfo(ghost, None)
    assert not is_loopback_host(ghost)
    assert not key_allowed(httpx.URL(f"http://{ghost}:9/x"))
    assert key_allowed(httpx.URL(f"https://{ghost}/x"))  # https needs no loopback
    # Any other name is never trusted for plain http, even one that /etc/hosts maps to 127.0.0.1.
    own = socket.gethostname()
    assert not key_allowed(httpx.URL(f"http://{own}:9/x")) or own.endswith(".localhost")


async def test_unresolvable_localhost_name_gets_no_key() -> None:
    supplied: list[int] = []

    def supplier() -> str:
        supplied.append(1)
        return KEY

    base = "http://survey-jobs-no-such-name.localhost:9"
    async with open_provider_http("surveycoder", base, key_supplier=supplier, settings=FAST) as http:
        with pytest.raises(CredentialsError) as info:
            await http.get("/v2/jobs")
    assert supplied == []
    msg = str(info.value)
    assert "over plain http to survey-jobs-no-such-name.localhost" in msg
    assert "resolves only to loopback addresses" in msg and "SURVEYCODER_BASE_URL" in msg


async def test_plain_http_to_remote_host_is_refused_without_a_request() -> None:
    seen: list[httpx.Request] = []
    supplied: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    def supplier() -> str:
        supplied.append(1)
        return KEY

    async with open_provider_http(
        "surveycoder",
        "http://example.com",
        key_supplier=supplier,
        settings=FAST,
        transport=httpx.MockTransport(handler),
    ) as http:
        with pytest.raises(CredentialsError) as info:
            await http.get("/v2/jobs")
        with pytest.raises(CredentialsError):
            await http.post_json("/v2/jobs", {})
    assert seen == [] and supplied == []
    msg = str(info.value)
    assert "only sent over https" in msg and "loopback" in msg and "SURVEYCODER_BASE_URL" in msg


async def test_absolute_url_to_another_origin_is_refused(upstream: Upstream) -> None:
    async with open_http(upstream) as http:
        with pytest.raises(InvalidInput, match="Refusing to send"):
            await http.get("https://evil.example.com/steal")
    assert upstream.calls == []


# ---------------------------------------------------------------------------------------------------
# the canary: the key never appears in errors or logs
# ---------------------------------------------------------------------------------------------------


async def test_key_never_in_errors_or_logs(upstream: Upstream, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"code": "INVALID_API_KEY", "message": f"key {KEY} is not valid"}
    upstream.script("/v2/jobs/p", status(403, echo))
    upstream.script(
        "/v2/jobs/q", status(500, {"error": {"code": "INTERNAL_ERROR", "message": f"boom {KEY}"}})
    )
    upstream.script("/v2/jobs/r", invalid_json())
    upstream.script("/v2/jobs/s", drop())
    messages: list[str] = []
    async with open_http(upstream) as http:
        for path in ("/v2/jobs/p", "/v2/jobs/q", "/v2/jobs/r", "/v2/jobs/s"):
            with pytest.raises((CredentialsError, UpstreamError)) as info:
                await http.get(path)
            messages += [str(info.value), repr(info.value), repr(info.value.args)]
        messages.append(repr(http))
    assert any("[redacted]" in m for m in messages)  # upstream echoes were scrubbed, not dropped
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "giving up" in logged and "retrying" in logged
    for text in [*messages, logged]:
        assert KEY not in text
        assert KEY[9:-2] not in text


# ---------------------------------------------------------------------------------------------------
# Retry-After parsing
# ---------------------------------------------------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), now) == 7.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=7), usegmt=True), now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("nan") is None


# ---------------------------------------------------------------------------------------------------
# against the shared sandbox emulator (provider-shaped bodies, its own fault injection)
# ---------------------------------------------------------------------------------------------------


async def test_sandbox_faults_are_retried_by_the_http_layer(sandbox: Any, sandbox_server: Any) -> None:
    from survey_jobs_mcp.server.providers.surveycoder.client import SurveyCoderClient
    from survey_jobs_mcp.server.sandbox import Fault

    sandbox.faults.add("surveycoder.jobs.list", Fault.status(503), calls={1, 2})
    async with open_provider_http(
        "surveycoder",
        sandbox_server.surveycoder_url,
        key_supplier=lambda: sandbox.keys.surveycoder,
        settings=FAST,
    ) as http:
        jobs = await SurveyCoderClient(http).list_jobs()
    assert jobs and sandbox.faults.calls("surveycoder.jobs.list") == 3


async def test_sandbox_rejects_a_wrong_key_in_its_own_shape(sandbox: Any, sandbox_server: Any) -> None:
    wrong = "ac-CANARY-wrong-000000000000000000"
    async with open_provider_http(
        "aftercare", sandbox_server.aftercare_url, key_supplier=lambda: wrong, settings=FAST
    ) as http:
        with pytest.raises(CredentialsError) as info:
            await http.get(f"/api/v1/coding/{uuid.uuid4()}")
    msg = str(info.value)
    assert "Aftercare rejected the API key" in msg and "HTTP 403" in msg and wrong not in msg


async def test_a_read_response_is_freed_at_once_not_left_to_the_cyclic_collector(upstream: Upstream) -> None:
    """httpx's bound stream refers back to its response; a read page must not wait for a collection
    (with the server's tuned collector, a 100k read held ~14 MB of bodies that way)."""
    upstream.script("/v2/jobs/g", ok({"data": [1]}))
    seen: list[weakref.ref] = []

    async def watch(response: httpx.Response) -> None:
        seen.append(weakref.ref(response))

    async with open_http(upstream) as http:
        http.client.event_hooks["response"].append(watch)
        gc.disable()
        try:
            reply = await http.get("/v2/jobs/g")
            assert [ref() is None for ref in seen] == [True]
        finally:
            gc.enable()
    assert reply.body == {"data": [1]}
