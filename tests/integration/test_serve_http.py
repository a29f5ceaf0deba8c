"""streamable-http: bearer tokens on every request, Host/Origin checks on every bind, refusal to start.

The real app (``build_http_app`` around ``build_server`` on the sandbox) is served by uvicorn on
loopback and reached by a real HTTP client (httpx) and by the MCP client over HTTP.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import httpx2
import mcp
import pytest
from mcp.client.streamable_http import streamable_http_client

from survey_jobs_mcp.server import cli
from survey_jobs_mcp.server.auth_cli import auth_http_token
from survey_jobs_mcp.server.credentials import KEYRING_SERVICE
from survey_jobs_mcp.server.http_tokens import (
    KEYRING_USER,
    StaticTokenVerifier,
    load_http_tokens,
)
from survey_jobs_mcp.server.serve_http import build_http_app, http_tokens_for, transport_security
from survey_jobs_mcp.tools.errors import CredentialsError
from tests.asgi_support import serve_asgi
from tests.keyrings import MemoryKeyring
from tests.mcp_support import Harness
from tests.protocol_support import INITIALIZE, TOOL_NAMES

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

TOKEN = "tok-A-0123456789abcdefghijklmnop"
OTHER = "tok-B-zyxwvutsrqponmlkjihgfedcba"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@contextmanager
def served(h: Harness, **kw: Any) -> Iterator[str]:
    kw.setdefault("tokens", (TOKEN, OTHER))
    app = build_http_app(h.server(), **kw)
    with serve_asgi(app, lifespan="on") as url:
        yield url


def post(url: str, body: dict[str, Any] = INITIALIZE, **headers: str | bytes) -> httpx.Response:
    return httpx.post(f"{url}/mcp", json=body, headers={**MCP_HEADERS, **headers}, timeout=30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def mcp_over_http(
    url: str, headers: dict[str, str], statuses: list[int] | None = None
) -> AsyncIterator[mcp.Client]:
    """The MCP client over streamable HTTP with ``headers`` on every request (an httpx2 client)."""

    async def record(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    hooks = {"response": [record]}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30, event_hooks=hooks) as http,
        mcp.Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


# ---------------------------------------------------------------------------------------------------
# the token gate
# ---------------------------------------------------------------------------------------------------


def test_no_token_wrong_token_right_token(h: Harness) -> None:
    with served(h) as url:
        for headers in ({}, bearer("tok-A-wrong-token-000000000000"), {"Authorization": f"Basic {TOKEN}"}):
            r = post(url, **headers)
            assert r.status_code == 401, headers
            assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
            assert r.json() == {"error": "invalid_token", "error_description": "Authentication required"}
        latin = "Bearer tok-A-0123456789abcdefghijklmnoé".encode("latin-1")
        assert post(url, Authorization=latin).status_code == 401  # a non-ASCII token, compared as bytes
        assert httpx.get(f"{url}/anything-else", timeout=10).status_code == 401  # every path
        for token in (TOKEN, OTHER):
            ok = post(url, **bearer(token))
            assert ok.status_code == 200 and ok.headers["mcp-session-id"]
            assert '"serverInfo"' in ok.text


def test_foreign_host_and_origin_are_refused_even_with_a_token(h: Harness) -> None:
    with served(h) as url:
        port = url.rsplit(":", 1)[1]
        assert post(url, **bearer(TOKEN), Host="evil.example").status_code == 421
        assert post(url, **bearer(TOKEN), Host=f"evil.example:{port}").status_code == 421
        assert post(url, **bearer(TOKEN), Origin="http://evil.example").status_code == 403
        assert post(url, **bearer(TOKEN), Origin=f"http://localhost:{port}").status_code == 200
        assert post(url, **bearer(TOKEN), Host=f"localhost:{port}").status_code == 200


def test_wildcard_bind_keeps_host_checks_and_allowed_host_extends_them(h: Harness) -> None:
    with served(h, bind_host="0.0.0.0", allowed_hosts=["MCP.example.com", "10.1.2.3:8443"]) as url:
        port = url.rsplit(":", 1)[1]
        assert post(url, **bearer(TOKEN), Host="evil.example").status_code == 421
        assert post(url, **bearer(TOKEN), Host="0.0.0.0").status_code == 421
        assert post(url, **bearer(TOKEN), Host="mcp.example.com").status_code == 200
        assert post(url, **bearer(TOKEN), Host=f"mcp.example.com:{port}").status_code == 200
        assert post(url, **bearer(TOKEN), Host="10.1.2.3:8443").status_code == 200
        assert post(url, **bearer(TOKEN), Host="10.1.2.3:9999").status_code == 421
        assert post(url, **bearer(TOKEN), Origin="https://mcp.example.com").status_code == 200
        assert post(url, **bearer(TOKEN), Origin="https://evil.example").status_code == 403
        assert post(url, Host="mcp.example.com").status_code == 401  # the token is still required


def test_transport_security_lists() -> None:
    sec = transport_security("10.0.0.5", ["[::1]:9000", "https://mcp.example.com/mcp"])
    assert sec.enable_dns_rebinding_protection
    assert "10.0.0.5:*" in sec.allowed_hosts and "mcp.example.com" in sec.allowed_hosts
    assert "[::1]:9000" in sec.allowed_hosts and "https://mcp.example.com:*" in sec.allowed_origins
    assert "0.0.0.0:*" not in transport_security("0.0.0.0").allowed_hosts


def test_a_session_is_bound_to_the_token_that_opened_it(h: Harness) -> None:
    with served(h) as url:
        session = post(url, **bearer(TOKEN)).headers["mcp-session-id"]
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        extra = {"mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
        assert post(url, listing, **bearer(OTHER), **extra).status_code == 404
        assert post(url, listing, **bearer(TOKEN), **extra).status_code in (200, 202)


async def test_mcp_client_over_http_needs_the_header(h: Harness) -> None:
    with served(h) as url:
        async with mcp_over_http(url, bearer(TOKEN)) as client:
            assert {t.name for t in (await client.list_tools()).tools} == set(TOOL_NAMES)
            listed = await client.call_tool("list_jobs", {"provider": "surveycoder"})
            assert not listed.is_error and listed.structured_content["total"] >= 5
        statuses: list[int] = []
        with pytest.raises(BaseException, match=r"TaskGroup|error response"):
            async with mcp_over_http(url, bearer("tok-A-wrong-token-000000000000"), statuses) as client:
                await client.list_tools()
        assert statuses and set(statuses) == {401}


async def test_stateless_mode_keeps_no_session(h: Harness) -> None:
    with served(h, stateless=True) as url:
        assert "mcp-session-id" not in post(url, **bearer(TOKEN)).headers
        for _ in range(2):
            async with mcp_over_http(url, bearer(OTHER)) as client:
                result = await client.call_tool("list_jobs", {"limit": 3})
                assert not result.is_error and len(result.structured_content["jobs"]) == 3
        assert post(url).status_code == 401


# ---------------------------------------------------------------------------------------------------
# tokens: environment, keyring, verifier
# ---------------------------------------------------------------------------------------------------


def test_tokens_from_env_and_keyring(mem_keyring: MemoryKeyring) -> None:
    mem_keyring.set_password(KEYRING_SERVICE, KEYRING_USER, f"{OTHER}\n{TOKEN}\n")
    loaded = load_http_tokens({"SURVEY_JOBS_HTTP_TOKENS": f" {TOKEN} ,, tok-C-0123456789abcdef "})
    assert loaded.tokens == (TOKEN, "tok-C-0123456789abcdef", OTHER)
    assert loaded.source == "2 from SURVEY_JOBS_HTTP_TOKENS, 2 from the system keyring"
    assert TOKEN not in repr(loaded)


@pytest.mark.parametrize("bad", ["short-token", "tok-with\x01control-0123456789", "tok-é-0123456789abcdef"])
def test_unusable_tokens_are_refused_without_echoing_them(no_keyring: None, bad: str) -> None:
    with pytest.raises(CredentialsError) as info:
        load_http_tokens({"SURVEY_JOBS_HTTP_TOKENS": f"{TOKEN},{bad}"})
    assert "HTTP token 2 in SURVEY_JOBS_HTTP_TOKENS is not usable" in str(info.value)
    assert bad not in str(info.value) and TOKEN not in str(info.value)


async def test_verifier_accepts_each_token_as_its_own_principal() -> None:
    verifier = StaticTokenVerifier([TOKEN, OTHER])
    a, b = await verifier.verify_token(TOKEN), await verifier.verify_token(OTHER)
    assert a is not None and b is not None
    assert (a.client_id, b.client_id) == ("http-token-1", "http-token-2")
    assert TOKEN not in a.model_dump_json()  # the SDK's AccessToken holds a fingerprint, not the token
    for wrong in ("", TOKEN[:-1], TOKEN + "x", "ñ" * 30, TOKEN.upper()):
        assert await verifier.verify_token(wrong) is None


def test_auth_http_token_stores_and_prints_once(mem_keyring: MemoryKeyring) -> None:
    printed = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        assert auth_http_token(out=out, err=err) == 0
        token = out.getvalue().strip()
        assert len(token) == 43 and out.getvalue() == token + "\n"
        assert "Stored a new HTTP bearer token" in err.getvalue() and token not in err.getvalue()
        printed.append(token)
    assert mem_keyring.store[(KEYRING_SERVICE, KEYRING_USER)].split("\n") == printed
    assert load_http_tokens({}).tokens == tuple(printed)


def test_auth_http_token_without_keyring_says_to_use_the_env(no_keyring: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert auth_http_token(out=out, err=err) == 0
    token = out.getvalue().strip()
    assert len(token) == 43
    assert "NOT stored" in err.getvalue() and "SURVEY_JOBS_HTTP_TOKENS=<token>" in err.getvalue()
    assert token not in err.getvalue()


# ---------------------------------------------------------------------------------------------------
# start-up: refusal, one-time token, argument checks
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3"])
def test_non_loopback_bind_without_a_token_refuses_to_start(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    monkeypatch.delenv("SURVEY_JOBS_HTTP_TOKENS", raising=False)
    code = cli.main(["serve", "--transport", "streamable-http", "--host", host, "--port", "1"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith(f"error: refusing to serve MCP over HTTP on {host} without a bearer token")
    assert "survey-jobs-mcp auth http-token" in captured.err and "SURVEY_JOBS_HTTP_TOKENS" in captured.err


def test_malformed_env_tokens_refuse_to_start(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SURVEY_JOBS_HTTP_TOKENS", "short")
    assert cli.main(["serve", "--transport", "streamable-http", "--port", "1"]) == 2
    assert "HTTP token 1 in SURVEY_JOBS_HTTP_TOKENS is not usable" in capsys.readouterr().err


def test_loopback_bind_without_a_token_gets_a_one_time_token(no_keyring: None) -> None:
    err = io.StringIO()
    tokens = http_tokens_for("127.0.0.1", {}, err)
    (token,) = tokens.tokens
    assert f"send `Authorization: Bearer {token}`" in err.getvalue()
    assert tokens.source == "a one-time token for this run"
    assert http_tokens_for("localhost", {"SURVEY_JOBS_HTTP_TOKENS": TOKEN}, err).tokens == (TOKEN,)


@pytest.mark.parametrize("bad", ["a b", "evil example", "*.example.com", "", "host:port"])
def test_allowed_host_must_be_a_host_name(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "--transport", "streamable-http", "--allowed-host", bad])
    assert info.value.code == 2 and "is not a host name" in capsys.readouterr().err
