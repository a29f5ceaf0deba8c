"""``compare_coding_results``: two coding jobs (e.g. two waves) code by code, with significance."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..tokens import DEFAULT_TOKENS
from ..views.cleaning import no_match_error, sample_ids
from ..views.coding import build_coding_index
from ..views.compare import CompareOut, summarise_comparison
from .exclusion import Exclude, ExcludeFlaggedIn, cleaned, exclusion
from .runtime import Cursor, JobId, MaxTokens, result, results_index, state
from .spec import ToolSpec

DESCRIPTION = """\
Compare two finished coding jobs (e.g. two waves; either provider, or one of each) code by code: \
each job's respondents and share, the difference in points and a two-sided pooled two-proportion \
z-test (significant at 95% only when both bases are >= 30), significant changes first; then codes \
only in one job. Questions match by id or wording, codes by label within their parent."""


async def compare_coding_results(
    ctx: Context,
    job_id: JobId,
    baseline_job_id: Annotated[
        str,
        Field(
            description="The job to compare against (e.g. the previous wave).",
            min_length=1,
            max_length=100,
        ),
    ],
    question_id: Annotated[
        str | None,
        Field(
            description="Only this question of job_id (e.g. Q1), matched to its baseline question.",
            max_length=200,
        ),
    ] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    cursor: Cursor = None,
    exclude_flagged_in: ExcludeFlaggedIn = None,
    exclude: Exclude = "likely_removable",
) -> Annotated[CallToolResult, CompareOut]:
    source = state(ctx).source
    source.ids.detect(job_id)
    source.ids.detect(baseline_job_id)
    fetch, build = source.get_coding_results, build_coding_index
    async with (
        results_index(ctx, "coding", job_id, fetch, build) as job,
        results_index(ctx, "coding", baseline_job_id, fetch, build) as baseline,
    ):
        cleaning: tuple = (None, None)
        scope_key = ""
        if exclude_flagged_in is not None:
            excl = await exclusion(ctx, exclude_flagged_in, exclude)
            job, job_cleaning = await cleaned(ctx, job, excl)
            baseline, baseline_cleaning = await cleaned(ctx, baseline, excl)
            if job_cleaning.matched == 0 and baseline_cleaning.matched == 0:
                samples = [sample_ids(job.results), sample_ids(baseline.results)]
                raise no_match_error([job.results.job_id, baseline.results.job_id], samples, excl)
            cleaning = (job_cleaning, baseline_cleaning)
            scope_key = f"{excl.quality_job_id}|{excl.rule}"
        summary = summarise_comparison(
            job,
            baseline,
            question_id=question_id,
            max_tokens=max_tokens,
            cursor=cursor,
            cleaning=cleaning,
            scope_key=scope_key,
        )
    return result(summary, ctx, max_tokens)


SPEC = ToolSpec(fn=compare_coding_results, title="Compare two coding jobs (waves)", description=DESCRIPTION)
