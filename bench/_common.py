"""Shared helpers for the benchmarks (not a benchmark itself)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def vm_status_mb(field: str = "VmHWM") -> float:
    """A ``/proc/self/status`` memory figure of *this* process in MB (``VmHWM`` = its peak RSS).

    Unlike ``ru_maxrss`` of a child started by ``subprocess`` (which can report the parent's peak,
    inherited through fork), this is the calling process's own figure.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise KeyError(field)


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def box() -> str:
    """nproc, CPU model, Python, load average: printed by every benchmark with its figures."""
    import os
    import platform

    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"box: {os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load_average()}"
    )


def versions(*names: str) -> str:
    """Installed versions of ``names`` ('-' when absent), so a figure says what it ran with."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in names:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} -")
    return ", ".join(out)


class JsonChild:
    """A helper process (a sandbox, a replay upstream) that prints one JSON line once it serves and
    exits when its stdin closes. ``with JsonChild(args, "what") as child``: that line is ``child.info``;
    ``stop()`` closes stdin and returns the last JSON line the child printed on its way out.
    """

    def __init__(self, args: list[str], what: str) -> None:
        self.args, self.what = args, what

    def __enter__(self) -> Any:
        self.proc = subprocess.Popen(
            [sys.executable, *self.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"{self.what} subprocess failed to start")
        self.info: dict[str, Any] = json.loads(line)
        return self

    def stop(self, timeout: float = 20) -> dict[str, Any] | None:
        """Close stdin, wait; the child's last JSON line (None: it had stopped, hung or said nothing)."""
        if self.proc.poll() is not None:
            return None
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        try:
            out = self.proc.stdout.read()
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else None

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_json_child(args: list[str], timeout: float) -> dict[str, Any]:
    """Run ``python *args`` to the end (a memory child); the last line it prints, as JSON."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
