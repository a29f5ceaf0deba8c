"""``list_jobs``: which jobs exist, which failed, filtered by status, provider and time."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from ..timewindow import resolve_window
from ..tokens import DEFAULT_TOKENS
from ..views.jobs import ListJobsOut, list_jobs_view
from .runtime import Cursor, MaxTokens, deadline, progress, result, state
from .spec import ToolSpec

DESCRIPTION = """\
Jobs of both providers, newest first, with counts by status that cover every match.
For "which jobs failed today?", "what is still running?", or to find a job id. As many jobs as \
fit in max_tokens; next_cursor continues.
Next: get_job for one job; get_coding_results / get_quality_results for a finished one."""


async def list_jobs(
    ctx: Context,
    status: Annotated[
        Literal["queued", "running", "completed", "partially_failed", "failed", "any"],
        Field(description='"failed" also matches partially_failed.'),
    ] = "any",
    provider: Annotated[Literal["all", "aftercare", "surveycoder"], Field(description="Whose jobs.")] = "all",
    since: Annotated[
        str | None,
        Field(
            description="Jobs dated at/after: ISO date or time, today, yesterday, 24h, 7d (server zone).",
            max_length=64,
        ),
    ] = None,
    until: Annotated[
        str | None,
        Field(description="Jobs dated before: as since.", max_length=64),
    ] = None,
    limit: Annotated[int | None, Field(description="At most this many jobs.", ge=1, le=1000)] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, ListJobsOut]:
    tool_state = state(ctx)
    now, tz = tool_state.now(), tool_state.tz
    # Validate the window before any upstream call: a typo should not cost a refresh round.
    resolve_window(since, until, now=now, tz=tz)
    async with deadline("Listing jobs", ctx):
        listing = await tool_state.source.list_jobs(
            None if provider == "all" else provider, None if status == "any" else status, progress(ctx)
        )
    summary = list_jobs_view(
        listing,
        status=status,
        provider=provider,
        since=since,
        until=until,
        limit=limit,
        max_tokens=max_tokens,
        cursor=cursor,
        now=now,
        tz=tz,
    )
    return result(summary, ctx, max_tokens)


SPEC = ToolSpec(fn=list_jobs, title="List survey-analysis jobs", description=DESCRIPTION)
