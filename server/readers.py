"""Shared, resumable readers of finished jobs' results: one per (job, result kind), owned by the server.

Why: a big job on a slow provider takes longer to read than one tool call may last, identical calls
arrive together, and a host may stop the server right after an answer. So reading is a background
activity in the server's task group, not part of a call:

- single-flight: every caller of a job's results waits on the same reader (one upstream pass);
- a caller waits at most its budget and then gets where the reader is (``ReadingState``); the
  reader keeps going and the next call continues from there;
- every page is stored as it is absorbed (``read_state``), so a restart replays the stored pages
  and continues at the stored cursor; a refused cursor starts the read over once;
- prefetch readers (jobs seen finishing) are bounded and pause while a caller waits on another.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import TaskGroup

from survey_jobs_mcp.tools.errors import InvalidInput, SurveyJobsError, UpstreamError
from survey_jobs_mcp.tools.source import ProgressFn, ReadingState

from . import read_state
from .providers.base import ProviderAdapter, ResultKind, ResultRead
from .providers.pipeline import first_product_error
from .read_gate import OldestFirst
from .result_store import ResultStore

logger = logging.getLogger("survey_jobs_mcp.readers")

MAX_PAGES = 20_000
KEEP_FINISHED = 2
"""Finished results kept in memory for the next call (each can be a 100,000-response job)."""


@dataclass(eq=False)
class Reader:
    """One read in progress (or done): what every waiting caller looks at."""

    job_id: str
    kind: ResultKind
    provider: str
    foreground: bool
    started: float
    label: str = ""
    what: str = "results"
    pages: int = 0
    total_pages: int | None = None
    """Known once the last page has been fetched (no upstream says it up front)."""
    items: int = 0
    resumed_pages: int = 0
    fetched: int = 0
    fetch_started: float | None = None
    restarted: bool = False
    gate: OldestFirst | None = None
    ticket: int | None = None
    """The read's place in its adapter's ``OldestFirst`` (set while a caller's read runs)."""
    result: Any = None
    error: BaseException | None = None
    done: anyio.Event = field(default_factory=anyio.Event)
    _changed: anyio.Event = field(default_factory=anyio.Event)

    def notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def changed(self) -> None:
        await self._changed.wait()

    def state(self, now: float) -> ReadingState:
        rate = None
        if self.fetch_started is not None and self.fetched and now > self.fetch_started:
            rate = self.fetched / (now - self.fetch_started)
        return ReadingState(
            job_id=self.job_id,
            provider=self.provider,  # type: ignore[arg-type]
            provider_label=self.label,
            kind=self.kind,
            what=self.what,
            pages=self.pages,
            items=self.items,
            elapsed_s=now - self.started,
            pages_per_s=rate,
            resumed_pages=self.resumed_pages,
            restarted=self.restarted,
        )


class ReaderPool:
    """The readers of one server; ``start`` hands it the lifespan's task group."""

    def __init__(
        self,
        adapters: Mapping[str, ProviderAdapter],
        results: ResultStore,
        *,
        prefetch: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._adapters = adapters
        self._results = results
        self.prefetch_limit = prefetch
        self._clock = clock
        self._tg: TaskGroup | None = None
        self._readers: dict[tuple[str, str], Reader] = {}
        self._finished: OrderedDict[tuple[str, str], Reader] = OrderedDict()
        self._queued: deque[Reader] = deque()
        self._background: set[Reader] = set()
        self._pool_changed = anyio.Event()

    def start(self, tg: TaskGroup) -> None:
        self._tg = tg

    # ---------------------------------------------------------------- who reads
    def reader(self, job_id: str, kind: ResultKind, provider: str, *, foreground: bool = True) -> Reader:
        """The reader of this job's results, started if there is none (single-flight)."""
        key = (job_id, kind)
        reader = self._readers.get(key)
        if reader is not None:
            if reader.done.is_set() and key in self._finished:
                self._finished.move_to_end(key)
            if foreground and not reader.foreground:
                self._promote(reader)
            return reader
        assert self._tg is not None, "ReaderPool.start() was not called (the server's lifespan does)"
        label = self._adapters[provider].info.label
        reader = Reader(job_id, kind, provider, foreground, started=self._clock(), label=label)
        self._readers[key] = reader
        if foreground or len(self._background) < self.prefetch_limit:
            self._launch(reader)
        else:
            self._queued.append(reader)
        return reader

    def prefetch(self, job_id: str, kind: ResultKind, provider: str) -> bool:
        """Start reading in the background (bounded, lowest priority); False when prefetch is off."""
        if self.prefetch_limit <= 0:
            return False
        self.reader(job_id, kind, provider, foreground=False)
        return True

    def _launch(self, reader: Reader) -> None:
        if not reader.foreground:
            self._background.add(reader)
        assert self._tg is not None
        self._tg.start_soon(self._run, reader)

    def _promote(self, reader: Reader) -> None:
        """A caller waits on a prefetch reader: it runs now, at full priority."""
        reader.foreground = True
        if reader in self._queued:
            self._queued.remove(reader)
            self._launch(reader)
        elif reader in self._background:
            self._background.discard(reader)
            self._admit()
        self._changed()

    def _admit(self) -> None:
        while self._queued and len(self._background) < self.prefetch_limit:
            self._launch(self._queued.popleft())

    def _changed(self) -> None:
        self._pool_changed.set()
        self._pool_changed = anyio.Event()

    async def _yield_to_callers(self, reader: Reader) -> None:
        """A background reader pauses between pages while any caller waits on another reader."""
        while not reader.foreground and any(
            r.foreground and not r.done.is_set() for r in self._readers.values()
        ):
            await self._pool_changed.wait()

    # ---------------------------------------------------------------- waiting
    async def wait(self, reader: Reader, *, wait_s: float, progress: ProgressFn) -> Any:
        """The reader's result, or its ``ReadingState`` once ``wait_s`` has passed.

        Progress is reported once per page read (pages read before this call joined included).
        """
        deadline = self._clock() + wait_s
        reported = 0
        while True:
            for page in range(reported + 1, reader.pages + 1):
                total = reader.total_pages
                read = f"{page} of {total} pages" if total else f"{page} page(s)"
                await progress(page, total, f"Read {read} of {reader.what}")
            reported = max(reported, reader.pages)
            if reader.done.is_set():
                break
            remaining = deadline - self._clock()
            if remaining <= 0:
                return reader.state(self._clock())
            with anyio.move_on_after(remaining):
                await reader.changed()
        if reader.error is not None:
            raise reader.error
        return reader.result

    @asynccontextmanager
    async def result_turn(self, job_id: str, kind: ResultKind) -> AsyncIterator[None]:
        """A CPU turn for work on results just read (building their index), at the read's own place.

        Why: the gate makes concurrent reads finish one after another, but the index build after
        the last page (~70 ms for 100,000 responses, in a worker thread) would otherwise share the
        GIL with the younger reads' pages and delay the oldest caller's answer. Results that came
        from the cache or a prefetch read have no place in the gate and take no turn.
        """
        reader = self._readers.get((job_id, kind))
        if reader is None or reader.gate is None or reader.ticket is None:
            yield
            return
        async with reader.gate.turn(reader.ticket):
            yield

    # ---------------------------------------------------------------- reading
    async def _run(self, reader: Reader) -> None:
        try:
            reader.result = await self._read(reader)
        except SurveyJobsError as exc:
            reader.error = self._kept(reader, exc)
        except Exception as exc:
            logger.exception("reading %s of %s failed", reader.kind, reader.job_id)
            reader.error = UpstreamError(
                f"Reading the results of job {reader.job_id} failed unexpectedly ({type(exc).__name__}); "
                "call again to continue.",
                provider=reader.provider,
            )
        except BaseException:
            reader.error = UpstreamError("The server stopped while reading.", provider=reader.provider)
            raise
        finally:
            self._done(reader)

    def _kept(self, reader: Reader, exc: SurveyJobsError) -> SurveyJobsError:
        """An error after some pages: the pages are kept, so say that calling again continues."""
        if reader.pages == 0 or not isinstance(exc, UpstreamError):
            return exc
        return UpstreamError(
            f"{exc} The {reader.pages} page(s) read so far are kept; calling again continues with "
            f"page {reader.pages + 1}.",
            provider=exc.provider,
            status=exc.status,
            request_id=exc.request_id,
        )

    def _done(self, reader: Reader) -> None:
        key = (reader.job_id, reader.kind)
        reader.done.set()
        reader.notify()
        self._background.discard(reader)
        self._admit()
        if reader.error is not None:
            self._readers.pop(key, None)  # the next call starts a new reader (resuming stored pages)
        else:
            self._finished[key] = reader
            while len(self._finished) > KEEP_FINISHED:
                old, _ = self._finished.popitem(last=False)
                self._readers.pop(old, None)
        self._changed()

    async def _read(self, reader: Reader) -> Any:
        adapter = self._adapters[reader.provider]
        cached = await self._results.cached(reader.job_id, reader.kind)
        if cached is not None:
            return cached
        saved = await self._results.saved(reader.job_id, reader.kind)
        if saved is not None:
            read = adapter.resume_read(reader.job_id, reader.kind, saved.meta)
            result = await self._resume(reader, read, saved)
            if result is not None:
                return result
        read = await adapter.open_read(reader.job_id, reader.kind)
        reader.what = read.what
        self._results.begin(reader.job_id, reader.kind, read.meta)
        return await self._pages(reader, read, None)

    async def _resume(self, reader: Reader, read: ResultRead, saved: read_state.SavedRead) -> Any | None:
        """Replay the stored pages and read on from the stored cursor; None: start over."""
        reader.what = read.what
        try:
            items = await self._results.replay(reader.job_id, reader.kind, saved.pages, read)
        except Exception:
            logger.warning("stored pages of %s are unreadable; reading again", reader.job_id, exc_info=True)
            return None
        reader.pages = reader.resumed_pages = saved.pages
        reader.items = items
        reader.notify()
        if saved.complete:
            self._results.compact_later(reader.job_id, reader.kind, read.result())
            return read.result()
        try:
            return await self._pages(reader, read, saved.next_cursor)
        except InvalidInput as exc:
            if reader.fetched:
                raise
            logger.warning(
                "%s refused the stored cursor of %s (%s); reading again", reader.provider, reader.job_id, exc
            )
            reader.pages = reader.items = reader.resumed_pages = 0
            reader.restarted = True
            reader.notify()
            return None

    async def _pages(self, reader: Reader, read: ResultRead, cursor: str | None) -> Any:
        """Fetch page n+1 while page n is absorbed; store each page as it is absorbed."""
        send, receive = anyio.create_memory_object_stream[tuple[Any, str | None]](max_buffer_size=1)
        seq = start = reader.pages
        reader.fetch_started = self._clock()
        if cursor is None and read.first is not None:
            reader.fetched += 1

        async def produce() -> None:
            produced = start
            async with send:
                page, at, seen = (read.first if cursor is None else None), cursor, set[str]()
                while page is not None or at is not None:
                    if page is None:
                        assert at is not None
                        await self._yield_to_callers(reader)
                        page = await read.fetch(at)
                        reader.fetched += 1
                    nxt = read.next_cursor(page)
                    produced += 1
                    if nxt is None:
                        reader.total_pages = produced
                    await send.send((page, nxt))
                    if nxt is not None and (nxt in seen or len(seen) >= MAX_PAGES):
                        raise UpstreamError(
                            f"{self._adapters[reader.provider].info.label} returned a repeating page cursor; "
                            "the results cannot be read completely.",
                            provider=reader.provider,
                        )
                    if nxt is not None:
                        seen.add(nxt)
                    page, at = None, nxt

        # Optional on a read: ``inline`` absorbs on the event loop (cheap typed pages; a thread hop per
        # page costs more than it overlaps on one GIL); ``gate`` (an ``OldestFirst``) gives concurrent
        # callers' reads their absorb turns oldest first. Prefetch readers take no ticket: a caller's
        # read must not queue behind them. ``stored(page)`` is what to store for a page (the bytes
        # the provider sent, when the read kept them).
        inline: bool = getattr(read, "inline", False)
        stored: Callable[[Any], Any] = getattr(read, "stored", lambda page: page)
        gate = getattr(read, "gate", None) if reader.foreground else None
        try:
            async with (
                gate.reading() if gate else nullcontext(None) as ticket,
                anyio.create_task_group() as tg,
            ):
                reader.gate, reader.ticket = gate, ticket
                tg.start_soon(produce)
                async with receive:
                    async for page, nxt in receive:
                        async with gate.turn(ticket) if gate else nullcontext():
                            if inline:
                                reader.items += read.absorb(page)
                            else:
                                reader.items += await anyio.to_thread.run_sync(read.absorb, page)
                        seq += 1
                        self._results.add_page(reader.job_id, reader.kind, seq, stored(page), nxt)
                        reader.pages = seq
                        reader.notify()
        except BaseExceptionGroup as group:
            raise first_product_error(group) from None
        result = read.result()
        self._results.compact_later(reader.job_id, reader.kind, result)
        return result
