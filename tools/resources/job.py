"""``survey-jobs://jobs/{job_id}``: one job's status view (what ``get_job`` shows), as markdown."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context

from ..catalog.runtime import deadline, state
from ..views.jobs import get_job_view
from .spec import JOB_TEMPLATE, ResourceSpec

DESCRIPTION = (
    "One job's status, progress, timings, error and the call to make next (the get_job view). "
    "Subscribe to hear when the server sees its status change."
)


async def job(job_id: str, ctx: Context[Any]) -> str:
    tool_state = state(ctx)
    tool_state.source.ids.detect(job_id)
    async with deadline(f"Looking up job {job_id}"):
        found = await tool_state.source.get_job(job_id)
    return get_job_view(found, now=tool_state.now(), tz=tool_state.tz).text


SPEC = ResourceSpec(
    uri=JOB_TEMPLATE, fn=job, title="Job status", description=DESCRIPTION, job_args={"job_id": "any"}
)
