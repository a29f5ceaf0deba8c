"""Benchmark: ``list_jobs`` refreshing 300 tracked, unfinished Aftercare jobs at 100 ms per upstream call.

Set-up (all on 127.0.0.1): a ``Sandbox`` on a non-advancing clock served by ``SandboxServer``; 300
coding jobs created over HTTP with ``POST /aftercare/api/v1/coding`` (each answers 202 and stays
``queued`` because the sandbox clock never moves); their ids tracked in a fresh store (and nothing
else, so the expected total is exactly 300); then ``*=latency:0.1`` injected on every route.

Measures, in the same run:

- **tool**: wall time of ``list_jobs(provider="aftercare", limit=20)`` through an in-process
  ``mcp.Client(build_server(...))``, median of 3 calls (every call refreshes all 300, since none is
  terminal); the answer's ``total``/``counts`` must say 300 and the sandbox must have served 300
  GETs per call;
- **baseline**: one sequential loop of the same 300 ``GET /aftercare/api/v1/coding/{id}`` with a
  plain ``httpx.Client`` (what a naive refresh would cost).

Target: median tool wall time <= 1.5 s. Prints the speed-up over the sequential loop.

Run from the repo root: ``.venv/bin/python bench/list_jobs_refresh.py [--jobs 300] [--strict]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cli_logging
from mcp import Client

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.sandbox import Fault, Sandbox, SandboxServer
from survey_jobs_mcp.server.settings import Settings
from survey_jobs_mcp.server.store import Store

TARGET_S = 1.5
LATENCY_S = 0.1
START = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def create_jobs(client: httpx.Client, n: int) -> list[str]:
    ids = []
    for i in range(n):
        body = {
            "surveyIdentifier": f"BENCH-REFRESH-{i:03d}",
            "surveyResponses": [
                {
                    "questionIdentifier": "Q1",
                    "question": "What could we improve?",
                    "responseEntries": [
                        {"responseIdentifier": "r1", "answer": "Faster delivery and better prices"},
                        {"responseIdentifier": "r2", "answer": "The support team was slow"},
                    ],
                }
            ],
        }
        r = client.post("/api/v1/coding", json=body)
        if r.status_code != 202 or r.json().get("status") != "queued":
            raise RuntimeError(f"POST /coding answered {r.status_code}: {r.text[:200]}")
        ids.append(r.json()["batchJobId"])
    return ids


async def time_tool(settings: Settings, env: dict[str, str], runs: int) -> tuple[list[float], dict]:
    server = build_server(settings, env=env)
    times: list[float] = []
    structured: dict = {}
    async with Client(server) as client:
        for _ in range(runs):
            t0 = time.perf_counter()
            result = await client.call_tool("list_jobs", {"provider": "aftercare", "limit": 20})
            times.append(time.perf_counter() - t0)
            if result.is_error:
                text = "\n".join(getattr(b, "text", "") for b in result.content)
                raise RuntimeError(f"list_jobs failed: {text[:500]}")
            structured = result.structured_content or {}
    return times, structured


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    args = ap.parse_args()
    n = args.jobs
    cli_logging()

    sb = Sandbox(seed=7, start=START, realtime=False)
    with SandboxServer(sb) as srv, tempfile.TemporaryDirectory(prefix="bench-refresh-") as tmp:
        headers = {"X-Aftercare-Key": sb.keys.aftercare}
        with httpx.Client(base_url=srv.aftercare_url, headers=headers, timeout=30) as c:
            ids = create_jobs(c, n)
        store = Store.open(Path(tmp) / "store.sqlite3")
        try:
            for job_id in ids:
                store.track(job_id, "aftercare", "coding")
        finally:
            store.close()

        sb.faults.add("*", Fault.latency(LATENCY_S))
        route = "aftercare.coding.get"

        # Baseline: the same n GETs, one after another, on one keep-alive connection.
        with httpx.Client(base_url=srv.aftercare_url, headers=headers, timeout=30) as c:
            calls_before = sb.faults.calls(route)
            t0 = time.perf_counter()
            for job_id in ids:
                r = c.get(f"/api/v1/coding/{job_id}")
                r.raise_for_status()
                assert r.json()["status"] == "queued"
            sequential = time.perf_counter() - t0
            assert sb.faults.calls(route) - calls_before == n

        settings = Settings.from_env(
            {
                "AFTERCARE_BASE_URL": srv.aftercare_url,
                "SURVEYCODER_BASE_URL": srv.surveycoder_url,
                "SURVEY_JOBS_DATA_DIR": tmp,
            }
        )
        env = {"AFTERCARE_API_KEY": sb.keys.aftercare, "SURVEYCODER_API_KEY": sb.keys.surveycoder}
        calls_before = sb.faults.calls(route)
        times, structured = anyio.run(time_tool, settings, env, args.runs)
        upstream_calls = (sb.faults.calls(route) - calls_before) / args.runs

    med = statistics.median(times)
    per_call = sequential / n * 1000
    total = structured.get("total")
    counts = structured.get("counts", {})
    shown = len(structured.get("jobs", []))
    counts_ok = total == n and counts.get("queued") == n and shown == 20
    ok = med <= TARGET_S and counts_ok
    print(
        f"list_jobs_refresh: {n} tracked queued Aftercare jobs, "
        f"{LATENCY_S * 1000:.0f} ms injected latency per call"
    )
    print(f"{'measure':<58}{'seconds':>8}  detail")
    rows = [
        (
            f"list_jobs(provider=aftercare, limit=20), median of {args.runs}",
            med,
            f"samples {[round(t, 2) for t in times]}",
        ),
        ("baseline: sequential loop of the same GETs (httpx)", sequential, f"{per_call:.0f} ms per call"),
        ("ideal at concurrency 32: ceil(n/32) x per-call", -(-n // 32) * per_call / 1000, "lower bound"),
    ]
    for label, secs, detail in rows:
        print(f"{label:<58}{secs:>8.2f}  {detail}")
    print(
        f"upstream GETs per list_jobs call: {upstream_calls:.0f}; "
        f"tool/sequential ratio {med / sequential:.3f} "
        f"(speed-up {sequential / med:.1f}x)"
    )
    print(
        f"answer: total={total} counts={counts} jobs shown={shown}  {'OK' if counts_ok else 'WRONG COUNTS'}"
    )
    print(f"target: median <= {TARGET_S} s  {'PASS' if ok else 'MISS'}")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
