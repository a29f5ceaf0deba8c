"""``wait_for_jobs``: wait inside one call for jobs of either provider to finish, with progress."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..views.wait import ENOUGH_CALLS, WaitOut, wait_view
from . import runtime
from .runtime import deadline, progress, result, state
from .spec import ToolSpec

MAX_IDS = 20
MAX_TIMEOUT_S = 40

DESCRIPTION = f"""\
Wait inside this call until jobs finish, instead of calling get_job in a loop. job_ids: up to \
{MAX_IDS} ids of either provider; omit it to watch every unfinished job known. return_when: \
first_finished (return as soon as one job reaches a final status) or all_finished. timeout_s \
(1-{MAX_TIMEOUT_S}): the call returns by then with each job's state and progress.
The server polls politely (shared with list_jobs and get_job) and reports progress while waiting. \
When jobs finish, the answer gives each one's final status, error and the exact next call; their \
results are already being read in the background.
While jobs are still running, call wait_for_jobs again with the same arguments; after about \
{ENOUGH_CALLS} calls in a row, stop and tell the user the jobs are still running and how far they are."""

JobIdList = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]] | None,
    Field(
        description=f"Up to {MAX_IDS} job ids (Aftercare UUIDs or SurveyCoder job_ ids); omit for every "
        "unfinished job known.",
        max_length=MAX_IDS,
    ),
]


async def wait_for_jobs(
    ctx: Context,
    job_ids: JobIdList = None,
    return_when: Annotated[
        Literal["first_finished", "all_finished"],
        Field(description="first_finished: return when any job is final; all_finished: when all are."),
    ] = "first_finished",
    timeout_s: Annotated[
        float, Field(description="Return by then at the latest (seconds).", ge=1, le=MAX_TIMEOUT_S)
    ] = MAX_TIMEOUT_S,
) -> Annotated[CallToolResult, WaitOut]:
    tool_state = state(ctx)
    wait_s = min(timeout_s, runtime.TOOL_DEADLINE_S * 0.9)
    async with deadline("Waiting for jobs", ctx):
        outcome = await tool_state.source.wait_for_jobs(
            job_ids, until=return_when, timeout_s=wait_s, progress=progress(ctx)
        )
    return result(wait_view(outcome, job_ids=job_ids, return_when=return_when, timeout_s=timeout_s), ctx)


SPEC = ToolSpec(fn=wait_for_jobs, title="Wait for jobs to finish", description=DESCRIPTION)
