"""Diagnostic: the CPU cost of each stage of a cold 100k read, timed one by one (not end to end).

Uses product internals, so it says "n/a" for a stage the installed version does not have: run it
with another checkout's venv to compare versions stage by stage (bench/README.md does, for the
figures behind each choice). Pages come from ``bench/replay_upstream.py`` (own process). Each stage
is timed as this thread's CPU seconds (``time.thread_time``; the HTTP stages as process CPU), min
and median of ``--reps``, with the cyclic GC tuned the way the server's lifespan tunes it.

Run from the repo root: ``.venv/bin/python bench/coding_stages.py [--reps 7]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _coding_calls as calls
from _common import box, versions
from coding_100k import PACKAGES, ReplayProcess


def timed(label: str, fn: Callable[[], Any], reps: int, clock: Callable[[], float] = time.thread_time) -> Any:
    xs: list[float] = []
    value = None
    for _ in range(reps):
        t0 = clock()
        value = fn()
        xs.append(clock() - t0)
    print(f"  {label:<58}{min(xs) * 1e3:8.1f} ms min {statistics.median(xs) * 1e3:8.1f} ms median")
    return value


def na(label: str, why: str) -> None:
    print(f"  {label:<58}     n/a  ({why})")


def http_stages(info: dict[str, Any], reps: int) -> None:
    import anyio
    import httpx

    from survey_jobs_mcp.server.http import open_provider_http
    from survey_jobs_mcp.server.settings import Settings

    url, key = info["plain_url"], info["key"]
    targets = info["targets"][info["jobs"][0]]

    async def raw() -> None:
        async with httpx.AsyncClient(base_url=url, headers={"X-Aftercare-Key": key}) as c:
            for t in targets:
                (await c.get(t)).content  # noqa: B018

    async def product() -> None:
        settings = Settings.from_env({"AFTERCARE_BASE_URL": url + "/aftercare"})
        async with open_provider_http("aftercare", settings=settings, env={"AFTERCARE_API_KEY": key}) as h:
            for t in targets:
                path, _, cursor = t.removeprefix("/aftercare").partition("?cursor=")
                await h.get(path, {"cursor": cursor} if cursor else None)

    timed(
        "httpx.AsyncClient.get x180, body read (process CPU)", lambda: anyio.run(raw), reps, time.process_time
    )
    timed(
        "ProviderHttp.get x180 incl. JSON parse (process CPU)",
        lambda: anyio.run(product),
        reps,
        time.process_time,
    )


def cpu_stages(pages: list[bytes], reps: int) -> None:
    from survey_jobs_mcp.server import result_codec

    try:  # provider packages (since the adapters), else the flat modules of older versions
        from survey_jobs_mcp.server.providers.aftercare import mapping as aftercare_mapping
        from survey_jobs_mcp.server.providers.aftercare import wire as aftercare_wire
        from survey_jobs_mcp.tools.views.coding import build_coding_index
    except ImportError:
        from survey_jobs_mcp.server.providers import aftercare_mapping, aftercare_wire  # type: ignore[no-redef]
        from survey_jobs_mcp.tools.coding_summary import build_coding_index  # type: ignore[no-redef]

    timed("json.loads x180", lambda: [json.loads(p) for p in pages], reps)
    try:
        from survey_jobs_mcp.server.http import decode_json
    except ImportError:
        na("server.http.decode_json x180 (msgspec, untyped)", "not in this version")
    else:
        timed(
            "server.http.decode_json x180 (msgspec, untyped)", lambda: [decode_json(p) for p in pages], reps
        )
    bodies = [json.loads(p)["results"] for p in pages]
    adapter = aftercare_wire.BATCH_CODING_SUCCESS
    valid = timed(
        "BATCH_CODING_SUCCESS.validate_python x180",
        lambda: [adapter.validate_python(b) for b in bodies],
        reps,
    )

    def merge_dicts() -> Any:
        m = aftercare_mapping.CodingMerger()
        for page in valid:
            m.add_page(page["questionCodes"])
        return m

    merger = timed("CodingMerger.add_page (dict pages)", merge_dicts, reps)
    decode = getattr(aftercare_wire, "decode_coding_page", None)
    if decode is None:
        na("decode_coding_page x180 (msgspec structs)", "not in this version")
        na("CodingMerger.add_decoded (typed pages)", "not in this version")
    else:
        typed = timed("decode_coding_page x180 (msgspec structs)", lambda: [decode(p) for p in pages], reps)

        def merge_typed() -> Any:
            m = aftercare_mapping.CodingMerger()
            for page in typed:
                m.add_decoded(page.results.questionCodes)
            return m

        timed("CodingMerger.add_decoded (typed pages)", merge_typed, reps)
    results = aftercare_mapping.coding_results(job_id="bench", survey=None, completed_at=None, merger=merger)
    timed("build_coding_index", lambda: build_coding_index(results), reps)
    blob = timed("result_codec.encode_coding (cache blob)", lambda: result_codec.encode_coding(results), reps)
    print(f"  {'cache blob size':<58}{len(blob) / 1e6:8.2f} MB")
    decoded = timed("result_codec.decode_coding", lambda: result_codec.decode_coding(blob), max(3, reps // 2))
    assert decoded == results, "the cache must round-trip exactly"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    print(box())
    print(f"command: {Path(sys.executable).name} bench/coding_stages.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"packages: {versions(*PACKAGES)}")
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)  # what server.app.tune_gc_for_bulk_results does
    with ReplayProcess(1) as rp:
        info = rp.info
        pages: list[bytes] = []
        calls.json_loop(info["plain_url"], info["key"], info["jobs"][0], pages)
        print(f"{len(pages)} pages, {sum(map(len, pages)) / 1e6:.1f} MB of JSON")
        http_stages(info, args.reps)
        rp.stop()
    cpu_stages(pages, args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
