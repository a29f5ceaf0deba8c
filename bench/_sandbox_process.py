"""The scale sandbox in its own process (not a benchmark): used by ``export_100k.py`` and ``reader_100k.py``.

``coding_100k.py`` measures against ``replay_upstream.py`` instead (no JSON work per request); the
export benchmark is dominated by writing the workbook, so the real sandbox is the simpler upstream.
Run as ``python bench/_sandbox_process.py [--page-size N]``: it builds
``Sandbox(scale=100_000, page_size=N)`` (default 1000), serves it, prints one JSON line, and exits
when stdin closes. In its own process so the server under test does not share a GIL with it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import JsonChild, vm_status_mb

SCALE = 100_000
PAGE_SIZE = 1000


def serve_sandbox(page_size: int = PAGE_SIZE) -> int:
    """Child mode: build the scale sandbox, serve it, print one JSON line, exit when stdin closes."""
    from datetime import UTC, datetime

    from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer

    sb = Sandbox(seed=7, scale=SCALE, page_size=page_size, start=datetime(2026, 11, 23, 12, tzinfo=UTC))
    job = next(r for r in sb.jobs() if r["survey"] == "BENCH-SCALE" and r["kind"] == "coding")
    sb.store.jobs[job["id"]].data()  # build the payload now, not inside a timed request
    with SandboxServer(sb) as srv:
        info = {
            "base_url": srv.base_url,
            "aftercare_url": srv.aftercare_url,
            "surveycoder_url": srv.surveycoder_url,
            "aftercare_key": sb.keys.aftercare,
            "surveycoder_key": sb.keys.surveycoder,
            "job_id": job["id"],
            "responses": job["responses"],
        }
        print(json.dumps(info), flush=True)
        sys.stdin.read()  # the parent closes stdin to stop us
    print(json.dumps({"maxrss_mb": vm_status_mb("VmHWM")}), flush=True)
    return 0


class SandboxProcess(JsonChild):
    """``with SandboxProcess(page_size) as sbp``: the child's JSON line is ``sbp.info``."""

    def __init__(self, page_size: int = PAGE_SIZE) -> None:
        super().__init__([__file__, "--page-size", str(page_size)], "sandbox")

    def __enter__(self) -> SandboxProcess:
        return super().__enter__()

    def stop(self, timeout: float = 20) -> float | None:  # type: ignore[override]
        """Stop the sandbox; its own peak RSS (VmHWM) in MB."""
        last = super().stop(timeout)
        return last.get("maxrss_mb") if last else None


def settings_for(info: dict[str, Any], data_dir: str) -> tuple[Any, dict[str, str]]:
    from survey_jobs_mcp.server.settings import Settings

    settings = Settings.from_env(
        {
            "AFTERCARE_BASE_URL": info["aftercare_url"],
            "SURVEYCODER_BASE_URL": info["surveycoder_url"],
            "SURVEY_JOBS_DATA_DIR": data_dir,
        }
    )
    env = {"AFTERCARE_API_KEY": info["aftercare_key"], "SURVEYCODER_API_KEY": info["surveycoder_key"]}
    return settings, env


if __name__ == "__main__":
    size = int(sys.argv[sys.argv.index("--page-size") + 1]) if "--page-size" in sys.argv else PAGE_SIZE
    sys.exit(serve_sandbox(size))
