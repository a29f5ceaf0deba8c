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
