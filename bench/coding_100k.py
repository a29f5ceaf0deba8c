"""Benchmark: ``get_coding_results`` on a 100,000-response Aftercare coding job, against a replay upstream.

The upstream is ``bench/replay_upstream.py`` in its own process: the exact bytes the sandbox sends
for its BENCH-SCALE coding job (180 pages of 1,000 placements, 20 MB of JSON, 2.2 MB gzipped),
served from memory with no JSON work per request, on two ports (gzip when asked / never gzip).
Everything below runs in this process unless it says otherwise. Parts, all in one run:

(a) **raw bytes**: a sync ``httpx`` loop that GETs the 180 page URLs and reads each body;
(b) **httpx + json.loads**: the same loop following ``nextCursor`` and ``json.loads``-ing each page;
(c) **cold**: ``get_coding_results(job_id)`` through an in-process ``mcp.Client`` on a fresh server
    and data dir. (a), (b), (c) alternate, gzip off and on, ``--runs`` times; medians compared.
    Target: cold / (b) <= 2.0 (issue 12; 1.5 is the stretch);
(d) **warm drill-down**: ``--warm-rounds`` fresh servers; on each, a cold call and *at once*
    ``--warm-calls`` drill-downs (question, code, next page). Target: <= 5 ms, for the median and
    for the first drill-down after the cold call;
(e) **peak memory**: the cold path in a fresh process that reports its own ``VmHWM`` after imports
    and after the call (``/proc/self/status``). Target: growth <= 2x the raw JSON size;
(f) **5 concurrent cold reads** of different 100k jobs on one server: time to the first answer
    against a lone cold read measured just before. Target: <= 1.5x;
(g) **tokens**: raw JSON ``sum(ceil(bytes/4))`` against the overview's compact structured JSON.

Every answer's counts (question base, coded, multi-coded, each shown code, responses_total) are
asserted equal to a recount of the raw pages: a fast wrong answer fails the benchmark.

Run from the repo root: ``.venv/bin/python bench/coding_100k.py [--runs 5] [--strict]``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _coding_calls as calls
from _common import ROOT, box, cli_logging, load_average, versions, vm_status_mb

TARGET_RATIO = 2.0
STRETCH_RATIO = 1.5
TARGET_WARM_MS = 5.0
TARGET_MEM_FACTOR = 2.0
TARGET_CONCURRENT = 1.5
PACKAGES = ("mcp", "httpx", "httpcore", "h11", "anyio", "pydantic", "sniffio", "orjson", "msgspec")


class ReplayProcess:
    def __enter__(self) -> ReplayProcess:
        return self

    def start(self, n_jobs: int) -> dict[str, Any]:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("replay_upstream.py")), str(n_jobs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError("replay upstream failed to start")
        return json.loads(line)

    def stop(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        self.proc.wait(timeout=20)
        return json.loads(out.strip().splitlines()[-1])

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---- (e) memory child ------------------------------------------------------------------------


def memory_child(spec: str) -> int:
    """Child mode: imports, own VmHWM, one cold call (or the json loop), own VmHWM again."""
    import anyio

    cli_logging()
    import httpx  # noqa: F401
    import mcp  # noqa: F401

    import survey_jobs_mcp.server.app  # noqa: F401

    what, url, key, job, small = json.loads(spec)
    after_imports = vm_status_mb("VmHWM")
    with tempfile.TemporaryDirectory(prefix="bench-100k-mem-") as tmp:
        if what == "product":
            anyio.run(calls.cold, calls.Upstream(url, key, small), job, tmp)
        else:
            calls.json_loop(url, key, job)
    print(json.dumps({"after_imports": after_imports, "peak": vm_status_mb("VmHWM")}), flush=True)
    return 0


def run_memory_child(what: str, up: calls.Upstream, job: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child", json.dumps([what, up.url, up.key, job, up.small])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- main ------------------------------------------------------------------------------------


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def fmt(xs: list[float], scale: float = 1.0, nd: int = 2) -> str:
    return "[" + ", ".join(f"{x * scale:.{nd}f}" for x in xs) + "]"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="interleaved (a)/(b)/(c) rounds per gzip mode")
    ap.add_argument("--warm-rounds", type=int, default=3)
    ap.add_argument("--warm-calls", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=5)
    ap.add_argument("--concurrent-runs", type=int, default=3)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    ap.add_argument("--memory-child", metavar="SPEC", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child)

    import anyio

    cli_logging()
    print(box())
    exe = Path(sys.executable)
    exe_shown = exe.relative_to(ROOT) if exe.is_relative_to(ROOT) else exe
    print(f"command: {exe_shown} bench/coding_100k.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"packages: {versions(*PACKAGES)}")
    modes = ("plain", "gzip")
    res: dict[str, dict[str, list[float]]] = {
        m: {"raw": [], "json": [], "async": [], "cold": []} for m in modes
    }
    with ReplayProcess() as rp, tempfile.TemporaryDirectory(prefix="bench-100k-") as tmp:
        info = rp.start(max(1, args.concurrency))
        url = {"plain": info["plain_url"], "gzip": info["gzip_url"]}
        key, jobs = info["key"], info["jobs"]
        up = {m: calls.Upstream(url[m], key, info["small"]) for m in modes}
        job, targets = jobs[0], info["targets"][jobs[0]]
        n = 0

        def fresh() -> str:
            nonlocal n
            n += 1
            return str(Path(tmp) / f"d{n}")

        raw_pages: list[bytes] = []
        calls.json_loop(url["plain"], key, job, raw_pages)
        recount = calls.Recount(raw_pages)
        for m in modes:  # untimed warm-up of every path
            calls.raw_loop(url[m], key, targets)
            calls.json_loop(url[m], key, job)
            recount.check(anyio.run(calls.cold, up[m], job, fresh())[1])
        overview: dict[str, Any] = {}
        for r in range(args.runs):
            for m in modes if r % 2 == 0 else modes[::-1]:
                res[m]["raw"].append(calls.raw_loop(url[m], key, targets))
                res[m]["json"].append(calls.json_loop(url[m], key, job))
                res[m]["async"].append(anyio.run(calls.async_json_loop, url[m], key, job))
                secs, overview = anyio.run(calls.cold, up[m], job, fresh())
                recount.check(overview)
                res[m]["cold"].append(secs)
        print(f"load after (a)-(c): {load_average()}")

        warm_all: list[float] = []
        warm_first: list[float] = []
        warm_kinds: dict[str, int] = {}
        warm_cold: list[float] = []
        for _ in range(args.warm_rounds):
            cold_s, warm, ov = anyio.run(calls.cold_then_warm, up["gzip"], job, fresh(), args.warm_calls)
            recount.check(ov)
            warm_cold.append(cold_s)
            for kind, secs, structured in warm:
                recount.check(
                    structured,
                    structured.get("questions", [{}])[0].get("question_id")
                    if kind == "question_id"
                    else ov["questions"][0]["question_id"],
                )
                warm_kinds[kind] = warm_kinds.get(kind, 0) + 1
                warm_all.append(secs)
            if warm:
                warm_first.append(warm[0][1])

        lone: list[float] = []
        firsts: list[float] = []
        lasts: list[float] = []
        conc_samples: list[list[float]] = []
        for _ in range(args.concurrent_runs if args.concurrency > 1 else 0):
            secs, ov = anyio.run(calls.cold, up["gzip"], job, fresh())
            recount.check(ov)
            lone.append(secs)
            done = anyio.run(calls.concurrent, up["gzip"], jobs[: args.concurrency], fresh())
            for _, structured in done:
                recount.check(structured)
            conc_samples.append([d for d, _ in done])
            firsts.append(done[0][0])
            lasts.append(done[-1][0])

        mem: dict[str, dict[str, float]] = {}
        if not args.skip_memory:
            for m in modes:
                mem[m] = run_memory_child("product", up[m], job)
            mem["json loop"] = run_memory_child("json", up["plain"], job)
        replay = rp.stop()

    # ---- report ---------------------------------------------------------------------------
    raw_mb = info["plain_bytes"] / 1e6
    raw_tokens = sum(math.ceil(len(p) / 4) for p in raw_pages)
    print(
        f"coding_100k: {info['pages']} pages, {raw_mb:.1f} MB JSON ({info['gzip_bytes'] / 1e6:.1f} MB "
        f"gzipped, level {info['gzip_level']}); replay upstream in its own process "
        f"(its CPU for the whole run {replay['cpu_s']:.2f} s for {sum(replay['counts'].values())} requests)"
    )
    print(f"exactness: {recount.checked} answers checked against a recount of the raw pages: all equal")
    ok: list[bool] = []

    def row(label: str, value: str, target: str = "", good: bool | None = None, detail: str = "") -> None:
        verdict = "" if good is None else ("PASS" if good else "MISS")
        if good is not None:
            ok.append(good)
        print(f"{label:<50}{value:>12}  {target:<9}{verdict:<6}{detail}")

    print(f"{'measure (medians; samples in order)':<50}{'value':>12}  {'target':<9}{'result':<6}detail")
    for m in modes:
        r = res[m]
        b = med(r["json"])
        ratio = med(r["cold"]) / b
        row(f"[{m}] (a) raw bytes loop", f"{med(r['raw']):.3f} s", detail=fmt(r["raw"], nd=3))
        row(f"[{m}] (b) httpx + json.loads loop", f"{b:.3f} s", detail=fmt(r["json"], nd=3))
        row(
            f"[{m}]     AsyncClient + json.loads (diagnostic)",
            f"{med(r['async']):.3f} s",
            detail=fmt(r["async"], nd=3),
        )
        row(f"[{m}] (c) cold get_coding_results", f"{med(r['cold']):.3f} s", detail=fmt(r["cold"], nd=3))
        row(
            f"[{m}] (c) / (b)",
            f"{ratio:.2f}",
            f"<= {TARGET_RATIO}",
            ratio <= TARGET_RATIO,
            f"1.5x would be {STRETCH_RATIO * b:.3f} s: {med(r['cold']) - STRETCH_RATIO * b:+.3f} s away; "
            f"(c) / (a) = {med(r['cold']) / med(r['raw']):.2f}",
        )
    if warm_all:
        row(
            f"(d) warm drill-down, median of {len(warm_all)}",
            f"{med(warm_all) * 1e3:.1f} ms",
            f"<= {TARGET_WARM_MS:.0f} ms",
            med(warm_all) * 1e3 <= TARGET_WARM_MS,
            f"p90 {sorted(warm_all)[int(0.9 * len(warm_all))] * 1e3:.1f} ms, "
            f"max {max(warm_all) * 1e3:.1f} ms; calls {warm_kinds}",
        )
        row(
            "(d) first drill-down right after the cold call",
            f"{med(warm_first) * 1e3:.1f} ms",
            f"<= {TARGET_WARM_MS:.0f} ms",
            max(warm_first) * 1e3 <= TARGET_WARM_MS,
            f"each round {fmt(warm_first, 1e3, 1)} ms (verdict on the worst); "
            f"cold before it {fmt(warm_cold)} s",
        )
    for m, v in mem.items():
        grow = v["peak"] - v["after_imports"]
        is_product = m != "json loop"
        row(
            f"(e) VmHWM growth, {'cold ' + m if is_product else m}",
            f"{grow:.0f} MB",
            f"<= {TARGET_MEM_FACTOR * raw_mb:.0f} MB" if is_product else "",
            grow <= TARGET_MEM_FACTOR * raw_mb if is_product else None,
            f"own VmHWM {v['after_imports']:.0f} MB after imports -> {v['peak']:.0f} MB peak "
            f"(fresh process); {grow / raw_mb:.1f}x the raw JSON",
        )
    if firsts:
        ratio = med([f / lone_s for f, lone_s in zip(firsts, lone, strict=True)])
        row(
            f"(f) {args.concurrency} concurrent cold reads: first answer",
            f"{med(firsts):.2f} s",
            f"<= {TARGET_CONCURRENT}x",
            ratio <= TARGET_CONCURRENT,
            f"{ratio:.2f}x a lone read ({fmt(lone)} s); last answer {med(lasts):.2f} s "
            f"({med([x / y for x, y in zip(lasts, lone, strict=True)]):.2f}x); "
            f"answers at {[fmt(s) for s in conc_samples]}",
        )
    row("(g) raw JSON tokens, sum ceil(bytes/4)", f"{raw_tokens:,}")
    summary = math.ceil(len(json.dumps(overview, separators=(",", ":")).encode()) / 4)
    row(
        "(g) overview structured tokens", f"{summary:,}", detail=f"raw / summary {raw_tokens / summary:,.0f}x"
    )
    print(f"load at the end: {load_average()}")
    good = all(ok)
    print(f"overall: {'PASS' if good else 'MISS'}")
    return 1 if (args.strict and not good) else 0


if __name__ == "__main__":
    sys.exit(main())
