"""The CSV writer: one UTF-8 file per question (with a byte-order mark, so Excel opens it as UTF-8).

RFC 4180 quoting by the standard ``csv`` module; strings that a spreadsheet would read as a formula
get a leading apostrophe (``cells.csv_text``). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from .cells import csv_text
from .layout import QuestionTable, rows
from .plan import ExportPlan, Progress, WrittenFile

PROGRESS_EVERY = 5_000


def _cell(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return csv_text(v)
    return v


def write_csv(
    plan: ExportPlan, table: QuestionTable, fh: BinaryIO, path: str, progress: Progress, done: int
) -> WrittenFile:
    """One question's table; ``done`` is the rows written before this file (for progress)."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    header = table.columns(plan.quality is not None)
    writer.writerow([csv_text(h) for h in header])
    n = 0
    for rid, qid, answer, cells in rows(table, plan.quality):
        writer.writerow([csv_text(rid), csv_text(qid), csv_text(answer), *(_cell(c) for c in cells)])
        n += 1
        if (done + n) % PROGRESS_EVERY == 0:
            progress(done + n, plan.rows, f"Wrote {done + n:,} of {plan.rows:,} rows")
    text.flush()
    text.detach()
    return WrittenFile(path, 0, table.question_id, n, len(header))
