"""``survey-jobs://jobs/{job_id}/summary``: the default results overview of a job, by its kind.

A coding job gives the ``get_coding_results`` overview, a data-quality job the
``get_quality_results`` summary, both at the tools' default budget. A job without results (queued,
running, failed, a codebook) gives its status view, which says why and what to do next.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context

from ..catalog.runtime import deadline, results_index, state
from ..models import CODING_KINDS, QUALITY_KINDS
from ..tokens import DEFAULT_TOKENS
from ..views.coding import build_coding_index, summarise_coding
from ..views.jobs import get_job_view
from ..views.quality import build_quality_index, summarise_quality
from .spec import SUMMARY_TEMPLATE, ResourceSpec

DESCRIPTION = (
    "The results overview of a finished job: every question's base and top themes (coding jobs) "
    "or flag rates and worst respondents (data-quality jobs). Unfinished jobs show their status."
)

WITH_RESULTS = frozenset({"completed", "partially_failed"})


async def job_summary(job_id: str, ctx: Context[Any]) -> str:
    tool_state = state(ctx)
    source = tool_state.source
    source.ids.detect(job_id)
    async with deadline(f"Looking up job {job_id}"):
        job = await source.get_job(job_id)
    if job.status in WITH_RESULTS and job.kind in CODING_KINDS:
        async with results_index(
            ctx, "coding", job_id, source.get_coding_results, build_coding_index
        ) as index:
            return summarise_coding(index, max_tokens=DEFAULT_TOKENS).text
    if job.status in WITH_RESULTS and job.kind in QUALITY_KINDS:
        async with results_index(
            ctx, "quality", job_id, source.get_quality_report, build_quality_index
        ) as index:
            return summarise_quality(index, max_tokens=DEFAULT_TOKENS).text
    return get_job_view(job, now=tool_state.now(), tz=tool_state.tz).text


SPEC = ResourceSpec(
    uri=SUMMARY_TEMPLATE,
    fn=job_summary,
    title="Job results overview",
    description=DESCRIPTION,
    job_args={"job_id": "any"},
)
