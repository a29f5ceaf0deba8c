"""``get_coding_results``: a coding job's overview, one question's code tree, one code's responses."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..tokens import DEFAULT_TOKENS
from ..views.coding import CodingSummaryOut, build_coding_index, summarise_coding
from .runtime import Cursor, JobId, MaxTokens, result, results_index, state
from .spec import ToolSpec

DESCRIPTION = """\
Coding results of a completed coding job (Aftercare coding, SurveyCoder one_call / auto_coding) \
as a compact summary that fits max_tokens.
No question_id: an overview of every question (base and top themes). question_id: that \
question's code tree by respondent count, with example answers. code_id (with question_id): that \
code's subtree and its responses, paged with cursor.
Counts are distinct respondents; a parent counts its whole subtree; with multi-coding shares add \
to more than 100%. Omitted codes are counted with the handle to see them.
For data-quality jobs use get_quality_results; for unfinished jobs use get_job."""


async def get_coding_results(
    ctx: Context,
    job_id: JobId,
    question_id: Annotated[
        str | None,
        Field(
            description="A question handle from the overview (e.g. Q1) to see its code tree.", max_length=200
        ),
    ] = None,
    code_id: Annotated[
        str | None,
        Field(
            description="A code handle from a question's tree (Aftercare: a number; SurveyCoder: an id) "
            "to see its subtree and responses.",
            max_length=200,
        ),
    ] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    examples_per_code: Annotated[
        int, Field(description="Example answers quoted per code (0-5).", ge=0, le=5)
    ] = 1,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, CodingSummaryOut]:
    state(ctx).source.ids.detect(job_id)
    source = state(ctx).source
    async with results_index(ctx, "coding", job_id, source.get_coding_results, build_coding_index) as index:
        summary = summarise_coding(
            index,
            question_id=question_id,
            code_id=code_id,
            max_tokens=max_tokens,
            examples_per_code=examples_per_code,
            cursor=cursor,
        )
    return result(summary)


SPEC = ToolSpec(fn=get_coding_results, title="Summarise coding results", description=DESCRIPTION)
