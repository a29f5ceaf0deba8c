"""Serve any ASGI app over real HTTP on 127.0.0.1 (ephemeral port, uvicorn in a background thread)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def wait_until(check: Callable[[], bool], what: str, *, tries: int = 1500, pause: float = 0.01) -> None:
    """Poll ``check`` up to ``tries`` times, ``pause`` apart; fail naming ``what`` when it never holds.

    A bound against hanging (by a count, never a clock reading), not a speed assertion: what the
    tests wait for (a server thread, a subprocess, background pages) normally comes at once."""
    for _ in range(tries):
        if check():
            return
        time.sleep(pause)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def serve_asgi(app: Any, *, lifespan: str = "off", host: str = "127.0.0.1") -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT``) while ``app`` is served; stop it afterwards."""
    # IPPROTO_TCP explicitly so asyncio sets TCP_NODELAY (no delayed-ACK stalls on kept-alive sockets).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    config = uvicorn.Config(
        app, log_level="critical", lifespan=lifespan, access_log=False, timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), "the test server to start")
    assert server.started, "the test server's thread ended before it started serving"
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
