"""Benchmark: ``list_jobs`` with 10,000 tracked Aftercare jobs (300 unfinished), 100 ms per upstream call.

Set-up (127.0.0.1): a ``Sandbox`` on a non-advancing clock; 300 coding jobs created with
``POST /aftercare/api/v1/coding`` (they stay ``queued``); a fresh store tracking those 300 plus
9,700 finished jobs (recorded as completed, as earlier checks would have left them); then
``*=latency:0.1`` on every route.

- **tool**: ``list_jobs(limit=20)`` (both providers) through an in-process ``mcp.Client``, median of
  3 calls; upstream requests per call; the answer must count 10,000 Aftercare jobs and every
  SurveyCoder job.
- **baseline** (same run): the same call with only the 300 unfinished jobs tracked.
- **stress**: 10,000 tracked ids that Aftercare does not know (all unfinished as far as the store
  knows; the case that used to fail at 44 s and lose SurveyCoder's jobs): one call, its wall time,
  how many it refreshed, and that SurveyCoder's jobs are all there.

Target: 10k median <= 1.5 x the 300-job baseline, 300 requests per call; stress answers (no error,
SurveyCoder complete) within the refresh budget (``list_refresh_budget_s``, 10 s) plus 2 s.

Run from the repo root: ``.venv/bin/python bench/list_jobs_10k.py [--strict]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import box, cli_logging
from list_jobs_refresh import create_jobs
from mcp import Client

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.sandbox import Fault, Sandbox, SandboxServer
from survey_jobs_mcp.server.settings import Settings
from survey_jobs_mcp.server.store import Store

START = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
TRACKED = 10_000
UNFINISHED = 300
ROUTES = ("aftercare.coding.get", "aftercare.dq.get")
BUDGET_S = Settings().list_refresh_budget_s


def fake_ids(n: int, salt: int) -> list[str]:
    return [str(uuid.UUID(int=(salt << 64) + i, version=4)) for i in range(1, n + 1)]


def store_with(path: Path, unfinished: list[str], finished: int, unknown: int = 0) -> None:
    with Store.open(path) as store:
        for job_id in unfinished:
            store.track(job_id, "aftercare", "coding")
        for job_id in fake_ids(finished, 1):
            store.record_status(job_id, "aftercare", "coding", "completed", checked_at=START)
        for job_id in fake_ids(unknown, 2):
            store.track(job_id, "aftercare", "coding")


def calls(sb: Sandbox) -> int:
    return sum(sb.faults.calls(r) for r in ROUTES)


async def time_list(sb: Sandbox, settings: Settings, env: dict[str, str], runs: int) -> dict:
    times, requests, structured = [], [], {}
    async with Client(build_server(settings, env=env)) as client:
        for _ in range(runs):
            before, t0 = calls(sb), time.perf_counter()
            result = await client.call_tool("list_jobs", {"limit": 20})
            times.append(time.perf_counter() - t0)
            requests.append(calls(sb) - before)
            if result.is_error:
                raise RuntimeError(result.content[0].text[:500])
            structured = result.structured_content or {}
    return {"times": times, "requests": requests, "sc": structured}


def settings_for(srv: SandboxServer, data_dir: str) -> Settings:
    return Settings.from_env(
        {
            "AFTERCARE_BASE_URL": srv.aftercare_url,
            "SURVEYCODER_BASE_URL": srv.surveycoder_url,
            "SURVEY_JOBS_DATA_DIR": data_dir,
        }
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    args = ap.parse_args()
    cli_logging()
    print(box())
    print("command: .venv/bin/python bench/list_jobs_10k.py")
    sb = Sandbox(seed=7, start=START, realtime=False)
    sc_total = sum(1 for r in sb.jobs() if r["provider"] == "surveycoder")
    with SandboxServer(sb) as srv:
        headers = {"X-Aftercare-Key": sb.keys.aftercare}
        with httpx.Client(base_url=srv.aftercare_url, headers=headers, timeout=30) as c:
            queued = create_jobs(c, UNFINISHED)
        sb.faults.add("*", Fault.latency(0.1))
        env = {"AFTERCARE_API_KEY": sb.keys.aftercare, "SURVEYCODER_API_KEY": sb.keys.surveycoder}
        results = {}
        for label, finished, unknown in (
            ("baseline", 0, 0),
            ("10k", TRACKED - UNFINISHED, 0),
            ("stress", 0, TRACKED),
        ):
            with tempfile.TemporaryDirectory(prefix=f"bench-list-{label}-") as tmp:
                store_with(
                    Path(tmp) / "store.sqlite3", queued if label != "stress" else [], finished, unknown
                )
                runs = 1 if label == "stress" else args.runs
                results[label] = anyio.run(time_list, sb, settings_for(srv, tmp), env, runs)
    base, big, stress = results["baseline"], results["10k"], results["stress"]
    med_base, med_big = statistics.median(base["times"]), statistics.median(big["times"])
    print(f"{'list_jobs(limit=20), 100 ms per upstream call':<58}{'seconds':>8}  requests/call  answer")
    for label, res, what in (
        (f"baseline: {UNFINISHED} tracked, all unfinished", base, statistics.median),
        (f"{TRACKED:,} tracked, {UNFINISHED} unfinished", big, statistics.median),
        (f"stress: {TRACKED:,} tracked unknown ids (1 call)", stress, statistics.median),
    ):
        sc = res["sc"]
        counted = sc.get("by_provider", {})
        answer = f"aftercare={counted.get('aftercare')} surveycoder={counted.get('surveycoder')}"
        print(f"{label:<58}{what(res['times']):>8.2f}  {statistics.median(res['requests']):>13.0f}  {answer}")
    stress_s = stress["times"][0]
    ok = (
        med_big <= 1.5 * med_base
        and statistics.median(big["requests"]) == UNFINISHED
        and big["sc"]["by_provider"].get("aftercare") == TRACKED
        and stress["sc"]["by_provider"].get("surveycoder") == sc_total
        and stress_s <= BUDGET_S + 2
    )
    print(f"ratio 10k/baseline {med_big / med_base:.2f}")
    print(f"notes of the stress answer: {stress['sc'].get('notes')}")
    print(
        f"target: 10k <= 1.5 x baseline, {UNFINISHED} requests, stress answers complete in "
        f"<= {BUDGET_S + 2:.0f} s  {'PASS' if ok else 'MISS'}"
    )
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
