"""Snapshot files under ``tests/snapshots``: compared exactly, rewritten only with UPDATE_SNAPSHOTS=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(filename: str, content: str) -> None:
    path = SNAPSHOTS / filename
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(content, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with UPDATE_SNAPSHOTS=1"
    assert content == path.read_text(encoding="utf-8"), (
        f"{filename} changed; review and run with UPDATE_SNAPSHOTS=1"
    )


def check_summary_snapshot(name: str, text: str, structured: dict[str, Any], *, indent: int) -> None:
    """A summary as two files: ``name.md`` (the text channel) and ``name.json`` (structured)."""
    check_snapshot(f"{name}.md", text)
    check_snapshot(f"{name}.json", json.dumps(structured, indent=indent, ensure_ascii=False) + "\n")
