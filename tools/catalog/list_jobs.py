"""``list_jobs``: which jobs exist, which failed, filtered by status, provider and time."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..timewindow import resolve_window
from ..views.jobs import ListJobsOut, list_jobs_view
from .runtime import Cursor, deadline, result, state
from .spec import ToolSpec

DESCRIPTION = """\
List recent jobs of both providers, newest first, with counts by status.
Use it for "which jobs failed today?", "what is still running?", or to find a job id.
status: queued | running | completed | partially_failed | failed | any ("failed" also matches \
partially failed jobs). since/until: ISO date or date-time, or today, yesterday, 24h, 7d (resolved \
in the server's time zone and echoed back). Counts cover every matching job even when items are \
cut by limit; pass next_cursor as cursor for more.
Next: get_job for details of one job; get_coding_results / get_quality_results for a completed one."""


async def list_jobs(
    ctx: Context,
    status: Annotated[
        Literal["queued", "running", "completed", "partially_failed", "failed", "any"],
        Field(description='Normalized status filter; "failed" also matches partially_failed.'),
    ] = "any",
    provider: Annotated[
        Literal["all", "aftercare", "surveycoder"], Field(description="Which provider's jobs to list.")
    ] = "all",
    since: Annotated[
        str | None,
        Field(
            description="Only jobs dated at or after: ISO date/date-time, or today, yesterday, 24h, 7d.",
            max_length=64,
        ),
    ] = None,
    until: Annotated[
        str | None,
        Field(description="Only jobs dated before: same forms as since.", max_length=64),
    ] = None,
    limit: Annotated[int, Field(description="Jobs to show (counts cover all matches).", ge=1, le=100)] = 20,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, ListJobsOut]:
    tool_state = state(ctx)
    now, tz = tool_state.now(), tool_state.tz
    # Validate the window before any upstream call: a typo should not cost a refresh round.
    resolve_window(since, until, now=now, tz=tz)
    async with deadline("Listing jobs"):
        listing = await tool_state.source.list_jobs(
            None if provider == "all" else provider, None if status == "any" else status
        )
    summary = list_jobs_view(
        listing,
        status=status,
        provider=provider,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        now=now,
        tz=tz,
    )
    return result(summary)


SPEC = ToolSpec(fn=list_jobs, title="List survey-analysis jobs", description=DESCRIPTION)
