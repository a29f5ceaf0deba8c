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
Coding results of a finished coding job, exact and within max_tokens (a bigger budget shows more).
No ids: every question's base and code tree, largest codes first. question_id: that question's \
tree with example answers. code_id: that code's sub-codes and responses (cursor pages).
Counts are distinct respondents; a parent counts its subtree once; multi-coded shares add to over \
100%. Whatever is cut is counted, with the handle that shows it."""


async def get_coding_results(
    ctx: Context,
    job_id: JobId,
    question_id: Annotated[
        str | None,
        Field(description="A question handle from the overview.", max_length=200),
    ] = None,
    code_id: Annotated[
        str | None,
        Field(
            description="A code handle from a question's tree.",
            max_length=200,
        ),
    ] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    examples_per_code: Annotated[
        int, Field(description="Example answers per code in a question's tree.", ge=0, le=5)
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
    return result(summary, ctx, max_tokens)


SPEC = ToolSpec(fn=get_coding_results, title="Summarise coding results", description=DESCRIPTION)
