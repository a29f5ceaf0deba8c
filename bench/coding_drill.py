"""Diagnostic: the CPU cost of coding drill-downs (question trees, code pages, cursor pages) alone.

Pure CPU, in this process, no MCP and no HTTP: the BENCH-SCALE 100k coding job is built straight
from the sandbox's unpaged body, indexed once, then the same drill-downs ``coding_100k.py`` part (d)
makes are rendered with ``summarise_coding`` and timed as this thread's CPU (``time.thread_time``).
"first" is the very first render of a code (its response list built and cached on the index);
"warm" the median of ``--reps`` renders after it. Not a test and not a target: it says where the
server's share of a drill-down goes.

Run from the repo root: ``.venv/bin/python bench/coding_drill.py [--reps 9] [--max-tokens 3000]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import box


def build() -> Any:
    from replay_upstream import PAGE_SIZE, SCALE, SEED, START

    from survey_jobs_mcp.server.providers.aftercare.mapping import CodingMerger, coding_results
    from survey_jobs_mcp.server.providers.aftercare.wire import BATCH_CODING_SUCCESS
    from survey_jobs_mcp.server.sandbox import Sandbox
    from survey_jobs_mcp.tools.views.coding import build_coding_index

    sb = Sandbox(seed=SEED, scale=SCALE, page_size=PAGE_SIZE, start=START)
    row = next(r for r in sb.jobs() if r["survey"] == "BENCH-SCALE" and r["kind"] == "coding")
    body = sb.raw_coding(row["id"])["results"]
    merger = CodingMerger()
    merger.add_page(BATCH_CODING_SUCCESS.validate_python(body)["questionCodes"])
    return build_coding_index(coding_results(job_id=row["id"], survey=None, completed_at=None, merger=merger))


def timed(fn: Any, reps: int) -> tuple[float, float, Any]:
    """(first ms, median ms of the next ``reps``, last value)."""
    t0 = time.thread_time()
    value = fn()
    first = time.thread_time() - t0
    xs = []
    for _ in range(reps):
        t0 = time.thread_time()
        value = fn()
        xs.append(time.thread_time() - t0)
    return first * 1e3, statistics.median(xs) * 1e3, value


def main() -> int:
    from survey_jobs_mcp.tools.views.coding import summarise_coding

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--max-tokens", type=int, default=3000)
    args = ap.parse_args()
    print(box())
    print(f"command: {Path(sys.executable).name} bench/coding_drill.py {' '.join(sys.argv[1:])}".rstrip())
    index = build()
    mt = args.max_tokens
    rows: list[tuple[str, float, float, str]] = []
    for qs in index.questions:
        qid = qs.question_id
        f, w, s = timed(lambda qid=qid: summarise_coding(index, question_id=qid, max_tokens=mt), args.reps)
        rows.append((f"question {qid}", f, w, f"{len(qs.rank)} codes"))
        for stat in qs.rank[:2]:
            cid = stat.code_id

            def page(cursor: str | None = None, qid: str = qid, cid: str = cid) -> Any:
                return summarise_coding(index, question_id=qid, code_id=cid, max_tokens=mt, cursor=cursor)

            f, w, s = timed(page, args.reps)
            shown = len(s.structured["responses"])
            rows.append((f"  code {cid}", f, w, f"{shown} of {s.structured['responses_total']:,} shown"))
            cur = s.structured.get("next_cursor")
            if cur:
                f, w, s = timed(lambda cur=cur, page=page: page(cur), args.reps)
                rows.append((f"  code {cid} cursor", f, w, f"{len(s.structured['responses'])} shown"))
    print(f"{'render':<34}{'first ms':>10}{'warm ms':>10}  detail")
    for label, f, w, detail in rows:
        print(f"{label:<34}{f:10.2f}{w:10.2f}  {detail}")
    warm = [w for _, _, w, _ in rows]
    print(f"{'median warm (all kinds)':<34}{'':>10}{statistics.median(warm):10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
