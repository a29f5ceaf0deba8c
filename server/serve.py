"""``serve``: run the MCP server on stdio (default) or streamable HTTP, optionally on the sandbox."""

from __future__ import annotations

import logging
from contextlib import ExitStack

from .app import build_server
from .settings import Settings

logger = logging.getLogger("survey_jobs_mcp.serve")


def serve(*, transport: str, host: str, port: int, sandbox: bool) -> int:
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
        server = build_server(settings, env=env)
        if transport == "stdio":
            server.run("stdio")
        else:
            server.run("streamable-http", host=host, port=port)
    return 0
