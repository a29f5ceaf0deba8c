"""Pages queued for the store are held packed, not decoded, and every one of them is stored in order."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_jobs_mcp.server import read_state
from survey_jobs_mcp.server.result_store import MAX_UNPACKED, ResultStore
from survey_jobs_mcp.server.store import Store

JOB = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"


class Page(dict):
    """A parsed page that can be watched (a weak reference says whether anything still holds it)."""


def page(seq: int) -> Page:
    return Page(questionCodes=[], seq=seq, text="x" * 1000)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def writer_idle(results: ResultStore) -> None:
    results._writer.submit(lambda: None).result(timeout=10)


def stored(store: Store) -> list[int]:
    saved = read_state.load(store, JOB, "coding")
    return [] if saved is None else [p["seq"] for p in read_state.pages(store, JOB, "coding", saved.pages)]


def test_a_full_batch_is_stored_without_waiting_for_the_timer(store: Store) -> None:
    results = ResultStore(store, page_flush_s=3600, page_batch_bytes=1)
    results.begin(JOB, "coding", {})
    for seq in (1, 2, 3):
        results.add_page(JOB, "coding", seq, page(seq), "next" if seq < 3 else None)
    writer_idle(results)
    assert stored(store) == [1, 2, 3]
    saved = read_state.load(store, JOB, "coding")
    assert saved is not None and saved.complete and saved.next_cursor is None
    results.close()


def test_a_writer_that_falls_behind_never_holds_more_than_the_limit_decoded(store: Store) -> None:
    results = ResultStore(store, page_flush_s=3600)
    results.begin(JOB, "coding", {})
    gate = threading.Event()
    results._writer.submit(gate.wait)  # the writer is busy (as when the event loop holds the GIL)
    watched = []
    gc.disable()  # what frees a page must be reference counting, not a collection
    try:
        for seq in range(1, MAX_UNPACKED + 6):
            body = page(seq)
            watched.append(weakref.ref(body))
            results.add_page(JOB, "coding", seq, body, "next")
            del body
        held = sum(ref() is not None for ref in watched)
        gate.set()
        writer_idle(results)
        assert held == MAX_UNPACKED
        assert sum(ref() is not None for ref in watched) == 0
    finally:
        gate.set()
        gc.enable()
        results.close()
    assert stored(store) == list(range(1, MAX_UNPACKED + 6))
