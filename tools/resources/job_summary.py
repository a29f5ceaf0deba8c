"""``survey-jobs://jobs/{job_id}/summary``: the default results overview of a job, by its kind.

A coding job gives the ``get_coding_results`` overview, a data-quality job the
``get_quality_results`` summary, a codebook-generation job its codebook, all at the tools' default
budget. A big job still being read gives the tools' "still reading" answer (read again later); a job
without results (queued, running, failed) gives its status view, which says why and what to do next.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context

from ..catalog.runtime import StillReading, deadline, results_index, state
from ..errors import CodebookOnly
from ..models import CODEBOOK_KINDS, CODING_KINDS, QUALITY_KINDS
from ..tokens import DEFAULT_TOKENS
from ..views.codebook import summarise_codebook
from ..views.coding import build_coding_index, summarise_coding
from ..views.jobs import get_job_view
from ..views.quality import build_quality_index, summarise_quality
from ..views.reading import reading_summary
from .spec import SUMMARY_TEMPLATE, ResourceSpec

DESCRIPTION = (
    "The results overview of a finished job: every question's base and top themes (coding jobs) "
    "or flag rates and worst respondents (data-quality jobs), or the codebook (codebook-generation "
    "jobs). Unfinished jobs show their status."
)

WITH_RESULTS = frozenset({"completed", "partially_failed"})


async def job_summary(job_id: str, ctx: Context[Any]) -> str:
    tool_state = state(ctx)
    source = tool_state.source
    source.ids.detect(job_id)
    async with deadline(f"Looking up job {job_id}"):
        job = await source.get_job(job_id)
    if job.status not in WITH_RESULTS:
        return get_job_view(job, now=tool_state.now(), tz=tool_state.tz).text
    try:
        if job.kind in CODING_KINDS:
            async with results_index(
                ctx, "coding", job_id, source.get_coding_results, build_coding_index
            ) as index:
                return summarise_coding(index, max_tokens=DEFAULT_TOKENS).text
        if job.kind in QUALITY_KINDS:
            async with results_index(
                ctx, "quality", job_id, source.get_quality_report, build_quality_index
            ) as index:
                return summarise_quality(index, max_tokens=DEFAULT_TOKENS).text
    except StillReading as still:
        tool = "get_coding_results" if still.state.kind == "coding" else "get_quality_results"
        return reading_summary(still.state, tool, DEFAULT_TOKENS).text
    except CodebookOnly:
        pass  # the job's kind was not known up front: it produced a codebook
    if job.kind in CODING_KINDS | CODEBOOK_KINDS:
        async with results_index(ctx, "codebook", job_id, source.get_codebook, lambda cb: cb) as codebook:
            return summarise_codebook(codebook, max_tokens=DEFAULT_TOKENS).text
    return get_job_view(job, now=tool_state.now(), tz=tool_state.tz).text


SPEC = ResourceSpec(
    uri=SUMMARY_TEMPLATE,
    fn=job_summary,
    title="Job results overview",
    description=DESCRIPTION,
    job_args={"job_id": "any"},
)
