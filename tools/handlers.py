"""The four MCP tool functions: parameters, validation, and the call into the summarisers.

Each function takes the MCP ``Context`` (never shown in the input schema) and reads the server's
state through the small ``ToolState`` protocol, so this module needs nothing from ``server/``.
Results are returned as ``CallToolResult`` annotated with the output model: the markdown text is
written by us (it must stand alone) and ``structuredContent`` is the compact dict of the same
facts, validated by the SDK against the advertised output schema.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, tzinfo
from typing import Annotated, Any, Literal, Protocol

import anyio
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from .coding_summary import CodingIndex, CodingSummaryOut, build_coding_index, summarise_coding
from .ids import detect_provider, normalize_job_id
from .jobs_view import GetJobOut, ListJobsOut, get_job_view, list_jobs_view
from .quality_summary import QualityIndex, QualitySummaryOut, build_quality_index, summarise_quality
from .source import JobSource, ProgressFn
from .summary import Summary
from .timewindow import resolve_window
from .tokens import DEFAULT_TOKENS, MAX_TOKENS, MIN_TOKENS


class IndexCache:
    """In-memory LRU of summariser indexes for terminal jobs.

    Results of a finished job never change, so a drill-down call reuses the index built on the
    first call (no refetch, no rebuild). Bounded by entry count: one 100,000-response index is
    the large case, and a handful are plenty for an assistant's working set.
    """

    def __init__(self, max_entries: int = 4) -> None:
        self._max = max_entries
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def get(self, key: tuple[str, str]) -> Any | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple[str, str], value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class ToolState(Protocol):
    """What the tools need from the running server (its lifespan state)."""

    source: JobSource
    indexes: IndexCache
    tz: tzinfo

    def now(self) -> datetime: ...


def _state(ctx: Context) -> ToolState:
    return ctx.request_context.lifespan_context


def _progress(ctx: Context) -> ProgressFn:
    async def report(done: float, total: float | None, message: str) -> None:
        await ctx.report_progress(done, total, message)

    return report


def _result(summary: Summary) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=summary.text)], structured_content=summary.structured
    )


JobId = Annotated[
    str,
    Field(
        description="Job id: an Aftercare UUID (123e4567-e89b-12d3-a456-426614174000) or a SurveyCoder "
        "id (job_ + 24 hex, e.g. job_1a2b3c4d5e6f7a8b9c0d1e2f).",
        min_length=1,
        max_length=100,
    ),
]
MaxTokens = Annotated[
    int,
    Field(
        description="Budget for the response: each of the text and the structured content stays "
        "within ceil(utf8 bytes / 4) <= max_tokens.",
        ge=MIN_TOKENS,
        le=MAX_TOKENS,
    ),
]
Cursor = Annotated[
    str | None,
    Field(
        description="Opaque next_cursor from a previous call with the same other arguments.", max_length=400
    ),
]


# SurveyCoder can filter server-side, which matters because it lists at most 100 jobs.
_UPSTREAM_STATUS_HINT = {
    "queued": "queued",
    "running": "processing",
    "completed": "completed",
    "failed": "failed",
}


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
    state = _state(ctx)
    now, tz = state.now(), state.tz
    # Validate the window before any upstream call: a typo should not cost a refresh round.
    resolve_window(since, until, now=now, tz=tz)
    upstream_status = _UPSTREAM_STATUS_HINT.get(status)
    listing = await state.source.list_jobs(None if provider == "all" else provider, upstream_status)
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
    return _result(summary)


async def get_job(ctx: Context, job_id: JobId) -> Annotated[CallToolResult, GetJobOut]:
    detect_provider(job_id)
    state = _state(ctx)
    job = await state.source.get_job(job_id)
    return _result(get_job_view(job, now=state.now(), tz=state.tz))


async def get_coding_results(
    ctx: Context,
    job_id: JobId,
    question_id: Annotated[
        str | None,
        Field(
            description="A question handle from the overview (e.g. Q1) to see its code tree.", max_length=200
        ),
    ] = None,
    code_id: Annotated[
        str | None,
        Field(
            description="A code handle from a question's tree (Aftercare: a number; SurveyCoder: an id) "
            "to see its subtree and responses.",
            max_length=200,
        ),
    ] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    examples_per_code: Annotated[
        int, Field(description="Example answers quoted per code (0-5).", ge=0, le=5)
    ] = 1,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, CodingSummaryOut]:
    detect_provider(job_id)
    state = _state(ctx)
    key = ("coding", normalize_job_id(job_id))
    index: CodingIndex | None = state.indexes.get(key)
    if index is None:
        results = await state.source.get_coding_results(job_id, _progress(ctx))
        index = await anyio.to_thread.run_sync(build_coding_index, results)
        state.indexes.put(key, index)
    summary = summarise_coding(
        index,
        question_id=question_id,
        code_id=code_id,
        max_tokens=max_tokens,
        examples_per_code=examples_per_code,
        cursor=cursor,
    )
    return _result(summary)


async def get_quality_results(
    ctx: Context,
    job_id: JobId,
    issue_type: Annotated[
        str | None,
        Field(
            description="Only respondents flagged for this issue: nonsensical, irrelevant, low_effort, "
            "llm_generated, self_duplicate, shared_duplicate.",
            max_length=40,
        ),
    ] = None,
    min_demerit: Annotated[
        float | None, Field(description="Only respondents with demerit score >= this (0-100).", ge=0, le=100)
    ] = None,
    respondent_id: Annotated[
        str | None,
        Field(description="Show one respondent's per-answer evaluation.", max_length=200),
    ] = None,
    max_tokens: MaxTokens = DEFAULT_TOKENS,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, QualitySummaryOut]:
    detect_provider(job_id)
    state = _state(ctx)
    key = ("quality", normalize_job_id(job_id))
    index: QualityIndex | None = state.indexes.get(key)
    if index is None:
        report = await state.source.get_quality_report(job_id, _progress(ctx))
        index = await anyio.to_thread.run_sync(build_quality_index, report)
        state.indexes.put(key, index)
    summary = summarise_quality(
        index,
        issue_type=issue_type,
        min_demerit=min_demerit,
        respondent_id=respondent_id,
        max_tokens=max_tokens,
        cursor=cursor,
    )
    return _result(summary)
