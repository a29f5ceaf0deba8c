"""Benchmark: ``wait_for_jobs`` over 50 running jobs for one minute, requests per provider per minute.

Set-up (127.0.0.1): a ``Sandbox`` on a non-advancing clock (jobs never finish) served by
``SandboxServer``; 25 running Aftercare coding jobs (tracked in a fresh store) and 25 running
SurveyCoder one_call jobs added to it, beside the seed catalog's own unfinished jobs. The server
runs with its default polling settings (2 s between requests for one job, 4 requests per second
per provider).

- **tool**: ``wait_for_jobs()`` (every unfinished job known) called back to back with
  ``timeout_s=30`` for one minute through an in-process ``mcp.Client``; upstream requests per
  provider (sandbox counters), scaled to one minute.
- **baseline** (same run): what an agent does without the tool, ``get_job`` on each of the 50
  jobs in turn, in a loop, for 20 s, scaled to one minute.

Target: each provider <= 4 requests/s x 60 = 240 status requests per minute (plus the one
SurveyCoder list per call).

Run from the repo root: ``.venv/bin/python bench/wait_50.py [--seconds 60] [--strict]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import box, cli_logging
from mcp import Client

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from survey_jobs_mcp.server.sandbox.jobs import SandboxJob
from survey_jobs_mcp.server.settings import Settings
from survey_jobs_mcp.server.store import Store

START = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
PER_PROVIDER = 25
RATE = 4.0
BASELINE_S = 20.0
ROUTES = {"aftercare": ("aftercare.coding.get", "aftercare.dq.get"), "surveycoder": ("surveycoder.jobs.get",)}


def add_running_jobs(sb: Sandbox) -> tuple[list[str], list[str]]:
    """25 running jobs per provider that never finish on the frozen clock."""
    never = START + timedelta(days=365)
    aftercare, surveycoder = [], []
    for i in range(PER_PROVIDER):
        ac = f"{i:08x}-0000-4000-8000-{i:012x}"
        sc = f"job_{i:024x}"
        for provider, kind, job_id in (("aftercare", "coding", ac), ("surveycoder", "one_call", sc)):
            sb.store.add(
                SandboxJob(
                    provider, kind, job_id, "BENCH-WAIT", START, START, never, "completed", dict, total=500
                )
            )
        aftercare.append(ac)
        surveycoder.append(sc)
    return aftercare, surveycoder


def counts(sb: Sandbox) -> dict[str, int]:
    out = {p: sum(sb.faults.calls(r) for r in routes) for p, routes in ROUTES.items()}
    out["surveycoder list"] = sb.faults.calls("surveycoder.jobs.list")
    return out


def delta(after: dict[str, int], before: dict[str, int], scale: float) -> dict[str, float]:
    return {k: (after[k] - before[k]) * scale for k in after}


async def run(sb: Sandbox, settings: Settings, env: dict[str, str], ids: list[str], seconds: float) -> dict:
    out: dict = {}
    async with Client(build_server(settings, env=env)) as client:
        before, t0, calls, notes = counts(sb), time.perf_counter(), 0, 0
        watched = 0

        async def on_progress(done, total, message):
            nonlocal notes
            notes += 1

        while time.perf_counter() - t0 < seconds:
            left = max(1.0, min(30.0, seconds - (time.perf_counter() - t0)))
            r = await client.call_tool("wait_for_jobs", {"timeout_s": left}, progress_callback=on_progress)
            if r.is_error:
                raise RuntimeError(r.content[0].text[:300])
            watched = r.structured_content["watched"]
            calls += 1
        elapsed = time.perf_counter() - t0
        out["tool"] = delta(counts(sb), before, 60 / elapsed)
        out["tool_calls"], out["watched"], out["progress"], out["tool_s"] = calls, watched, notes, elapsed

        before, t0, loops = counts(sb), time.perf_counter(), 0
        while time.perf_counter() - t0 < BASELINE_S:
            for job_id in ids:
                await client.call_tool("get_job", {"job_id": job_id})
            loops += 1
        elapsed = time.perf_counter() - t0
        out["baseline"] = delta(counts(sb), before, 60 / elapsed)
        out["loops"] = loops
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    args = ap.parse_args()
    cli_logging()
    print(box())
    print(f"command: .venv/bin/python bench/wait_50.py --seconds {args.seconds:g}")
    sb = Sandbox(seed=7, start=START, realtime=False)
    aftercare, surveycoder = add_running_jobs(sb)
    with SandboxServer(sb) as srv, tempfile.TemporaryDirectory(prefix="bench-wait-") as tmp:
        with Store.open(Path(tmp) / "store.sqlite3") as store:
            for job_id in aftercare:
                store.track(job_id, "aftercare", "coding")
        settings = Settings.from_env(
            {
                "AFTERCARE_BASE_URL": srv.aftercare_url,
                "SURVEYCODER_BASE_URL": srv.surveycoder_url,
                "SURVEY_JOBS_DATA_DIR": tmp,
            }
        )
        env = {"AFTERCARE_API_KEY": sb.keys.aftercare, "SURVEYCODER_API_KEY": sb.keys.surveycoder}
        res = anyio.run(run, sb, settings, env, aftercare + surveycoder, args.seconds)
    ceiling = RATE * 60
    tool, base = res["tool"], res["baseline"]
    print(
        f"wait_for_jobs(): {res['watched']} jobs watched, {res['tool_calls']} calls in "
        f"{res['tool_s']:.0f} s, {res['progress']} progress notifications"
    )
    print(f"{'requests per minute':<34}{'aftercare':>10}{'surveycoder':>13}{'sc list':>9}")
    print(
        f"{'wait_for_jobs (tool)':<34}{tool['aftercare']:>10.0f}{tool['surveycoder']:>13.0f}"
        f"{tool['surveycoder list']:>9.0f}"
    )
    print(
        f"{'baseline: get_job loop over 50':<34}{base['aftercare']:>10.0f}{base['surveycoder']:>13.0f}"
        f"{base['surveycoder list']:>9.0f}   ({res['loops']} loops in 20 s)"
    )
    ok = tool["aftercare"] <= ceiling * 1.05 and tool["surveycoder"] <= ceiling * 1.05
    print(f"target: <= {ceiling:.0f} status requests per provider per minute  {'PASS' if ok else 'MISS'}")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
