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
Write a finished coding job's respondent-level data to a new file in the export folder (never \
overwrites): one row per respondent per question with the answer and a 0/1 column per code (nets \
and leaves, in tree order). xlsx adds Summary and Codebook sheets; csv is one UTF-8 file per \
question. Returns the path(s), rows, columns and size."""

ANNOTATIONS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
)
"""It writes a new file each call (so not read-only, not idempotent) and never overwrites one."""


async def export_results(
    ctx: Context,
    job_id: JobId,
    format: Annotated[
        Literal["xlsx", "csv"],
        Field(description="xlsx or csv"),
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
