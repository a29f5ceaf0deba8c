"""Where read results live between calls and restarts: the result cache and the stored pages.

Every write goes through one writer thread, in order, so no write ever delays an answer; pages are
batched and in SQLite within ``page_flush_s`` (1 s) of being absorbed, and at once on shutdown.
Finished results are later compacted into the result cache (our own compact format,
``result_codec``) by a daemon thread, after a short delay so the encoding does not compete with
building the answer; the pages are dropped only once the cache row is written, so stopping the
server loses nothing already read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import anyio.to_thread

from survey_jobs_mcp.tools.errors import CodebookOnly

from . import read_state, result_codec
from .providers.base import ResultRead
from .store import Store

logger = logging.getLogger("survey_jobs_mcp.result_store")

CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
    "coding": (result_codec.encode_coding, result_codec.decode_coding),
    "quality": (result_codec.encode_quality, result_codec.decode_quality),
    "codebook": (result_codec.encode_codebook, result_codec.decode_codebook),
}


MAX_UNPACKED = 8
"""Decoded pages a read may have queued for the writer thread before it packs them itself."""


def _packed(page: read_state.Page) -> read_state.Page:
    blob = read_state.Packed(read_state.pack(page.body))
    return read_state.Page(page.job_id, page.kind, page.seq, blob, page.next_cursor)


class ResultStore:
    def __init__(
        self,
        store: Store,
        *,
        compact_delay_s: float = 2.0,
        page_flush_s: float = 1.0,
        page_batch_bytes: int = 512 * 1024,
    ) -> None:
        self.store = store
        read_state.create_tables(store)
        self.compact_delay_s = compact_delay_s
        self.page_flush_s = page_flush_s
        self.page_batch_bytes = page_batch_bytes
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._closed = False
        self._pages: list[read_state.Page] = []
        self._pages_bytes = 0
        self._unpacked = 0
        self._pages_lock = threading.Lock()
        self._drain_timer: threading.Timer | None = None

    # ---------------------------------------------------------------- writes (ordered, off the loop)
    def _submit(self, fn: Callable[..., None], *args: Any) -> None:
        def guarded() -> None:
            try:
                fn(*args)
            except Exception:  # a failed write must never break a read; the next start reads again
                logger.warning("store write %s failed", getattr(fn, "__name__", fn), exc_info=True)

        try:
            self._writer.submit(guarded)
        except RuntimeError:  # shut down: the server is stopping
            logger.debug("store write %s dropped at shutdown", getattr(fn, "__name__", fn))

    def begin(self, job_id: str, kind: str, meta: dict[str, Any]) -> None:
        self._submit(read_state.begin, self.store, job_id, kind, meta)

    def add_page(self, job_id: str, kind: str, seq: int, page: Any, next_cursor: str | None) -> None:
        """Queue a page; it is stored within ``page_flush_s``, in one transaction with the pages
        queued by then (or at once when ``page_batch_bytes`` of packed pages are waiting).

        Batching keeps the store's share of a fast read small (a few commits, not one per page).
        Pages are kept packed (JSON + zlib, ~0.4 ms a page, most of it zlib, which releases the
        GIL), not decoded: held until the batch was written, the decoded pages of a 100,000-response
        job were ~40 MB, the largest part of its peak memory. The writer thread packs them as they
        come; when it falls ``MAX_UNPACKED`` pages behind (it waits for the GIL while the event loop
        merges), the caller packs the page itself, so no more than that are ever held decoded.
        """
        item = read_state.Page(job_id, kind, seq, page, next_cursor)
        with self._pages_lock:
            behind = self._unpacked >= MAX_UNPACKED
            if not behind:
                self._unpacked += 1
        if behind:
            item = _packed(item)
        self._submit(self._queue, item)

    def _queue(self, page: read_state.Page) -> None:
        """(writer thread) Queue ``page`` packed; store the queue now if it is big enough."""
        if not isinstance(page.body, read_state.Packed):
            try:
                page = _packed(page)
            finally:
                with self._pages_lock:
                    self._unpacked -= 1
        with self._pages_lock:
            self._pages.append(page)
            self._pages_bytes += len(page.body.blob)
            full = self._pages_bytes >= self.page_batch_bytes
            timer = None
            if not full and self._drain_timer is None:
                timer = threading.Timer(self.page_flush_s, self._submit, (self._drain_pages,))
                self._drain_timer = timer
        if full:
            self._drain_pages()
        elif timer is not None:
            timer.daemon = True
            timer.start()

    def _drain_pages(self) -> None:
        with self._pages_lock:
            pages, self._pages, self._pages_bytes = self._pages, [], 0
            if self._drain_timer is not None:
                self._drain_timer.cancel()
                self._drain_timer = None
        if pages:
            read_state.add_pages(self.store, pages)

    def compact_later(self, job_id: str, kind: str, result: Any) -> None:
        """Encode the finished result into the cache (daemon thread), then drop its pages."""
        encode = CODECS[kind][0]

        def compact() -> None:
            time.sleep(self.compact_delay_s)
            if self._closed:
                return
            try:
                blob = encode(result)
            except Exception:
                logger.warning("could not encode results of %s", job_id, exc_info=True)
                return
            self._submit(self._store_result, job_id, kind, blob)

        threading.Thread(target=compact, name=f"compact-{kind}", daemon=True).start()

    def put_now(self, job_id: str, kind: str, result: Any) -> None:
        """Queue a small finished result (a codebook) for the cache at once: with no pages behind
        it, a delayed compaction would be lost if the server stopped first."""
        encode = CODECS[kind][0]
        self._submit(lambda: self._store_result(job_id, kind, encode(result)))

    def _store_result(self, job_id: str, kind: str, blob: bytes) -> None:
        if self.store.cache_put(job_id, kind, blob):
            read_state.forget(self.store, job_id, kind)

    async def flush(self) -> None:
        """Wait until every write queued so far (pages included) is in the store."""
        try:
            future = self._writer.submit(self._drain_pages)
        except RuntimeError:
            return
        await anyio.to_thread.run_sync(future.result)

    def close(self) -> None:
        """Write whatever is queued and wait for it (the server is stopping); later writes are dropped."""
        self._submit(self._drain_pages)
        self._closed = True
        self._writer.shutdown(wait=True)

    # ---------------------------------------------------------------- reads
    async def cached(self, job_id: str, kind: str) -> Any | None:
        """Finished results from the cache (None if absent, unreadable or of an old format; an
        unreadable row is deleted, so the read replaces it).

        A row stored as another kind is a miss and stays: a codebook job is first looked up as
        coding results, and its codebook must survive that. Its answer is then the provider's
        "codebook only", given without asking it (it may have forgotten the job)."""
        stored_kind = await self.store.acache_kind(job_id)
        if stored_kind is not None and stored_kind != kind:
            if (stored_kind, kind) == ("codebook", "coding"):
                raise CodebookOnly(
                    f"Job {job_id} is a codebook_generation job: it produces a codebook only, with no "
                    f'coded responses. Read the codebook with get_coding_results(job_id="{job_id}").'
                )
            return None
        return await self.store.acache_get_decoded(job_id, CODECS[kind][1])

    async def saved(self, job_id: str, kind: str) -> read_state.SavedRead | None:
        await self.flush()  # a read that just failed may still have pages in the queue
        return await anyio.to_thread.run_sync(read_state.load, self.store, job_id, kind)

    async def replay(self, job_id: str, kind: str, pages: int, read: ResultRead) -> int:
        """Absorb the stored pages 1..pages into ``read`` (worker thread); returns the items."""

        def run() -> int:
            return sum(read.absorb(page) for page in read_state.pages(self.store, job_id, kind, pages))

        return await anyio.to_thread.run_sync(run)

    def forget(self, job_id: str, kind: str) -> None:
        self._submit(read_state.forget, self.store, job_id, kind)
