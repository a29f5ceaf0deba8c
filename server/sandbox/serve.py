"""``SandboxServer``: run a ``Sandbox`` with uvicorn on loopback in a background thread.

The socket is bound before the thread starts, so ``port=0`` yields a known ephemeral port and the
context manager returns only once the server accepts connections.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import AFTERCARE_PREFIX, SURVEYCODER_PREFIX, Sandbox


class SandboxServer:
    """Context manager: ``with SandboxServer(sb) as srv: srv.aftercare_url``."""

    def __init__(
        self, sandbox: Sandbox, port: int = 0, host: str = "127.0.0.1", log_level: str = "error"
    ) -> None:
        self.sandbox = sandbox
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def aftercare_url(self) -> str:
        return self.base_url + AFTERCARE_PREFIX

    @property
    def surveycoder_url(self) -> str:
        return self.base_url + SURVEYCODER_PREFIX

    def start(self) -> SandboxServer:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says
        # TCP, and without it every response on a kept-alive connection waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.sandbox.app,
            log_level=self._log_level,
            lifespan="off",
            access_log=False,
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name=f"sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("sandbox server failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()

    def serve_forever(self) -> None:
        """Block until the server exits (Ctrl-C in the CLI)."""
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
