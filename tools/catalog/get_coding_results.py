"""``get_coding_results``: a coding job's overview, one question's code tree, one code's responses."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..errors import CodebookOnly
from ..tokens import DEFAULT_TOKENS
from ..views.cleaning import CleaningField, no_match_error, sample_ids, with_cleaning
from ..views.codebook import CodebookField
from ..views.coding import CodingSummaryOut, build_coding_index, summarise_coding
from ..views.reading import reading_summary
from .codebook import codebook_summary
from .exclusion import Exclude, ExcludeFlaggedIn, cleaned, exclusion
from .runtime import Cursor, JobId, MaxTokens, StillReading, result, results_index, state
from .spec import ToolSpec

DESCRIPTION = """\
Coding results of a finished coding job, exact and within max_tokens (a bigger budget shows more).
No ids: every question's base and code tree, largest codes first. question_id: that question's \
tree with example answers. code_id: that code's sub-codes and responses (cursor pages).
Counts are distinct respondents; a parent counts its subtree once; multi-coded shares add to over \
100%. Whatever is cut is counted, with the handle that shows it.
exclude_flagged_in=<data-quality job id>: the same without the respondents it flags, and what that \
changed. On a codebook_generation job: its codebook (categories, codes, definitions, sentiment).
A big job may outlast one call: the answer then has state "reading"; call again to continue."""


class CodingResultsOut(CodingSummaryOut):
    """The coding summary, plus the cleaning header and the codebook view this tool can also return."""

    cleaning: CleaningField | None = None
    codebook: CodebookField | None = None


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
    exclude_flagged_in: ExcludeFlaggedIn = None,
    exclude: Exclude = "likely_removable",
) -> Annotated[CallToolResult, CodingResultsOut]:
    state(ctx).source.ids.detect(job_id)
    source = state(ctx).source

    def summarise(index, budget: int, subset: str | None = None):
        return summarise_coding(
            index,
            question_id=question_id,
            code_id=code_id,
            max_tokens=budget,
            examples_per_code=examples_per_code,
            cursor=cursor,
            subset=subset,
        )

    try:
        async with results_index(
            ctx, "coding", job_id, source.get_coding_results, build_coding_index
        ) as index:
            if exclude_flagged_in is None:
                summary = summarise(index, max_tokens)
            else:
                excl = await exclusion(ctx, exclude_flagged_in, exclude)
                clean, cleaning = await cleaned(ctx, index, excl)
                if cleaning.matched == 0:
                    raise no_match_error([index.results.job_id], [sample_ids(index.results)], excl)
                subset = f"{excl.quality_job_id}|{excl.rule}"
                summary = with_cleaning(
                    lambda b: summarise(clean, b, subset), cleaning, max_tokens, index.results
                )
    except StillReading as still:
        if still.state.job_id != source.ids.canonical(job_id):
            raise  # the data-quality job of exclude_flagged_in: its message says to call again
        summary = reading_summary(still.state, "get_coding_results", max_tokens)
    except CodebookOnly:
        summary = await codebook_summary(
            ctx,
            job_id,
            question_id=question_id,
            code_id=code_id,
            exclude_flagged_in=exclude_flagged_in,
            max_tokens=max_tokens,
            cursor=cursor,
        )
    return result(summary, ctx, max_tokens)


SPEC = ToolSpec(fn=get_coding_results, title="Summarise coding results", description=DESCRIPTION)
