"""Shared helpers for the benchmarks (not a benchmark itself)."""

from __future__ import annotations

import logging
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
