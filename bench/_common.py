"""Shared helpers for the benchmarks (not a benchmark itself)."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def cli_logging() -> None:
    """Configure logging the way ``survey-jobs-mcp`` does (stderr, WARNING) before ``build_server``.

    ``MCPServer()`` calls ``logging.basicConfig(level=INFO)`` with a rich handler, which is a no-op
    under the CLI (it configured logging first) but, in-process, would print every httpx request
    through rich and put that cost into the timings.
    """
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def set_nodelay(server: object, on: bool = True) -> None:
    """Set TCP_NODELAY on a running ``SandboxServer``'s listening socket (accepted sockets inherit it).

    ``SandboxServer`` binds ``socket.socket(AF_INET, SOCK_STREAM)`` (proto 0), so asyncio's
    ``_set_nodelay`` (which requires proto == IPPROTO_TCP) never sets TCP_NODELAY on the accepted
    connections. uvicorn writes headers and body separately, so every response on a kept-alive
    connection then waits for the client's delayed ACK: ~44 ms per request on loopback instead of
    <1 ms. A real upstream does not behave like that, so the benchmarks switch it on (connections
    opened afterwards are affected). Product fix: create the socket with ``socket.IPPROTO_TCP`` or
    set TCP_NODELAY in ``server/sandbox/serve.py``.
    """
    sock = getattr(server, "_sock", None)
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if on else 0)
