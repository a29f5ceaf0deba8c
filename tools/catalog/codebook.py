"""``get_coding_results`` on a codebook-generation job: the codebook instead of coded responses.

The source says a job is codebook-only by raising ``CodebookOnly`` from ``get_coding_results``; the
tool then reads the codebook (small, one body) and answers with the codebook view, under the same
budget and cursor rules as every other result.
"""

from __future__ import annotations

from mcp.server.mcpserver import Context

from ..errors import InvalidInput
from ..quoting import handle
from ..render import Summary
from ..views.codebook import summarise_codebook
from .runtime import results_index, state


async def codebook_summary(
    ctx: Context,
    job_id: str,
    *,
    question_id: str | None,
    code_id: str | None,
    exclude_flagged_in: str | None,
    max_tokens: int,
    cursor: str | None,
) -> Summary:
    if exclude_flagged_in:
        raise InvalidInput(
            f"Job {handle(job_id)} produced a codebook, with no coded respondents to leave out; call "
            "get_coding_results without exclude_flagged_in to read the codebook."
        )
    if question_id or code_id:
        raise InvalidInput(
            f"Job {handle(job_id)} produced a codebook (one list of categories and codes, no per-code "
            "responses); call get_coding_results with only job_id (and cursor to page) to read it."
        )
    source = state(ctx).source
    async with results_index(ctx, "codebook", job_id, source.get_codebook, lambda cb: cb) as codebook:
        return summarise_codebook(codebook, max_tokens=max_tokens, cursor=cursor)
