"""Support for the MCP-level tests: the real server (``build_server``) in-process, the sandbox over HTTP.

``Harness`` owns one sandbox + loopback server + data dir and builds fresh MCP servers over it;
``call`` runs one tool through ``mcp.Client`` and returns the ``CallToolResult``. Helpers here
recount from the sandbox's raw upstream bodies, independently of the product's summarisers.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import mcp
import pytest

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.embedded import track_sandbox_jobs
from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from survey_jobs_mcp.server.sandbox.faults import ROUTES
from survey_jobs_mcp.server.settings import Settings

TZ = ZoneInfo("Europe/Berlin")

# The normalized statuses of the list_jobs contract (README, Tools).
STATUS_MAP = {
    ("aftercare", "coding"): {
        "queued": "queued",
        "processing": "running",
        "completed": "completed",
        "partial_failure": "partially_failed",
        "total_failure": "failed",
    },
}
SIMPLE_MAP = {"queued": "queued", "processing": "running", "completed": "completed", "failed": "failed"}


def normalized(row: dict[str, Any]) -> str:
    return STATUS_MAP.get((row["provider"], row["kind"]), SIMPLE_MAP)[row["status"]]


def tokens(s: str) -> int:
    return math.ceil(len(s.encode("utf-8")) / 4)


def text_of(result) -> str:
    assert len(result.content) == 1
    return result.content[0].text


def all_output(result) -> str:
    """Everything the client sees of a result (text + structured), for leak checks."""
    return text_of(result) + "\n" + json.dumps(result.structured_content, ensure_ascii=False)


class Harness:
    def __init__(self, sb: Sandbox, srv: SandboxServer, data_dir: Path, *, track: bool = True) -> None:
        self.sb = sb
        self.srv = srv
        self.data_dir = data_dir
        self.settings = dataclasses.replace(
            Settings.from_env(
                {
                    "AFTERCARE_BASE_URL": srv.aftercare_url,
                    "SURVEYCODER_BASE_URL": srv.surveycoder_url,
                    "SURVEY_JOBS_DATA_DIR": str(data_dir),
                    "SURVEY_JOBS_EXPORT_DIR": str(data_dir / "exports"),
                }
            ),
            backoff_base=0.01,
            backoff_max=0.05,
        )
        self.env = {"AFTERCARE_API_KEY": sb.keys.aftercare, "SURVEYCODER_API_KEY": sb.keys.surveycoder}
        if track:
            track_sandbox_jobs(self.settings, sb)

    def server(self, *, settings: Settings | None = None, env: dict[str, str] | None = None):
        return build_server(
            settings or self.settings,
            env=self.env if env is None else env,
            clock=self.sb.clock.now,
            tz=TZ,
        )

    @asynccontextmanager
    async def client(self, **kw) -> AsyncIterator[mcp.Client]:
        async with mcp.Client(self.server(**kw)) as c:
            yield c

    async def call(self, name: str, args: dict[str, Any] | None = None, **kw):
        async with self.client(**kw) as c:
            return await c.call_tool(name, args or {})

    # ---- sandbox facts ----------------------------------------------------------------------
    def requests(self) -> int:
        return sum(self.sb.faults.calls(r) for r in ROUTES)

    def job(self, provider: str, kind: str, status: str) -> str:
        for row in self.sb.jobs():
            if (row["provider"], row["kind"], row["status"]) == (provider, kind, status):
                return row["id"]
        raise LookupError((provider, kind, status))


@pytest.fixture
def h(sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path) -> Harness:
    return Harness(sandbox, sandbox_server, tmp_path)


# ---- independent recounts from raw upstream bodies -------------------------------------------
def classify(label: str) -> str | None:
    from survey_jobs_mcp.tools.buckets import (
        classify_bucket,  # the label vocabulary is a product rule, not a count
    )

    return classify_bucket(label)


def _subtree(code: dict[str, Any]) -> set[str]:
    out = {r["responseIdentifier"] for r in code["responses"]}
    for c in code["subCodes"]:
        out |= _subtree(c)
    return out


def _walk_codes(code: dict[str, Any], codes: dict[str, int], coded: set[str]) -> None:
    if classify(code["label"]) not in ("uncoded", "no_answer"):
        coded.update(r["responseIdentifier"] for r in code["responses"])
    codes[str(code["id"])] = len(_subtree(code))
    for c in code["subCodes"]:
        _walk_codes(c, codes, coded)


def recount_aftercare(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per question: responses, coded, uncoded, per-code counts (code_id -> distinct respondents)."""
    out: dict[str, dict[str, Any]] = {}
    for q in raw["results"]["questionCodes"]:
        codes: dict[str, int] = {}
        everyone: set[str] = set()
        coded: set[str] = set()
        per_root: dict[str, int] = {}

        for root in q["responseCodes"]:
            members = _subtree(root)
            everyone |= members
            for rid in members:
                per_root[rid] = per_root.get(rid, 0) + 1
            _walk_codes(root, codes, coded)
        out[q["questionIdentifier"]] = {
            "responses": len(everyone),
            "coded": len(coded),
            "uncoded": len(everyone) - len(coded),
            "multi_coded": sum(1 for v in per_root.values() if v >= 2),
            "codes": codes,
        }
    return out


def recount_surveycoder(raw_job: dict[str, Any]) -> dict[str, Any]:
    result = raw_job["result"]
    cat_of = {e["id"]: e["category_id"] for e in result["codebook"]}
    codes: dict[str, set[str]] = {}
    for item in result["results"]:
        for c in item["codes"]:
            codes.setdefault(c["code_id"], set()).add(item["id"])
            codes.setdefault("cat:" + cat_of[c["code_id"]], set()).add(item["id"])
    return {
        "responses": len({i["id"] for i in result["results"]}),
        "uncoded": sum(1 for i in result["results"] if not i["codes"]),
        "coded": sum(1 for i in result["results"] if i["codes"]),
        "codes": {k: len(v) for k, v in codes.items()},
    }


ISSUE_TYPES = {
    "Nonsensical": "nonsensical",
    "Irrelevant": "irrelevant",
    "Low Effort": "low_effort",
    "LLM Generated": "llm_generated",
    "Repeated Answers": "self_duplicate",
    "Duplicate Answers": "shared_duplicate",
}


def recount_quality(raw: dict[str, Any]) -> dict[str, Any]:
    items = raw["results"]["items"]
    demerits = sorted(i["demeritScore"] for i in items)
    n = len(demerits)
    median = demerits[n // 2] if n % 2 else (demerits[n // 2 - 1] + demerits[n // 2]) / 2
    by_issue: dict[str, int] = {}
    flagged = 0
    for item in items:
        types = {
            ISSUE_TYPES[c["type"]]
            for e in item["evaluations"]
            for c in e["qualityIssueChecks"]
            if c["isIssue"]
        }
        flagged += bool(types)
        for t in types:
            by_issue[t] = by_issue.get(t, 0) + 1
    return {
        "respondents": n,
        "flagged": flagged,
        "by_issue": by_issue,
        "mean": round(sum(demerits) / n, 1),
        "median": round(median, 1),
    }


async def eventually(check: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    """Poll ``check`` until it holds; fail after ``seconds`` instead of hanging (a bound, not a
    speed assertion: background work the test waits for normally finishes in well under a second)."""
    with anyio.move_on_after(seconds):
        while not check():
            await anyio.sleep(0.01)
        return
    raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
