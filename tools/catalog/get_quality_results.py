"""``get_quality_results``: a data-quality job's flag rates, worst respondents, one respondent."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..tokens import DEFAULT_TOKENS
from ..views.quality import QualitySummaryOut, build_quality_index, summarise_quality
from ..views.reading import reading_summary
from .runtime import Cursor, JobId, MaxTokens, StillReading, result, results_index, state
from .spec import ToolSpec

DESCRIPTION = """\
Data-quality results of a finished data-quality job: demerit (0-100, higher = worse) mean, median \
and distribution, flag rates per issue type, likely removable respondents (rules stated), then \
the worst respondents with their strongest issue and evidence, as many as fit in max_tokens \
(cursor continues). respondent_id: one respondent's answers and checks.
A big job may outlast one call: the answer then has state "reading"; call again to continue."""


async def get_quality_results(
    ctx: Context,
    job_id: JobId,
    issue_type: Annotated[
        str | None,
        Field(
            description="nonsensical, irrelevant, low_effort, llm_generated, self_duplicate or "
            "shared_duplicate.",
            max_length=40,
        ),
    ] = None,
    min_demerit: Annotated[
        float | None, Field(description="Only respondents with demerit >= this.", ge=0, le=100)
    ] = None,
    respondent_id: Annotated[
        str | None,
        Field(description="A respondent id from the list.", max_length=200),
    ] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, QualitySummaryOut]:
    state(ctx).source.ids.detect(job_id)
    source = state(ctx).source
    try:
        async with results_index(
            ctx, "quality", job_id, source.get_quality_report, build_quality_index
        ) as index:
            summary = summarise_quality(
                index,
                issue_type=issue_type,
                min_demerit=min_demerit,
                respondent_id=respondent_id,
                max_tokens=max_tokens,
                cursor=cursor,
            )
    except StillReading as still:
        summary = reading_summary(still.state, "get_quality_results", max_tokens)
    return result(summary, ctx, max_tokens)


SPEC = ToolSpec(fn=get_quality_results, title="Summarise data-quality results", description=DESCRIPTION)
