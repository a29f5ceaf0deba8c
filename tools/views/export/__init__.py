"""Respondent-level coded data to files: the deliverable a researcher hands to tabulation.

``plan_export`` lays the tables out from the coding index (``layout``), ``write_export`` writes
them into new files in the export folder (``files``) as one xlsx workbook or one CSV per question,
and ``export_summary`` is the tool's answer: where the files are, rows, columns, bytes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ...errors import InvalidInput
from ...quoting import clean_label, handle, plain, plain_id
from ...render import Summary, drop_none
from ..cleaning import CleanDetail, CleaningOut, cleaning_block
from ..lean import OutModel, inline
from .csv_writer import write_csv
from .files import prepare_folder, reserved, safe_part
from .plan import ExportPlan, ExportResult, Format, Progress, plan_export
from .xlsx_writer import check_limits, write_xlsx

FILES_SHOWN = 20
_CLEAN_SHORT = CleanDetail(bases=8, moved=0, label_chars=30)


def file_names(plan: ExportPlan) -> list[str]:
    stem = f"{safe_part(plan.index.results.job_id)}-{plan.now.strftime('%Y%m%dT%H%M%S')}"
    if plan.cleaning is not None:
        stem += "-clean"
    if plan.fmt == "xlsx":
        return [f"{stem}.xlsx"]
    return [f"{stem}-{safe_part(t.question_id, 40)}.csv" for t in plan.tables]


def write_export(plan: ExportPlan, folder: Path, progress: Progress) -> ExportResult:
    """Write ``plan`` into new files in ``folder`` (never overwriting, never outside it)."""
    if not plan.tables:
        raise InvalidInput("This coding job has no questions, so there is nothing to export.")
    if plan.fmt == "xlsx" and (why := check_limits(plan)):
        raise InvalidInput(f'Cannot export to xlsx: {why}. Use format="csv" instead.')
    root = prepare_folder(folder)
    result = ExportResult(files=[])
    with reserved(root, file_names(plan)) as opened:
        if plan.fmt == "xlsx":
            ((path, fh),) = opened
            written, cut = write_xlsx(plan, fh, str(path), progress)
            result.files.append(written)
            result.truncated_cells = cut
        else:
            done = 0
            for (path, fh), table in zip(opened, plan.tables, strict=True):
                result.files.append(write_csv(plan, table, fh, str(path), progress, done))
                done += len(table.respondents)
        for _, fh in opened:
            fh.flush()
    for f in result.files:
        f.bytes = Path(f.path).stat().st_size
    progress(plan.rows, plan.rows, f"Wrote {plan.rows:,} rows")
    return result


# ---- the tool's answer ------------------------------------------------------------------------


class SheetOut(OutModel):
    name: str
    question_id: str | None = None
    rows: int
    columns: int


class ExportFileOut(OutModel):
    path: str
    bytes: int
    question_id: str | None = None
    rows: int
    columns: int
    sheets: list[inline(SheetOut)] | None = None


class ExportOut(OutModel):
    job_id: str
    provider: str
    kind: str
    format: str
    folder: str
    files: list[inline(ExportFileOut)]
    files_omitted: int | None = None
    rows: int
    columns: int = Field(description="of the widest question table")
    bytes: int
    questions: int
    truncated_cells: int | None = None
    cleaning: inline(CleaningOut) | None = None
    note: str


NOTE = (
    "one row per respondent per question; code columns are 0/1 (1 = in the code or its sub-codes), "
    "named by tree position; answers are written as text, never as formulas"
)


def export_summary(plan: ExportPlan, result: ExportResult, folder: Path) -> Summary:
    r = plan.index.results
    rows = sum(f.rows for f in result.files)
    columns = max((f.columns for f in result.files), default=0)
    size = sum(f.bytes for f in result.files)
    lines = [
        f"# Export written — job {handle(r.job_id)}",
        f"**Format:** {plan.fmt} · **Rows:** {rows:,} · **Columns:** up to {columns:,} · "
        f"**Size:** {size:,} bytes · **Questions:** {len(plan.tables):,}",
    ]
    shown = result.files[:FILES_SHOWN]
    for f in shown:
        what = f"{f.rows:,} rows × {f.columns:,} columns" if f.question_id else f"{len(f.sheets)} sheets"
        lines.append(f"- `{_shown_path(f.path)}` — {what}, {f.bytes:,} bytes")
    if len(result.files) > len(shown):
        lines.append(f"- +{len(result.files) - len(shown):,} more files with the same name prefix")
    if plan.fmt == "xlsx":
        lines.append(
            "**Sheets:** Summary, Codebook (code id, label, parent, count, share), then one per question: "
            + ", ".join(f"{clean_label(s[0], 31)} ({s[2]:,} rows)" for s in shown[0].sheets[:10])
        )
    data: dict = {
        "job_id": plain_id(r.job_id),
        "provider": plain(r.provider, 20),
        "kind": plain(r.kind, 30),
        "format": plan.fmt,
        "folder": str(folder),
        "files": [_file_out(f) for f in shown],
        "files_omitted": len(result.files) - len(shown) or None,
        "rows": rows,
        "columns": columns,
        "bytes": size,
        "questions": len(plan.tables),
        "truncated_cells": result.truncated_cells or None,
        "note": NOTE,
    }
    if result.truncated_cells:
        lines.append(
            f"**Cut:** {result.truncated_cells:,} answers longer than Excel's 32,767-character cell limit."
        )
    if plan.cleaning is not None:
        block, cleaning = cleaning_block(plan.cleaning, _CLEAN_SHORT)
        lines.extend(block)
        data["cleaning"] = cleaning
    lines.append(f"**Note:** {NOTE}.")
    return Summary("\n".join(lines) + "\n", drop_none(data))


def _shown_path(path: str) -> str:
    """A path inside a code span: one line, no backtick that could end the span."""
    return plain(path, 400).replace("`", "'")


def _file_out(f) -> dict:
    out = {
        "path": f.path,
        "bytes": f.bytes,
        "question_id": f.question_id,
        "rows": f.rows,
        "columns": f.columns,
    }
    if f.sheets:
        out["sheets"] = [
            drop_none({"name": n, "question_id": q, "rows": r, "columns": c}) for n, q, r, c in f.sheets
        ]
    return drop_none(out)


__all__ = ["ExportOut", "Format", "export_summary", "plan_export", "write_export"]
