"""``serve``: run the MCP server on stdio (default) or streamable HTTP, optionally on the sandbox."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack

from .app import build_server
from .settings import Settings

logger = logging.getLogger("survey_jobs_mcp.serve")


def serve(
    *,
    transport: str,
    host: str,
    port: int,
    sandbox: bool,
    allowed_hosts: Sequence[str] = (),
    stateless: bool = False,
) -> int:
    tokens = None
    if transport != "stdio":
        from .serve_http import EXIT_REFUSED, StartRefused, http_tokens_for

        try:  # decided before anything starts: a refused start opens no port and no sandbox
            tokens = http_tokens_for(host)
        except StartRefused as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REFUSED
    with ExitStack() as stack:
        env = None
        settings = Settings.from_env()
        if sandbox:
            from .embedded import embedded_sandbox

            embedded = stack.enter_context(embedded_sandbox())
            settings, env = embedded.settings, embedded.env
            logger.warning(
                "serving on the embedded sandbox (Aftercare %s, SurveyCoder %s); no real data",
                embedded.server.aftercare_url,
                embedded.server.surveycoder_url,
            )
        # stdio: flush queued store writes on SIGTERM (uvicorn handles signals for HTTP itself)
        server = build_server(settings, env=env, handle_signals=tokens is None)
        if tokens is None:
            server.run("stdio")
            return 0
        from .serve_http import MCP_PATH, build_http_app, run_http

        app = build_http_app(
            server, tokens=tokens.tokens, bind_host=host, allowed_hosts=allowed_hosts, stateless=stateless
        )
        logger.warning(
            "serving MCP on http://%s:%d%s (%s; bearer token required: %s)",
            host if ":" not in host else f"[{host}]",
            port,
            MCP_PATH,
            "stateless" if stateless else "sessions",
            tokens.source,
        )
        return run_http(app, host=host, port=port)
