"""Benchmark: ``get_coding_results`` on a 100,000-response Aftercare coding job.

The sandbox (``Sandbox(scale=100_000, page_size=1000)``) runs in its own subprocess, served by
``SandboxServer`` on 127.0.0.1 with its payload pre-built, so the MCP server measured here shares
neither the GIL nor the memory with it. Parts, all in one run:

(a) **baseline**: a bare loop that GETs the BENCH-SCALE coding job's pages with ``httpx``
    (``/aftercare/api/v1/coding/{id}``, then ``?cursor=nextCursor`` until null) and json-parses each;
(b) **cold**: ``get_coding_results(job_id)`` through an in-process ``mcp.Client`` on a fresh server
    and a fresh data dir (so nothing is cached). Baseline and cold runs alternate; medians are
    compared. Target: cold / baseline <= 1.5;
(c) **warm drill-down**: on the last cold server, 20 calls with ``question_id``, ``code_id`` and
    ``cursor``; median ms (target <= 50 ms) and the speed-up over cold;
(d) **peak memory**: the cold path once more in a child process; its ``ru_maxrss`` (target <= 400 MB),
    beside the child's RSS before the call and the sandbox process's own peak;
(e) **tokens**: raw JSON of all pages as ``sum(ceil(bytes / 4))`` against the default overview
    (text and structured channels, measured as ``tools.tokens`` does).

Run from the repo root: ``.venv/bin/python bench/coding_100k.py [--runs 3] [--strict]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, cli_logging

SCALE = 100_000
PAGE_SIZE = 1000
TARGET_RATIO = 1.5
TARGET_WARM_MS = 50.0
TARGET_RSS_MB = 400.0


def rss_mb() -> float:
    """Current resident set size (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- child: the sandbox ----------------------------------------------------------------------


def serve_sandbox() -> int:
    """Child mode: build the scale sandbox, serve it, print one JSON line, exit when stdin closes."""
    from datetime import UTC, datetime

    from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer

    sb = Sandbox(seed=7, scale=SCALE, page_size=PAGE_SIZE, start=datetime(2026, 11, 23, 12, tzinfo=UTC))
    job = next(r for r in sb.jobs() if r["survey"] == "BENCH-SCALE" and r["kind"] == "coding")
    sb.store.jobs[job["id"]].data()  # build the payload now, not inside a timed request
    with SandboxServer(sb) as srv:
        info = {
            "aftercare_url": srv.aftercare_url,
            "surveycoder_url": srv.surveycoder_url,
            "aftercare_key": sb.keys.aftercare,
            "surveycoder_key": sb.keys.surveycoder,
            "job_id": job["id"],
            "responses": job["responses"],
        }
        print(json.dumps(info), flush=True)
        sys.stdin.read()  # parent closes stdin to stop us
    print(json.dumps({"maxrss_mb": maxrss_mb()}), flush=True)
    return 0


class SandboxProcess:
    def __enter__(self) -> SandboxProcess:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-sandbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError("sandbox subprocess failed to start")
        self.info: dict[str, Any] = json.loads(line)
        return self

    def stop(self) -> float | None:
        """Stop the sandbox; its peak RSS in MB."""
        if self.proc.poll() is not None:
            return None
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        try:
            out = self.proc.stdout.read()
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        for line in out.splitlines():
            if line.startswith("{"):
                return json.loads(line).get("maxrss_mb")
        return None

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---- (a) baseline ----------------------------------------------------------------------------


def baseline(info: dict[str, Any], keep: list[bytes] | None = None) -> tuple[float, int, int, int]:
    """Seconds, pages, raw bytes, raw tokens (sum of ceil(bytes/4) per page); ``keep`` gets the pages."""
    import httpx

    t0 = time.perf_counter()
    pages = raw_bytes = raw_tokens = 0
    with httpx.Client(
        base_url=info["aftercare_url"], headers={"X-Aftercare-Key": info["aftercare_key"]}, timeout=60
    ) as c:
        cursor = None
        while True:
            r = c.get(f"/api/v1/coding/{info['job_id']}", params={"cursor": cursor} if cursor else None)
            r.raise_for_status()
            body = json.loads(r.content)
            pages += 1
            raw_bytes += len(r.content)
            raw_tokens += math.ceil(len(r.content) / 4)
            if keep is not None:
                keep.append(r.content)
            cursor = body["results"]["nextCursor"]
            if not cursor:
                break
    return time.perf_counter() - t0, pages, raw_bytes, raw_tokens


# ---- (b) cold, (c) warm ----------------------------------------------------------------------


def _settings(info: dict[str, Any], data_dir: str) -> tuple[Any, dict[str, str]]:
    from survey_jobs_mcp.server.settings import Settings

    settings = Settings.from_env(
        {
            "AFTERCARE_BASE_URL": info["aftercare_url"],
            "SURVEYCODER_BASE_URL": info["surveycoder_url"],
            "SURVEY_JOBS_DATA_DIR": data_dir,
        }
    )
    env = {"AFTERCARE_API_KEY": info["aftercare_key"], "SURVEYCODER_API_KEY": info["surveycoder_key"]}
    return settings, env


def _text(result: Any) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content)


def _check(result: Any, what: str) -> Any:
    if result.is_error:
        raise RuntimeError(f"{what} failed: {_text(result)[:500]}")
    return result


def _first_key(obj: Any, key: str) -> Any:
    """First value of ``key`` anywhere in a nested dict/list (breadth first)."""
    queue = [obj]
    while queue:
        item = queue.pop(0)
        if isinstance(item, dict):
            if item.get(key) is not None:
                return item[key]
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    return None


def _code_ids(structured: dict[str, Any]) -> list[str]:
    out: list[str] = []

    def walk(codes: list[dict[str, Any]] | None) -> None:
        for c in codes or ():
            out.append(c["code_id"])
            walk(c.get("children"))

    for q in structured.get("questions") or ():
        walk(q.get("codes"))
    return out


async def cold_and_warm(info: dict[str, Any], data_dir: str, warm_calls: int) -> dict[str, Any]:
    """One cold call on a fresh server; then ``warm_calls`` drill-downs (0 = none)."""
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = _settings(info, data_dir)
    job_id = info["job_id"]
    out: dict[str, Any] = {}
    async with Client(build_server(settings, env=env)) as client:
        t0 = time.perf_counter()
        result = _check(await client.call_tool("get_coding_results", {"job_id": job_id}), "cold overview")
        out["cold_s"] = time.perf_counter() - t0
        structured = result.structured_content or {}
        text = _text(result)
        out["text_tokens"] = math.ceil(len(text.encode("utf-8")) / 4)
        out["structured_tokens"] = math.ceil(len(json.dumps(structured).encode("utf-8")) / 4)
        out["questions"] = [q["question_id"] for q in structured.get("questions") or ()]
        out["responses"] = [q["responses"] for q in structured.get("questions") or ()]
        if not warm_calls:
            return out

        # Plan the drill-down: per question its tree, then codes of that tree, then their next pages.
        plan: list[dict[str, Any]] = []
        warm: list[float] = []
        kinds: dict[str, int] = {"question_id": 0, "code_id": 0, "cursor": 0}

        async def call(args: dict[str, Any], kind: str) -> dict[str, Any]:
            t = time.perf_counter()
            r = _check(await client.call_tool("get_coding_results", {"job_id": job_id, **args}), str(args))
            warm.append(time.perf_counter() - t)
            kinds[kind] += 1
            return r.structured_content or {}

        questions = out["questions"]
        qi = 0
        while len(warm) < warm_calls and questions:
            qid = questions[qi % len(questions)]
            qi += 1
            tree = await call({"question_id": qid}, "question_id")
            for code_id in _code_ids(tree)[:2]:
                if len(warm) >= warm_calls:
                    break
                page = await call({"question_id": qid, "code_id": code_id}, "code_id")
                cursor = page.get("next_cursor")
                if cursor and len(warm) < warm_calls:
                    await call({"question_id": qid, "code_id": code_id, "cursor": cursor}, "cursor")
        del plan
        out["warm_ms"] = [w * 1000 for w in warm]
        out["warm_kinds"] = kinds
    return out


# ---- (f) where the cold time goes ---------------------------------------------------------


def phases(raw_pages: list[bytes], job_id: str) -> list[tuple[str, float]]:
    """Time the cold path's CPU stages one by one on already-fetched pages (uses product internals)."""
    from survey_jobs_mcp.server import result_codec
    from survey_jobs_mcp.server.providers.aftercare import mapping as aftercare_mapping
    from survey_jobs_mcp.server.providers.aftercare.wire import BATCH_CODING_SUCCESS, BatchCodingResponse
    from survey_jobs_mcp.tools.views.coding import build_coding_index

    out: list[tuple[str, float]] = []

    def timed(label: str, fn: Any) -> Any:
        t0 = time.perf_counter()
        value = fn()
        out.append((label, time.perf_counter() - t0))
        return value

    bodies = timed("json.loads of every page", lambda: [json.loads(b) for b in raw_pages])
    pages = timed(
        "BatchCodingResponse.model_validate", lambda: [BatchCodingResponse.model_validate(b) for b in bodies]
    )
    succ = timed(
        "BATCH_CODING_SUCCESS.validate_python (results, worker thread)",
        lambda: [BATCH_CODING_SUCCESS.validate_python(p.results) for p in pages],
    )
    merger = aftercare_mapping.CodingMerger()
    timed(
        "CodingMerger.add_page (worker thread)", lambda: [merger.add_page(p["questionCodes"]) for p in succ]
    )
    results = aftercare_mapping.coding_results(job_id=job_id, survey=None, completed_at=None, merger=merger)
    timed(
        "result_codec.encode_coding (cache blob, after the answer)",
        lambda: result_codec.encode_coding(results),
    )
    timed("build_coding_index", lambda: build_coding_index(results))
    return out


# ---- (d) memory child ------------------------------------------------------------------------


def memory_child(info_json: str) -> int:
    """Child mode: import the server, note RSS, run the cold path once, print RSS figures."""
    import anyio

    cli_logging()
    import mcp  # noqa: F401

    import survey_jobs_mcp.server.app  # noqa: F401

    info = json.loads(info_json)
    before = rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench-100k-mem-") as tmp:
        res = anyio.run(cold_and_warm, info, tmp, 0)
    print(
        json.dumps({"rss_before_mb": before, "maxrss_mb": maxrss_mb(), "cold_s": res["cold_s"]}), flush=True
    )
    return 0


def run_memory_child(info: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child", json.dumps(info)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- main ------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="baseline/cold pairs (alternating)")
    ap.add_argument("--warm-calls", type=int, default=20)
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    ap.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--memory-child", metavar="INFO", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_sandbox:
        return serve_sandbox()
    if args.memory_child:
        return memory_child(args.memory_child)

    import anyio

    cli_logging()
    base_s: list[float] = []
    cold_s: list[float] = []
    last: dict[str, Any] = {}
    with SandboxProcess() as sbp, tempfile.TemporaryDirectory(prefix="bench-100k-") as tmp:
        info = sbp.info
        baseline(info)  # untimed warm-up: connections, sandbox page rendering paths, imports
        pages = raw_bytes = raw_tokens = 0
        raw_pages: list[bytes] = []
        for i in range(args.runs):
            secs, pages, raw_bytes, raw_tokens = baseline(info, raw_pages if i == 0 else None)
            base_s.append(secs)
            warm = args.warm_calls if i == args.runs - 1 else 0
            last = anyio.run(cold_and_warm, info, str(Path(tmp) / f"cold{i}"), warm)
            cold_s.append(last["cold_s"])
        mem = run_memory_child(info)
        sandbox_rss = sbp.stop()
    try:
        breakdown: list[tuple[str, float]] | None = phases(raw_pages, info["job_id"])
    except Exception as exc:  # internals moved: the breakdown is a diagnostic, not a figure
        print(f"(phase breakdown unavailable: {exc!r})")
        breakdown = None
    del raw_pages

    med_base = statistics.median(base_s)
    med_cold = statistics.median(cold_s)
    ratio = med_cold / med_base
    warm_ms = last.get("warm_ms", [])
    med_warm = statistics.median(warm_ms) if warm_ms else float("nan")
    summary_tokens = max(last["text_tokens"], last["structured_tokens"])
    total_responses = sum(last["responses"])

    ok_ratio = ratio <= TARGET_RATIO
    ok_warm = med_warm <= TARGET_WARM_MS
    ok_mem = mem["maxrss_mb"] <= TARGET_RSS_MB

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(
        f"coding_100k: Aftercare coding job of {info['responses']:,} responses, page size {PAGE_SIZE}, "
        f"{pages} pages, {raw_bytes / 1e6:.1f} MB raw JSON; sandbox in a subprocess"
    )
    print(f"overview: questions {last['questions']} responses {last['responses']} (sum {total_responses:,})")
    print(f"{'measure':<52}{'value':>12}  {'target':<12}{'result':<6} detail")
    rows = [
        (
            "(a) baseline: httpx page loop + json parse, median",
            f"{med_base:.2f} s",
            "",
            "",
            f"samples {[round(x, 2) for x in base_s]}",
        ),
        (
            "(b) cold get_coding_results, median",
            f"{med_cold:.2f} s",
            "",
            "",
            f"samples {[round(x, 2) for x in cold_s]}",
        ),
        ("(b) ratio cold / baseline", f"{ratio:.2f}", f"<= {TARGET_RATIO}", verdict(ok_ratio), ""),
        (
            f"(c) warm drill-down, median of {len(warm_ms)}",
            f"{med_warm:.1f} ms",
            f"<= {TARGET_WARM_MS:.0f} ms",
            verdict(ok_warm),
            f"max {max(warm_ms):.1f} ms; calls {last.get('warm_kinds')}; "
            f"speed-up over cold {med_cold * 1000 / med_warm:.0f}x"
            if warm_ms
            else "",
        ),
        (
            "(d) peak RSS, server process (cold path)",
            f"{mem['maxrss_mb']:.0f} MB",
            f"<= {TARGET_RSS_MB:.0f} MB",
            verdict(ok_mem),
            f"RSS after imports {mem['rss_before_mb']:.0f} MB -> "
            f"+{mem['maxrss_mb'] - mem['rss_before_mb']:.0f} MB; "
            f"child cold {mem['cold_s']:.2f} s",
        ),
        (
            "(d) peak RSS, sandbox process (for reference)",
            f"{sandbox_rss:.0f} MB" if sandbox_rss else "n/a",
            "",
            "",
            "not part of the target",
        ),
        ("(e) raw JSON tokens, sum ceil(bytes/4) of pages", f"{raw_tokens:,}", "", "", ""),
        (
            "(e) summary tokens, text / structured",
            f"{last['text_tokens']:,} / {last['structured_tokens']:,}",
            "",
            "",
            f"raw / summary = {raw_tokens / summary_tokens:,.0f}x (vs the larger channel)",
        ),
    ]
    for label, value, target, res, detail in rows:
        print(f"{label:<52}{value:>12}  {target:<12}{res:<6} {detail}")
    if breakdown:
        print("(f) cold-path CPU stages, timed one by one on the fetched pages (same process, single run):")
        for label, secs in breakdown:
            print(f"      {label:<46}{secs * 1000:8.0f} ms")
        print(
            f"      {'sum of stages (fetch not included)':<46}{sum(s for _, s in breakdown) * 1000:8.0f} ms"
        )
    ok = ok_ratio and ok_warm and ok_mem
    print(f"overall: {verdict(ok)}")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
