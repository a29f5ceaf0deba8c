"""Benchmark: results that always arrive, for a 100,000-response Aftercare coding job.

The sandbox (``Sandbox(scale=100_000, page_size=500)``) runs in its own subprocess on 127.0.0.1;
faults are added and upstream requests counted over its ``/_sandbox/faults`` routes. Both parts
use an in-process ``mcp.Client(build_server(...))`` with the real 44 s tool deadline.

(1) **slow provider**: ``aftercare.coding.get=latency:0.6`` (0.6 s per page). ``get_coding_results``
    is called again while it answers ``state: "reading"``, until it returns the summary. Reports
    calls, wall time and upstream requests, against the same-run baseline: the job's page count
    (a bare ``httpx`` pass before the latency is added) and the time those pages take at 0.6 s.
    Target: a summary, and requests <= pages + 2 (before: every call stopped at 44 s and started
    again at page 1, so no number of calls ever got there).
(2) **burst**: no latency. One cold call alone (fresh server, fresh data dir), then 10 concurrent
    cold calls on another fresh server and data dir. Target: the burst's upstream requests <=
    pages + 2 and its wall time <= 1.5 x the single call (before: 10 x the requests, and none
    finished before the deadline under a burst).

Run from the repo root: ``.venv/bin/python bench/reader_100k.py [--part slow|burst|all] [--strict]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import box, cli_logging
from _sandbox_process import SandboxProcess, settings_for

PAGE_SIZE = 500
LATENCY_S = 0.6
BURST = 10


def upstream_calls(info: dict[str, Any]) -> int:
    return httpx.get(info["base_url"] + "/_sandbox/faults").json()["calls"]["aftercare.coding.get"]


def set_latency(info: dict[str, Any], seconds: float | None) -> None:
    httpx.delete(info["base_url"] + "/_sandbox/faults")  # also resets the call counters
    if seconds:
        spec = f"aftercare.coding.get=latency:{seconds}"
        httpx.post(info["base_url"] + "/_sandbox/faults", json={"fault": spec}).raise_for_status()


def page_count(info: dict[str, Any]) -> int:
    """The baseline: one bare pass over the job's pages (json-parsed), counting them."""
    pages, cursor = 0, None
    headers = {"X-Aftercare-Key": info["aftercare_key"]}
    with httpx.Client(base_url=info["aftercare_url"], headers=headers, timeout=60) as c:
        while True:
            r = c.get(f"/api/v1/coding/{info['job_id']}", params={"cursor": cursor} if cursor else None)
            r.raise_for_status()
            pages += 1
            cursor = r.json()["results"]["nextCursor"]
            if not cursor:
                return pages


def server(info: dict[str, Any], data_dir: str) -> Any:
    from survey_jobs_mcp.server.app import build_server

    settings, env = settings_for(info, data_dir)
    return build_server(settings, env=env)


async def calls_until_summary(info: dict[str, Any], data_dir: str) -> dict[str, Any]:
    from mcp import Client

    out: dict[str, Any] = {"calls": 0, "reading": []}
    t0 = time.perf_counter()
    async with Client(server(info, data_dir)) as client:
        while True:
            result = await client.call_tool("get_coding_results", {"job_id": info["job_id"]})
            out["calls"] += 1
            if result.is_error:
                raise RuntimeError(f"call {out['calls']} failed: {result.content[0].text[:300]}")
            sc = result.structured_content or {}
            if sc.get("state") != "reading":
                out["questions"] = sc.get("questions_total")
                break
            out["reading"].append((round(time.perf_counter() - t0, 1), sc["reading"]["pages_read"]))
    out["seconds"] = time.perf_counter() - t0
    return out


async def burst(info: dict[str, Any], data_dir: str, n: int) -> dict[str, Any]:
    from mcp import Client

    answers: list[Any] = []
    async with Client(server(info, data_dir)) as client:
        t0 = time.perf_counter()

        async def one() -> None:
            answers.append(await client.call_tool("get_coding_results", {"job_id": info["job_id"]}))

        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
        seconds = time.perf_counter() - t0
    finished = sum(1 for a in answers if not a.is_error and (a.structured_content or {}).get("state") is None)
    return {"seconds": seconds, "finished": finished}


def part_slow(info: dict[str, Any], pages: int) -> bool:
    set_latency(info, LATENCY_S)
    with tempfile.TemporaryDirectory(prefix="bench-reader-slow-") as tmp:
        res = anyio.run(calls_until_summary, info, tmp)
    requests = upstream_calls(info)
    ideal = pages * LATENCY_S
    print(f"(1) slow provider: {LATENCY_S} s per page, {pages} pages (baseline: bare pass)")
    print(f"    calls until the summary   {res['calls']}  (reading answers at {res['reading']})")
    print(f"    wall time                 {res['seconds']:.1f} s  (baseline pages x latency: {ideal:.1f} s)")
    print(f"    upstream requests         {requests}  (baseline pages: {pages}; extra {requests - pages})")
    ok = res.get("questions") is not None and requests <= pages + 2
    print(f"    target: summary reached and requests <= pages + 2  {'PASS' if ok else 'MISS'}")
    return ok


def part_burst(info: dict[str, Any], pages: int) -> bool:
    set_latency(info, None)
    with tempfile.TemporaryDirectory(prefix="bench-reader-one-") as tmp:
        single = anyio.run(burst, info, tmp, 1)
    single_requests = upstream_calls(info)
    set_latency(info, None)
    with tempfile.TemporaryDirectory(prefix="bench-reader-burst-") as tmp:
        many = anyio.run(burst, info, tmp, BURST)
    requests = upstream_calls(info)
    ratio = many["seconds"] / single["seconds"]
    print(f"(2) burst: {BURST} concurrent cold calls vs one call alone, {pages} pages, no latency")
    print(f"    one call alone            {single['seconds']:.2f} s, {single_requests} upstream requests")
    print(
        f"    {BURST} concurrent calls       {many['seconds']:.2f} s, {requests} upstream requests, "
        f"{many['finished']}/{BURST} answered with the summary"
    )
    print(f"    time ratio burst/single   {ratio:.2f}")
    ok = requests <= pages + 2 and ratio <= 1.5 and many["finished"] == BURST
    print(f"    target: requests <= pages + 2, ratio <= 1.5, all answered  {'PASS' if ok else 'MISS'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["slow", "burst", "all"], default="all")
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    args = ap.parse_args()
    cli_logging()
    print(box())
    print(f"command: .venv/bin/python bench/reader_100k.py --part {args.part}")
    ok = True
    with SandboxProcess(PAGE_SIZE) as sbp:
        info = sbp.info
        t0 = time.perf_counter()
        pages = page_count(info)
        print(f"baseline pass: {pages} pages of {PAGE_SIZE} in {time.perf_counter() - t0:.1f} s (no latency)")
        if args.part in ("burst", "all"):
            ok &= part_burst(info, pages)
        if args.part in ("slow", "all"):
            ok &= part_slow(info, pages)
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
