"""Benchmark: ``get_coding_results`` on a 100,000-response Aftercare coding job, against a replay upstream.

The upstream is ``bench/replay_upstream.py`` in its own process: the exact bytes the sandbox sends
for its BENCH-SCALE coding job (180 pages of 1,000 placements, 20 MB of JSON, 2.2 MB gzipped),
served from memory with no JSON work per request, on two ports (gzip when asked / never gzip).
Everything below runs in this process unless it says otherwise. Parts, all in one run:

(a) **raw bytes**: a sync ``httpx`` loop that GETs the 180 page URLs and reads each body;
(b) **httpx + json.loads**: the same loop following ``nextCursor`` and ``json.loads``-ing each page;
(c) **cold**: ``get_coding_results(job_id)`` through an in-process ``mcp.Client`` on a fresh server
    and data dir (the client first reads a one-page job, as a connected host would have). (a), (b)
    and (c) alternate, gzip off and on, ``--runs`` times; medians compared. Target: cold / (b) <= 2.0
    (issue 12; 1.5 is the stretch). CPU seconds of this process are shown beside (less noisy);
(d) **warm drill-down**: ``--warm-rounds`` fresh servers; on each, a cold call and *at once*
    ``--warm-calls`` drill-downs (question, code, next page). Target: <= 5 ms, for the median and
    for the first drill-down after the cold call;
(e) **peak memory**: the cold path in a fresh process that reports its own ``VmHWM``
    (``/proc/self/status``) after imports, once the server is up and has answered a one-page call,
    and after the 100k call. Target: what the read adds (peak - server up) <= 2x the raw JSON size;
    the growth since imports (server and client start-up included) is printed beside it. Once more
    staying until the compacted result is written to the store's cache (encode included);
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
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _coding_calls as calls
from _common import ROOT, JsonChild, box, cli_logging, load_average, run_json_child, versions, vm_status_mb

TARGET_RATIO = 2.0
STRETCH_RATIO = 1.5
TARGET_WARM_MS = 5.0
TARGET_MEM_FACTOR = 2.0
TARGET_CONCURRENT = 1.5
PACKAGES = ("mcp", "httpx", "httpcore", "h11", "anyio", "pydantic", "sniffio", "msgspec")
MODES = ("plain", "gzip")


class ReplayProcess(JsonChild):
    """``replay_upstream.py`` serving ``n_jobs`` copies of the BENCH-SCALE job; ``stop()``: its own CPU."""

    def __init__(self, n_jobs: int) -> None:
        super().__init__(
            [str(Path(__file__).with_name("replay_upstream.py")), str(n_jobs)], "replay upstream"
        )


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
    ready = [after_imports]
    calls.AFTER_WARM_UP.append(lambda: ready.append(vm_status_mb("VmHWM")))
    with tempfile.TemporaryDirectory(prefix="bench-100k-mem-") as tmp:
        if what == "product":
            anyio.run(calls.cold, calls.Upstream(url, key, small), job, tmp)
        elif what == "product+cache":
            anyio.run(calls.cold_until_cached, calls.Upstream(url, key, small), job, tmp)
        else:
            calls.json_loop(url, key, job)
    peak = vm_status_mb("VmHWM")
    print(json.dumps({"after_imports": after_imports, "ready": ready[-1], "peak": peak}), flush=True)
    return 0


def run_memory_child(what: str, up: calls.Upstream, job: str) -> dict[str, float]:
    spec = json.dumps([what, up.url, up.key, job, up.small])
    return run_json_child([__file__, "--memory-child", spec], timeout=180)


# ---- measuring -------------------------------------------------------------------------------


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def fmt(xs: list[float], scale: float = 1.0, nd: int = 2) -> str:
    return "[" + ", ".join(f"{x * scale:.{nd}f}" for x in xs) + "]"


class Run:
    """Everything one invocation measures, keyed by gzip mode."""

    def __init__(self, args: argparse.Namespace, info: dict[str, Any], tmp: str) -> None:
        self.args, self.info, self.tmp, self.n = args, info, tmp, 0
        self.key, self.jobs = info["key"], info["jobs"]
        self.url = {"plain": info["plain_url"], "gzip": info["gzip_url"]}
        self.up = {m: calls.Upstream(self.url[m], self.key, info["small"]) for m in MODES}
        self.raw_pages: list[bytes] = []
        calls.json_loop(self.url["plain"], self.key, self.jobs[0], self.raw_pages)
        self.recount = calls.Recount(self.raw_pages)
        self.loops: dict[str, dict[str, list[tuple[float, float]]]] = {
            m: {"raw": [], "json": [], "async": []} for m in MODES
        }
        self.cold: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
        self.warm: dict[str, Any] = {"all": [], "first": [], "kinds": {}, "cold": []}
        self.conc: dict[str, list[Any]] = {"lone": [], "answers": []}
        self.mem: dict[str, dict[str, float]] = {}
        self.overview: dict[str, Any] = {}

    def fresh(self) -> str:
        self.n += 1
        return str(Path(self.tmp) / f"d{self.n}")

    def cold_run(self, mode: str) -> None:
        import anyio

        (secs, cpu), self.overview = anyio.run(calls.timed_cold, self.up[mode], self.jobs[0], self.fresh())
        self.recount.check(self.overview)
        self.cold[mode].append((secs, cpu))

    def loops_run(self, mode: str) -> None:
        import anyio

        job, url, key = self.jobs[0], self.url[mode], self.key
        self.loops[mode]["raw"].append(calls.cpu_timed(calls.raw_loop, url, key, self.info["targets"][job]))
        self.loops[mode]["json"].append(calls.cpu_timed(calls.json_loop, url, key, job))
        self.loops[mode]["async"].append(calls.cpu_timed(anyio.run, calls.async_json_loop, url, key, job))

    def warm_rounds(self) -> None:
        import anyio

        out = self.warm
        for _ in range(self.args.warm_rounds):
            cold_s, warm, ov = anyio.run(
                calls.cold_then_warm, self.up["gzip"], self.jobs[0], self.fresh(), self.args.warm_calls
            )
            self.recount.check(ov)
            out["cold"].append(cold_s)
            qid = ov["questions"][0]["question_id"]
            for kind, secs, structured in warm:
                self.recount.check(structured, qid)
                out["kinds"].setdefault(kind, []).append(secs * 1e3)
                out["all"].append(secs)
            if warm:
                out["first"].append(warm[0][1])

    def concurrent_rounds(self) -> None:
        import anyio

        out = self.conc
        for _ in range(self.args.concurrent_runs):
            secs, ov = anyio.run(calls.cold, self.up["gzip"], self.jobs[0], self.fresh())
            self.recount.check(ov)
            out["lone"].append(secs)
            jobs = self.jobs[: self.args.concurrency]
            done = anyio.run(calls.concurrent, self.up["gzip"], jobs, self.fresh())
            for _, structured in done:
                self.recount.check(structured)
            out["answers"].append([d for d, _ in done])


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

    cli_logging()
    print(box())
    exe = Path(sys.executable)
    exe_shown = exe.relative_to(ROOT) if exe.is_relative_to(ROOT) else exe
    print(f"command: {exe_shown} bench/coding_100k.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"packages: {versions(*PACKAGES)}")
    with (
        ReplayProcess(max(1, args.concurrency)) as rp,
        tempfile.TemporaryDirectory(prefix="bench-100k-") as tmp,
    ):
        info = rp.info
        run = Run(args, info, tmp)
        for m in MODES:  # untimed warm-up of every path
            run.loops_run(m)
            run.cold_run(m)
        run.loops = {m: {k: [] for k in run.loops[m]} for m in MODES}
        run.cold = {m: [] for m in MODES}
        for r in range(args.runs):
            for m in MODES if r % 2 == 0 else MODES[::-1]:
                run.loops_run(m)
                run.cold_run(m)
        print(f"load after (a)-(c): {load_average()}")
        run.warm_rounds()
        if args.concurrency > 1:
            run.concurrent_rounds()
        if not args.skip_memory:
            for m in MODES:
                run.mem[f"cold {m}"] = run_memory_child("product", run.up[m], run.jobs[0])
            run.mem["cold plain, until the result cache is written"] = run_memory_child(
                "product+cache", run.up["plain"], run.jobs[0]
            )
            run.mem["json loop"] = run_memory_child("json", run.up["plain"], run.jobs[0])
        replay = rp.stop()
        if replay is None:
            raise RuntimeError("the replay upstream did not report its CPU time")
    ok = report(run, replay)
    return 1 if (args.strict and not ok) else 0


# ---- report ----------------------------------------------------------------------------------


def report(run: Run, replay: dict[str, Any]) -> bool:
    info = run.info
    raw_mb = info["plain_bytes"] / 1e6
    print(
        f"coding_100k: {info['pages']} pages, {raw_mb:.1f} MB JSON ({info['gzip_bytes'] / 1e6:.1f} MB "
        f"gzipped, level {info['gzip_level']}); replay upstream in its own process "
        f"(its CPU for the whole run {replay['cpu_s']:.2f} s for {sum(replay['counts'].values())} requests)"
    )
    print(f"exactness: {run.recount.checked} answers checked against a recount of the raw pages: all equal")
    verdicts: list[bool] = []

    def row(label: str, value: str, target: str = "", good: bool | None = None, detail: str = "") -> None:
        verdict = "" if good is None else ("PASS" if good else "MISS")
        if good is not None:
            verdicts.append(good)
        print(f"{label:<52}{value:>10}  {target:<9}{verdict:<6}{detail}")

    def wall_cpu(samples: list[tuple[float, float]]) -> tuple[float, float, str]:
        walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
        return med(walls), med(cpus), f"cpu {med(cpus):.3f} s; wall {fmt(walls, nd=3)}"

    print(f"{'measure (medians; samples in order)':<52}{'value':>10}  {'target':<9}{'result':<6}detail")
    for m in MODES:
        loops = run.loops[m]
        b, b_cpu, _ = wall_cpu(loops["json"])
        for name, label in (("raw", "(a) raw bytes loop"), ("json", "(b) httpx + json.loads loop")):
            w, _, detail = wall_cpu(loops[name])
            row(f"[{m}] {label}", f"{w:.3f} s", detail=detail)
        w, _, detail = wall_cpu(loops["async"])
        row(f"[{m}]     AsyncClient + json.loads (diagnostic)", f"{w:.3f} s", detail=detail)
        c, c_cpu, detail = wall_cpu(run.cold[m])
        row(f"[{m}] (c) cold get_coding_results", f"{c:.3f} s", detail=detail)
        row(
            f"[{m}] (c) / (b)",
            f"{c / b:.2f}",
            f"<= {TARGET_RATIO}",
            c / b <= TARGET_RATIO,
            f"1.5x = {STRETCH_RATIO * b:.3f} s ({c - STRETCH_RATIO * b:+.3f} s away); cpu ratio "
            f"{c_cpu / b_cpu:.2f}; (c) / (a) {c / med([s[0] for s in loops['raw']]):.2f}",
        )
    w = run.warm
    if w["all"]:
        ms = sorted(x * 1e3 for x in w["all"])
        row(
            f"(d) warm drill-down, median of {len(ms)}",
            f"{med(ms):.1f} ms",
            f"<= {TARGET_WARM_MS:.0f} ms",
            med(ms) <= TARGET_WARM_MS,
            f"p90 {ms[int(0.9 * len(ms))]:.1f} ms, max {ms[-1]:.1f} ms; by kind "
            + ", ".join(f"{k} {med(x):.1f} ms (n={len(x)})" for k, x in w["kinds"].items()),
        )
        first = [x * 1e3 for x in w["first"]]
        row(
            "(d) first drill-down right after cold",
            f"{med(first):.1f} ms",
            f"<= {TARGET_WARM_MS:.0f} ms",
            max(first) <= TARGET_WARM_MS,
            f"each round {fmt(first, nd=1)} ms (verdict on the worst); cold before it {fmt(w['cold'])} s",
        )
    for name, v in run.mem.items():
        # The verdict is on what the 100k read adds to a server that is up and has answered a call
        # (its own memory); the growth since imports also holds the server's and client's start-up.
        grow = v["peak"] - v["after_imports"]
        product = name != "json loop"
        job = v["peak"] - v["ready"] if product else grow
        row(
            f"(e) VmHWM added by the read, {name}",
            f"{job:.0f} MB",
            f"<= {TARGET_MEM_FACTOR * raw_mb:.0f} MB" if product else "",
            job <= TARGET_MEM_FACTOR * raw_mb if product else None,
            f"{job / raw_mb:.1f}x the raw JSON; own VmHWM {v['after_imports']:.0f} MB after imports"
            + (f", {v['ready']:.0f} MB with the server up" if product else "")
            + f" -> {v['peak']:.0f} MB (fresh process): {grow:.0f} MB since imports ({grow / raw_mb:.1f}x)",
        )
    c = run.conc
    if c["answers"]:
        firsts = [a[0] for a in c["answers"]]
        lasts = [a[-1] for a in c["answers"]]
        ratio = med([f / lone for f, lone in zip(firsts, c["lone"], strict=True)])
        row(
            f"(f) {len(c['answers'][0])} concurrent cold reads: first",
            f"{med(firsts):.2f} s",
            f"<= {TARGET_CONCURRENT}x",
            ratio <= TARGET_CONCURRENT,
            f"{ratio:.2f}x a lone read ({fmt(c['lone'])} s); last {med(lasts):.2f} s "
            f"({med([x / y for x, y in zip(lasts, c['lone'], strict=True)]):.2f}x); "
            f"answers {[fmt(a) for a in c['answers']]}",
        )
    raw_tokens = sum(math.ceil(len(p) / 4) for p in run.raw_pages)
    summary = math.ceil(len(json.dumps(run.overview, separators=(",", ":")).encode()) / 4)
    row("(g) raw JSON tokens, sum ceil(bytes/4)", f"{raw_tokens:,}")
    row(
        "(g) overview structured tokens", f"{summary:,}", detail=f"raw / summary {raw_tokens / summary:,.0f}x"
    )
    print(f"load at the end: {load_average()}")
    good = all(verdicts)
    print(f"overall: {'PASS' if good else 'MISS'}")
    return good


if __name__ == "__main__":
    sys.exit(main())
