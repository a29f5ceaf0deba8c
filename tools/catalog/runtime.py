"""What every tool function shares: the server state it reads, progress, the deadline, results.

Tool functions take the MCP ``Context`` (never part of the input schema) and read the running
server through the small ``ToolState`` protocol, so nothing here needs ``server/``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from ..errors import SurveyJobsError, UpstreamError
from ..render import Summary
from ..source import JobSource, ProgressFn, ReadingState
from ..tokens import DEFAULT_TOKENS, MAX_TOKENS, MIN_TOKENS, text_tokens

T = TypeVar("T")
IndexT = TypeVar("IndexT")

TOOL_DEADLINE_S = 44.0
"""Every tool answers within this (MCP clients time out at 60 s). Each upstream request has its own
deadline in the HTTP layer, but one call may chain several requests (paging, coding-then-quality)."""
BUILD_HEADROOM_S = 4.0
"""Of the deadline, what a results call keeps for building its answer after the reader is done."""
READ_KINDS = frozenset({"coding", "quality"})
"""Results the server reads with its shared, resumable readers (a codebook is one small body)."""


class StillReading(SurveyJobsError):
    """A job's results are still being read when the call's wait ran out (the reader goes on).

    ``get_coding_results`` and ``get_quality_results`` answer it as a normal "reading" answer; for
    the tools that need whole results of several jobs it is an error that says to call again.
    """

    def __init__(self, state: ReadingState) -> None:
        items = "responses" if state.kind == "coding" else "respondents"
        super().__init__(
            f"The results of job {state.job_id} are still being read: {state.pages} page(s) "
            f"({state.items:,} {items}) of {state.what} so far. The server keeps reading in the "
            "background and nothing read is fetched again: call again with the same arguments."
        )
        self.state = state


class IndexCache:
    """In-memory LRU of summariser indexes for terminal jobs, built once however many calls ask.

    Results of a finished job never change, so a drill-down call reuses the index built on the
    first call (no refetch, no rebuild), and concurrent first calls share one build (building a
    100,000-response index is ~0.1 s of CPU). Bounded by entry count: one such index is
    the large case, and a handful are plenty for an assistant's working set. Eight, because one
    cleaned wave comparison alone keeps five (both waves, the quality job, both cleaned waves):
    with four, every repeat of it rebuilt everything.
    """

    def __init__(self, max_entries: int = 8) -> None:
        self._max = max_entries
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._building: dict[tuple[str, str], anyio.Event] = {}

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

    async def build_once(self, key: tuple[str, str], build: Callable[[T], IndexT], data: T) -> IndexT:
        """The index for ``key``: cached, or built in a worker thread by exactly one caller."""
        while True:
            index = self.get(key)
            if index is not None:
                return index
            pending = self._building.get(key)
            if pending is None:
                break
            await pending.wait()
        done = self._building[key] = anyio.Event()
        try:
            index = await anyio.to_thread.run_sync(build, data)
            self.put(key, index)
            return index
        finally:
            del self._building[key]
            done.set()


class ToolState(Protocol):
    """What the tools need from the running server (its lifespan state)."""

    source: JobSource
    indexes: IndexCache
    tz: tzinfo
    export_dir: Path
    """Where ``export_results`` writes new files (settings: ``SURVEY_JOBS_EXPORT_DIR``)."""

    def now(self) -> datetime: ...

    def store_note(self) -> str | None:
        """One line the next answer must carry about the local store (damaged, memory-only), or None."""
        ...


def state(ctx: Context) -> ToolState:
    return ctx.request_context.lifespan_context


_LAST_PROGRESS: ContextVar[list[str] | None] = ContextVar("last_progress", default=None)
"""The progress messages of the current call, for the deadline message ("what was read so far")."""


def progress(ctx: Context) -> ProgressFn:
    async def report(done: float, total: float | None, message: str) -> None:
        seen = _LAST_PROGRESS.get()
        if seen is not None:
            seen[:] = [message]
        await ctx.report_progress(done, total, message)

    return report


def result(summary: Summary, ctx: Context | None = None, max_tokens: int = DEFAULT_TOKENS) -> CallToolResult:
    """The tool result; with ``ctx``, it leads with the store's note when there is one.

    The note is what a user must act on (the store was replaced, or runs in memory only), so it
    goes first; when it and the summary together would break the budget, the summary's text is
    cut at a line boundary, never the note (the structured channel still holds every fact).
    """
    text = summary.text
    note = state(ctx).store_note() if ctx is not None else None
    if note:
        head = f"**Note:** {note}\n\n"
        text = head + text
        if text_tokens(text) > max_tokens:
            marker = "\n… (cut to fit the note above; the structured content has the rest)"
            room = max_tokens * 4 - len((head + marker).encode("utf-8"))
            kept = summary.text.encode("utf-8")[: max(room, 0)].decode("utf-8", "ignore")
            text = head + kept[: kept.rfind("\n") if "\n" in kept else 0] + marker
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=summary.structured
    )


@asynccontextmanager
async def deadline(what: str, ctx: Context | None = None) -> AsyncIterator[None]:
    """Stop ``what`` at the tool deadline with a message that says who was slow and what was read."""
    source = state(ctx).source if ctx is not None else None
    waits_before = source.upstream_waits() if source is not None else {}
    seen: list[str] = []
    token = _LAST_PROGRESS.set(seen)
    try:
        with anyio.fail_after(TOOL_DEADLINE_S):
            yield
    except TimeoutError:
        waits_after = source.upstream_waits() if source is not None else {}
        raise UpstreamError(
            f"{what} took longer than {TOOL_DEADLINE_S:.0f} s and was stopped so the assistant gets an "
            f"answer before its client times out. {_diagnosis(waits_before, waits_after, seen)}",
            provider="upstream",
        ) from None
    finally:
        _LAST_PROGRESS.reset(token)


def _diagnosis(before: dict[str, float], after: dict[str, float], seen: list[str]) -> str:
    """Which provider the call waited for, what it had read, and the likely cause."""
    read = f"Read so far: {seen[-1]}." if seen else "Nothing had been read yet."
    waited = {label: after[label] - before.get(label, 0.0) for label in after}
    waited = {label: seconds for label, seconds in waited.items() if seconds > 0.05}
    if not waited:
        return (
            f"{read} No provider request was in progress: this server was busy with other work. "
            "Try again once other reads have finished."
        )
    labels = " and ".join(sorted(waited))
    total = min(sum(waited.values()), TOOL_DEADLINE_S)
    if total >= TOOL_DEADLINE_S / 2:
        cause = (
            f"Likely cause: {labels} answered slowly ({total:.0f} s of the {TOOL_DEADLINE_S:.0f} s went "
            "to waiting for it). Try again in a minute."
        )
    else:
        cause = (
            f"Likely cause: this server was busy (only {total:.0f} s of the {TOOL_DEADLINE_S:.0f} s went "
            f"to waiting for {labels}). Try again once other reads have finished."
        )
    return f"Provider: {labels}. {read} {cause}"


def read_wait_s() -> float:
    """How long a results call waits for the reader: the deadline less room to build the answer."""
    return max(TOOL_DEADLINE_S - BUILD_HEADROOM_S, TOOL_DEADLINE_S / 2)


@asynccontextmanager
async def results_index(
    ctx: Context,
    kind: str,
    job_id: str,
    fetch: Callable[[str, ProgressFn], Awaitable[T]],
    build: Callable[[T], IndexT],
) -> AsyncIterator[IndexT]:
    """The summariser index of a finished job: from memory, else read and built once for every caller.

    Coding and quality results come from the job's shared reader (``source.read_results``), which
    keeps reading when this call stops waiting: ``StillReading`` then says where it is. Their index
    is built in the read's own turn (``source.result_turn``), so the oldest of concurrent cold reads
    answers first. Other
    results (a codebook) are fetched with ``fetch`` under the deadline.
    """
    tool_state = state(ctx)
    key = (kind, tool_state.source.ids.normalize(job_id))
    index = tool_state.indexes.get(key)
    if index is None:
        if kind in READ_KINDS:
            source = tool_state.source
            data: Any = await source.read_results(job_id, kind, progress(ctx), read_wait_s())  # type: ignore[arg-type]
            if isinstance(data, ReadingState):
                raise StillReading(data)
            async with source.result_turn(job_id, kind):  # type: ignore[arg-type]
                index = await tool_state.indexes.build_once(key, build, data)
        else:
            async with deadline(f"Reading the results of job {job_id}", ctx):
                data = await fetch(job_id, progress(ctx))
            index = await tool_state.indexes.build_once(key, build, data)
    yield index


JobId = Annotated[
    str,
    Field(
        description="A job id from list_jobs (a UUID, or job_ + 24 hex).",
        min_length=1,
        max_length=100,
    ),
]
MaxTokens = Annotated[
    int,
    Field(
        description="Answer budget, ceil(UTF-8 bytes/4) per channel; more budget shows more per call.",
        ge=MIN_TOKENS,
        le=MAX_TOKENS,
    ),
]
Cursor = Annotated[
    str | None,
    Field(description="next_cursor of the previous call (same other arguments).", max_length=400),
]
