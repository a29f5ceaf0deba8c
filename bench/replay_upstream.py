"""Replay upstream: serve the sandbox's 100k coding pages from memory, byte for byte (not a benchmark).

Why: the sandbox renders and ``json.dumps`` every page per request (0.4-0.7 s of CPU for a 100k
job). A baseline loop against it mostly measures the sandbox, which flatters anything compared
with it. This server does no JSON work per request: it captures the exact bytes the sandbox sends
for the BENCH-SCALE coding job once, plain and gzipped, and answers each GET with a dict lookup
and one ``transport.write``. Run it in its own process (``python bench/replay_upstream.py``) so it
shares neither the GIL nor memory with what is measured.

- **Capture.** A ``Sandbox(scale, page_size)`` is served by ``SandboxServer`` and read over real
  HTTP: every page with ``Accept-Encoding: identity`` (plain bytes) and with ``gzip`` (the wire
  bytes of its ``GZipMiddleware``). The sandbox is then dropped.
- **Several jobs.** Job ``k > 0`` is job 0 with another job id: the id and each page's cursor are
  substituted (the cursor re-encoded with the sandbox's own ``encode_cursor``, so it stays a valid
  cursor of that job). Same data, different ids: a reader cannot share work between them.
- **Gzip.** Each job's pages are compressed once, the way the sandbox's middleware does
  (``zlib.compressobj(level, DEFLATED, 16 + MAX_WBITS)``); for job 0 this is checked equal to the
  captured sandbox bytes. Two listeners: one answers ``gzip`` when the request accepts it, the
  other always sends identity bodies.
- **HTTP.** Minimal HTTP/1.1 with keep-alive, ``TCP_NODELAY``, the key checked (403 otherwise),
  ``X-Request-Id`` echoed, 404 in Aftercare's shape for unknown paths. ``GET /_replay/stats``
  returns request counts. Enough for ``httpx``; nothing else is promised.

Protocol with the parent: one JSON line on stdout (URLs, key, job ids, each job's page targets,
byte counts), then serve until stdin closes, then one JSON line with the process's own CPU seconds
and ``VmHWM``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import vm_status_mb

SCALE = 100_000
PAGE_SIZE = 1000
SEED = 7
START = datetime(2026, 11, 23, 12, tzinfo=UTC)


@dataclass(slots=True)
class Page:
    plain: bytes
    gz: bytes


@dataclass
class Replay:
    key: str
    jobs: list[str]
    targets: dict[str, list[str]]
    """Each job's page request targets, in order (path and query, as ``httpx`` sends them)."""
    pages: dict[bytes, Page]
    gzip_level: int
    small: str = ""
    """A one-page job: a client reads it once before a timed read (tools/list, schema compile)."""
    counts: dict[str, int] = field(default_factory=lambda: {"gzip": 0, "plain": 0, "other": 0})


def _compress(body: bytes, level: int) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return c.compress(body) + c.flush()


def _get_all(base: str, key: str, targets: list[str], encoding: str) -> list[bytes]:
    """Wire bytes of each target (not decoded), one keep-alive connection."""
    import httpx

    out = []
    with httpx.Client(base_url=base, headers={"X-Aftercare-Key": key}, timeout=120) as client:
        for target in targets:
            request = client.build_request("GET", target, headers={"Accept-Encoding": encoding})
            response = client.send(request, stream=True)
            response.raise_for_status()
            out.append(b"".join(response.iter_raw()))
            response.close()
    return out


def capture(n_jobs: int, scale: int = SCALE, page_size: int = PAGE_SIZE) -> Replay:
    """Read the sandbox's BENCH-SCALE coding job over HTTP and build ``n_jobs`` replayable jobs."""
    from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer, app
    from survey_jobs_mcp.server.sandbox.paging import decode_cursor, encode_cursor

    # A sandbox from before gzip (to measure an older product on the same replay): level 6 as now.
    gzip_level: int = getattr(app, "GZIP_LEVEL", 6)
    AFTERCARE_PREFIX = app.AFTERCARE_PREFIX

    sb = Sandbox(seed=SEED, scale=scale, page_size=page_size, start=START)
    row = next(r for r in sb.jobs() if r["survey"] == "BENCH-SCALE" and r["kind"] == "coding")
    job0: str = row["id"]
    sb.store.jobs[job0].data()
    secret, key = sb.cursor_secret, sb.keys.aftercare
    path0 = f"{AFTERCARE_PREFIX}/api/v1/coding/{job0}"
    with SandboxServer(sb) as srv:
        # Walk the cursors once (plain), then fetch the same targets gzipped.
        targets0, plain0 = [path0], []
        import httpx

        with httpx.Client(base_url=srv.base_url, headers={"X-Aftercare-Key": key}, timeout=120) as c:
            while True:
                r = c.get(targets0[-1], headers={"Accept-Encoding": "identity"})
                r.raise_for_status()
                plain0.append(r.content)
                cursor = json.loads(r.content)["results"]["nextCursor"]
                if not cursor:
                    break
                targets0.append(f"{path0}?cursor={cursor}")
        gz0 = _get_all(srv.base_url, key, targets0, "gzip")
    del sb
    cursors0 = [t.partition("?cursor=")[2] for t in targets0[1:]]
    offsets = [decode_cursor(secret, job0, c) for c in cursors0]
    assert all(o is not None for o in offsets), "captured cursors must decode"

    replay = Replay(key=key, jobs=[], targets={}, pages={}, gzip_level=gzip_level)
    for k in range(n_jobs):
        job = job0 if k == 0 else str(uuid.UUID(int=(0x5EED << 96) + k, version=4))
        subs = [(job0.encode(), job.encode())]
        subs += [
            (c.encode(), encode_cursor(secret, job, o).encode())
            for c, o in zip(cursors0, offsets, strict=True)
        ]
        path = f"{AFTERCARE_PREFIX}/api/v1/coding/{job}"
        targets = [path] + [f"{path}?cursor={encode_cursor(secret, job, o)}" for o in offsets]
        for i, (target, body) in enumerate(zip(targets, plain0, strict=True)):
            if k:
                for old, new in subs:
                    body = body.replace(old, new)
                assert len(body) == len(plain0[i])
            gz = _compress(body, gzip_level)
            if k == 0 and gz0[i] != plain0[i]:
                assert gz == gz0[i], "the sandbox's gzip bytes must be reproducible"
                assert zlib.decompress(gz0[i], 16 + zlib.MAX_WBITS) == body
            replay.pages[target.encode()] = Page(body, gz)
        replay.jobs.append(job)
        replay.targets[job] = targets
    # A one-page job (job 0's first page, nextCursor null) for warming a client up before timing.
    small = str(uuid.UUID(int=(0x5EED << 96) + 0xFFFF, version=4))
    body = plain0[0].replace(job0.encode(), small.encode())
    body = body.replace(f'"nextCursor":"{cursors0[0]}"'.encode(), b'"nextCursor":null')
    assert json.loads(body)["results"]["nextCursor"] is None
    target = f"{AFTERCARE_PREFIX}/api/v1/coding/{small}"
    replay.pages[target.encode()] = Page(body, _compress(body, gzip_level))
    replay.small = small
    return replay


# ---- the server --------------------------------------------------------------------------------


class _Conn(asyncio.Protocol):
    def __init__(self, replay: Replay, gzip_ok: bool) -> None:
        self.replay = replay
        self.gzip_ok = gzip_ok
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            self._answer(head)

    def _answer(self, head: bytes) -> None:
        assert self.transport is not None
        lines = head.split(b"\r\n")
        method, target, _ = lines[0].split(b" ", 2)
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        extra = b""
        if rid := headers.get(b"x-request-id"):
            extra = b"x-request-id: " + rid + b"\r\n"
        page = self.replay.pages.get(target) if method == b"GET" else None
        if target == b"/_replay/stats":
            status, body = b"200 OK", json.dumps(self.replay.counts).encode()
        elif page is None:
            self.replay.counts["other"] += 1
            status, body = b"404 Not Found", b'{"code":"NOT_FOUND","message":"Batch job not found"}'
        elif headers.get(b"x-aftercare-key") != self.replay.key.encode():
            status = b"403 Forbidden"
            body = b'{"code":"INVALID_API_KEY","message":"Invalid or missing API key"}'
        elif self.gzip_ok and b"gzip" in headers.get(b"accept-encoding", b""):
            self.replay.counts["gzip"] += 1
            status, body = b"200 OK", page.gz
            extra += b"content-encoding: gzip\r\nvary: Accept-Encoding\r\n"
        else:
            self.replay.counts["plain"] += 1
            status, body = b"200 OK", page.plain
        self.transport.write(
            b"HTTP/1.1 "
            + status
            + b"\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\n"
            + extra
            + b"\r\n"
        )
        self.transport.write(body)
        if headers.get(b"connection", b"").lower() == b"close":
            self.transport.close()


def _bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def serve(replay: Replay) -> tuple[str, str, threading.Event]:
    """Start both listeners in a thread; (gzip URL, plain URL, stop event)."""
    gz_sock, plain_sock = _bind(), _bind()
    stop = threading.Event()
    started = threading.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers = [
            await loop.create_server(lambda: _Conn(replay, True), sock=gz_sock),
            await loop.create_server(lambda: _Conn(replay, False), sock=plain_sock),
        ]
        started.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for s in servers:
            s.close()

    threading.Thread(target=lambda: asyncio.run(main()), name="replay", daemon=True).start()
    started.wait(10)
    return (
        f"http://127.0.0.1:{gz_sock.getsockname()[1]}",
        f"http://127.0.0.1:{plain_sock.getsockname()[1]}",
        stop,
    )


def main() -> int:
    n_jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    replay = capture(n_jobs)
    gz_url, plain_url, stop = serve(replay)
    cpu0 = time.process_time()
    first = replay.targets[replay.jobs[0]]
    info: dict[str, Any] = {
        "gzip_url": gz_url,
        "plain_url": plain_url,
        "key": replay.key,
        "jobs": replay.jobs,
        "small": replay.small,
        "targets": replay.targets,
        "pages": len(first),
        "plain_bytes": sum(len(replay.pages[t.encode()].plain) for t in first),
        "gzip_bytes": sum(len(replay.pages[t.encode()].gz) for t in first),
        "gzip_level": replay.gzip_level,
        "replay_hwm_mb": vm_status_mb("VmHWM"),
    }
    print(json.dumps(info), flush=True)
    sys.stdin.read()  # the parent closes stdin to stop us
    stop.set()
    print(json.dumps({"cpu_s": time.process_time() - cpu0, "counts": replay.counts}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
