"""``serve --transport streamable-http``: the MCP app behind a bearer-token gate, on uvicorn.

Three layers, all on every request:

1. **Bearer token** (``BearerGate``): the SDK's ``BearerAuthBackend`` + ``RequireAuthMiddleware``
   around the whole app, fed by our ``StaticTokenVerifier``. Not the SDK's ``AuthSettings`` route:
   that requires an OAuth ``issuer_url`` (we have no authorization server, and a made-up one would
   be a lie to clients) and is fixed at ``MCPServer`` construction. The pieces used are the same the
   SDK would install, so a session stays bound to the token that opened it. A missing or wrong
   token gets ``401`` with ``WWW-Authenticate: Bearer error="invalid_token"``.
2. **Host/Origin checks** (the SDK's ``TransportSecuritySettings``, DNS-rebinding protection), on
   for every bind address. The SDK turns them on only for a loopback ``host`` and silently drops
   them for ``0.0.0.0``; here the allowed names are the loopback names, the bind address itself
   when it is a specific one, and each ``--allowed-host``.
3. **Refusal to start** a non-loopback bind without any configured token (exit code 2). On a
   loopback bind without a configured token, a one-time token is generated for this run and shown
   once on stderr, so the port is never open to other local users.

``--stateless`` is the SDK's stateless mode: no session state, so replicas behind a load balancer
can each answer any request. Ctrl-C stops uvicorn gracefully and exits 0 without a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.transport_security import TransportSecuritySettings
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from survey_jobs_mcp.tools.errors import CredentialsError

from .http_destination import is_loopback_host
from .http_tokens import TOKENS_ENV, HttpTokens, StaticTokenVerifier, load_http_tokens, new_token
from .redact import register_secret

logger = logging.getLogger("survey_jobs_mcp.serve_http")

MCP_PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_BINDS = ("0.0.0.0", "::", "")
EXIT_REFUSED = 2
_HOST_RE = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?")


class StartRefused(Exception):
    """The server must not start (the message says why and what to do)."""


# ---------------------------------------------------------------------------------------------------
# Host / Origin
# ---------------------------------------------------------------------------------------------------


def normalize_allowed_host(value: str) -> str:
    """``HOST`` or ``HOST:PORT`` as it appears in a Host header (IPv6 in brackets), lower-cased.

    Raises ``ValueError`` with a usage message for anything else (a scheme or path is dropped first,
    so a pasted URL works).
    """
    text = value.strip().lower()
    text = text.split("://", 1)[1] if "://" in text else text
    text = text.split("/", 1)[0]
    if text.count(":") > 1 and not text.startswith("["):
        text = f"[{text}]"
    if not _HOST_RE.fullmatch(text):
        raise ValueError(f"{value!r} is not a host name: use e.g. mcp.example.com or mcp.example.com:8443")
    return text


def _patterns(host: str) -> tuple[list[str], list[str]]:
    has_port = bool(re.search(r":\d+$", host)) and not host.endswith("]")
    hosts = [host] if has_port else [host, f"{host}:*"]
    origins = [f"{scheme}://{h}" for scheme in ("http", "https") for h in hosts]
    return hosts, origins


def transport_security(bind_host: str, allowed_hosts: Sequence[str] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection on, for the loopback names, a specific bind address and ``allowed_hosts``."""
    names = list(LOOPBACK_NAMES)
    if bind_host not in WILDCARD_BINDS:
        names.append(normalize_allowed_host(bind_host))
    names += [normalize_allowed_host(h) for h in allowed_hosts]
    hosts: list[str] = []
    origins: list[str] = []
    for name in dict.fromkeys(names):
        h, o = _patterns(name)
        hosts += h
        origins += o
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


# ---------------------------------------------------------------------------------------------------
# the token gate
# ---------------------------------------------------------------------------------------------------


class BearerGate:
    """Every HTTP request needs a valid bearer token; lifespan events pass straight through."""

    def __init__(self, app: ASGIApp, verifier: StaticTokenVerifier) -> None:
        self.app = app
        self._gated = AuthenticationMiddleware(
            RequireAuthMiddleware(app, required_scopes=[]), backend=BearerAuthBackend(verifier)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._gated(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.app(scope, receive, send)
        else:  # websockets are not part of MCP's HTTP transport
            await send({"type": "websocket.close", "code": 1008})


def build_http_app(
    server: Any,
    *,
    tokens: Sequence[str],
    bind_host: str = "127.0.0.1",
    allowed_hosts: Sequence[str] = (),
    stateless: bool = False,
) -> ASGIApp:
    """The MCP server's streamable-http app, Host/Origin-checked and behind the token gate."""
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=stateless,
        transport_security=transport_security(bind_host, allowed_hosts),
        host=bind_host,
    )
    return BearerGate(app, StaticTokenVerifier(tokens))


# ---------------------------------------------------------------------------------------------------
# start-up decision and run
# ---------------------------------------------------------------------------------------------------


def http_tokens_for(
    bind_host: str, env: Mapping[str, str] | None = None, err: TextIO | None = None
) -> HttpTokens:
    """The tokens to accept, or ``StartRefused``; a loopback bind without any gets a one-time token."""
    err = err or sys.stderr
    try:
        configured = load_http_tokens(env)
    except CredentialsError as exc:
        raise StartRefused(str(exc)) from None
    if configured.tokens:
        return configured
    keyring_note = f" ({configured.keyring_note})" if configured.keyring_note else ""
    if not is_loopback_host(bind_host):
        raise StartRefused(
            f"refusing to serve MCP over HTTP on {bind_host or 'all interfaces'} without a bearer token: "
            "anyone who can reach the port could read results fetched with your API keys. Create a token "
            f"with `survey-jobs-mcp auth http-token`, or set {TOKENS_ENV}{keyring_note}, then start again."
        )
    token = new_token()
    register_secret(token)  # shown once here, on purpose; scrubbed from everything else
    print(
        f"No HTTP bearer token is configured{keyring_note}. This run accepts only this one-time token "
        f"(send `Authorization: Bearer {token}`). For a lasting one run `survey-jobs-mcp auth http-token` "
        f"or set {TOKENS_ENV}.",
        file=err,
        flush=True,
    )
    return HttpTokens((token,), "a one-time token for this run")


def run_http(app: ASGIApp, *, host: str, port: int) -> int:
    """Serve ``app`` with uvicorn until Ctrl-C / SIGTERM; a clean stop exits 0 without a traceback."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # uvicorn logs through our (scrubbing) root handler
        log_level=logging.getLogger().getEffectiveLevel(),
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the captured SIGINT.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(uvicorn.Server(config).serve())
    logger.warning("HTTP server on %s:%d stopped", host, port)
    return 0
