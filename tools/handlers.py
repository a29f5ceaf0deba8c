"""The four MCP tool functions: parameters, validation, and the call into the summarisers.

Each function takes the MCP ``Context`` (never shown in the input schema) and reads the server's
state through the small ``ToolState`` protocol, so this module needs nothing from ``server/``.
Results are returned as ``CallToolResult`` annotated with the output model: the markdown text is
written by us (it must stand alone) and ``structuredContent`` is the compact dict of the same
facts, validated by the SDK against the advertised output schema.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, tzinfo
from typing import Annotated, Any, Literal, Protocol, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from .coding_summary import CodingSummaryOut, build_coding_index, summarise_coding
from .errors import UpstreamError
from .ids import detect_provider, normalize_job_id
from .jobs_view import GetJobOut, ListJobsOut, get_job_view, list_jobs_view
from .quality_summary import QualitySummaryOut, build_quality_index, summarise_quality
from .source import JobSource, ProgressFn
from .summary import Summary
from .timewindow import resolve_window
from .tokens import DEFAULT_TOKENS, MAX_TOKENS, MIN_TOKENS

T = TypeVar("T")
IndexT = TypeVar("IndexT")


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


TOOL_DEADLINE_S = 44.0
"""Every tool answers within this (MCP clients time out at 60 s). Each upstream request has its own
deadline in the HTTP layer, but one call may chain several requests (paging, coding-then-quality)."""


@asynccontextmanager
async def _deadline(what: str) -> AsyncIterator[None]:
    try:
        with anyio.fail_after(TOOL_DEADLINE_S):
            yield
    except TimeoutError:
        raise UpstreamError(
            f"{what} took longer than {TOOL_DEADLINE_S:.0f} s and was stopped so the assistant gets an "
            "answer before its client times out. The provider is slow right now: try again in a minute.",
            provider="upstream",
        ) from None


@asynccontextmanager
async def _results_index(
    ctx: Context,
    kind: str,
    job_id: str,
    fetch: Callable[[str, ProgressFn], Awaitable[T]],
    build: Callable[[T], IndexT],
) -> AsyncIterator[IndexT]:
    """The summariser index of a finished job: from memory, else fetched (paged) and built once.

    Fresh results are released to the source for caching only after the caller has built its
    answer (the ``with`` body), so persisting them never competes with the answer for the CPU.
    """
    state = _state(ctx)
    key = (kind, normalize_job_id(job_id))
    index = state.indexes.get(key)
    if index is not None:
        yield index
        return
    async with _deadline(f"Reading the results of job {job_id}"):
        data = await fetch(job_id, _progress(ctx))
    try:
        index = await anyio.to_thread.run_sync(build, data)
        state.indexes.put(key, index)
        yield index
    finally:
        state.source.results_served(job_id)


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
    async with _deadline("Listing jobs"):
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
    async with _deadline(f"Looking up job {job_id}"):
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
    source = _state(ctx).source
    async with _results_index(ctx, "coding", job_id, source.get_coding_results, build_coding_index) as index:
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
    source = _state(ctx).source
    async with _results_index(
        ctx, "quality", job_id, source.get_quality_report, build_quality_index
    ) as index:
        summary = summarise_quality(
            index,
            issue_type=issue_type,
            min_demerit=min_demerit,
            respondent_id=respondent_id,
            max_tokens=max_tokens,
            cursor=cursor,
        )
    return _result(summary)
