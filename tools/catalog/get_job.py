"""``get_job``: one job's status, progress, timings, error, and what to call next."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult

from ..views.jobs import GetJobOut, get_job_view
from .runtime import JobId, deadline, result, state
from .spec import ToolSpec

DESCRIPTION = """\
One job's status (normalized and the provider's own), progress, timings, error, and the call to \
make next. Check a job is done before reading its results; call again later while it runs."""


async def get_job(ctx: Context, job_id: JobId) -> Annotated[CallToolResult, GetJobOut]:
    state(ctx).source.ids.detect(job_id)
    tool_state = state(ctx)
    async with deadline(f"Looking up job {job_id}", ctx):
        job = await tool_state.source.get_job(job_id)
    return result(get_job_view(job, now=tool_state.now(), tz=tool_state.tz), ctx)


SPEC = ToolSpec(fn=get_job, title="Get one job's status", description=DESCRIPTION)
