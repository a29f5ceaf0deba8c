"""``export_results``: a finished coding job's respondent-level coded data, written to new files."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
import anyio.from_thread
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from ..views.cleaning import no_match_error, sample_ids
from ..views.coding import build_coding_index
from ..views.export import ExportOut, export_summary, plan_export, write_export
from .exclusion import Exclude, ExcludeFlaggedIn, cleaned, quality_verdicts
from .runtime import JobId, progress, result, results_index, state
from .spec import ToolSpec

DESCRIPTION = """\
Export a completed coding job's respondent-level coded data to a new file in the export folder \
(SURVEY_JOBS_EXPORT_DIR; default: a survey-jobs folder in Downloads). It never overwrites a file.
One row per respondent per question: respondent id, question id, answer, then one 0/1 column per \
code (nets and leaves, named by tree position so they sort as the tree). xlsx: one sheet per \
question plus Summary and Codebook (code id, label, parent, count, share) sheets; csv: one UTF-8 \
file per question. Answers are written as text, never as formulas.
exclude_flagged_in=<data-quality job id> leaves out the respondents it flags (exclude: \
likely_removable or flagged) and adds demerit, likely_removable and flagged_issues columns.
Returns the absolute path(s), rows, columns and file size."""

ANNOTATIONS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
)
"""It writes a new file each call (so not read-only, not idempotent) and never overwrites one."""


async def export_results(
    ctx: Context,
    job_id: JobId,
    format: Annotated[
        Literal["xlsx", "csv"],
        Field(description="xlsx: one workbook; csv: one UTF-8 file per question."),
    ] = "xlsx",
    exclude_flagged_in: ExcludeFlaggedIn = None,
    exclude: Exclude = "likely_removable",
) -> Annotated[CallToolResult, ExportOut]:
    tool_state = state(ctx)
    source = tool_state.source
    source.ids.detect(job_id)
    report = progress(ctx)

    def on_progress(done: int, total: int, message: str) -> None:
        anyio.from_thread.run(report, done, total, message)

    async with results_index(ctx, "coding", job_id, source.get_coding_results, build_coding_index) as index:
        quality = cleaning = None
        if exclude_flagged_in is not None:
            quality, excl = await quality_verdicts(ctx, exclude_flagged_in, exclude)
            clean, cleaning = await cleaned(ctx, index, excl)
            if cleaning.matched == 0:
                raise no_match_error([index.results.job_id], [sample_ids(index.results)], excl)
            index = clean
        plan = plan_export(index, quality, cleaning, format, tool_state.now())
        folder = tool_state.export_dir
        written = await anyio.to_thread.run_sync(write_export, plan, folder, on_progress)
    return result(export_summary(plan, written, folder.expanduser().resolve()), ctx)


SPEC = ToolSpec(
    fn=export_results,
    title="Export coded data to a file",
    description=DESCRIPTION,
    annotations=ANNOTATIONS,
)
