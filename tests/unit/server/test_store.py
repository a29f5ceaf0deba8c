"""The local store: tracked jobs, the LRU result cache, and concurrent writers (threads, anyio tasks and
a second connection as another server process would have)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from survey_jobs_mcp.server.store import Store, TrackedJob, normalize_job_id
from survey_jobs_mcp.tools.models import JobError

AC_ID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
SC_ID = "job_0123456789abcdef01234567"
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "data" / "store.sqlite3")
    yield s
    s.close()


def test_open_creates_private_dir_and_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "store.sqlite3"
    with Store.open(path) as s:
        assert s.path == path
    assert path.exists()
    if os.name == "posix":
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with Store.open(path):  # reopening an existing store is fine
        pass


def test_track_is_idempotent_and_lowercases_aftercare_ids(store: Store) -> None:
    first = store.track(AC_ID, "aftercare")
    assert first.job_id == AC_ID.lower() and first.kind is None and first.last_status is None
    again = store.track(AC_ID.lower(), "aftercare", "coding")
    assert again.kind == "coding" and again.first_seen_at == first.first_seen_at
    assert store.track(AC_ID, "aftercare").kind == "coding"  # a known kind is never erased
    assert len(store.list_tracked()) == 1
    assert store.get(AC_ID) == store.get(AC_ID.lower())
    assert store.get("00000000-0000-0000-0000-000000000000") is None


def test_surveycoder_ids_keep_their_case() -> None:
    assert normalize_job_id(SC_ID) == SC_ID
    assert normalize_job_id(f" {AC_ID} ") == AC_ID.lower()
    # Only a real UUID is lower-cased: a 36-character id with four dashes that is not one stays as is.
    assert normalize_job_id("ABCDEFGH-ABCD-ABCD-ABCD-ABCDEFGHIJKL") == "ABCDEFGH-ABCD-ABCD-ABCD-ABCDEFGHIJKL"


def test_record_status_moves_status_changed_at_only_on_change(store: Store) -> None:
    j = store.record_status(AC_ID, "aftercare", "coding", "queued", survey="CSAT Q1", checked_at=T0)
    assert (j.last_status, j.status_changed_at, j.last_checked_at, j.survey) == ("queued", T0, T0, "CSAT Q1")
    assert j.first_seen_at == T0

    t1 = T0 + timedelta(minutes=5)
    j = store.record_status(AC_ID, "aftercare", "coding", "queued", checked_at=t1)
    assert j.status_changed_at == T0 and j.last_checked_at == t1 and j.survey == "CSAT Q1"

    t2 = T0 + timedelta(minutes=9)
    done = T0 + timedelta(minutes=8)
    err = JobError("PROCESSING_ERROR", "Failed to process survey responses")
    j = store.record_status(
        AC_ID, "aftercare", None, "partial_failure", completed_at=done, error=err, checked_at=t2
    )
    assert j.status_changed_at == t2 and j.last_status == "partial_failure"
    assert j.completed_at == done and j.error == err and j.kind == "coding"

    t3 = T0 + timedelta(minutes=20)
    j = store.record_status(AC_ID, "aftercare", "coding", "completed", checked_at=t3)
    assert j.error is None and j.completed_at == done and j.status_changed_at == t3


def test_naive_datetimes_are_taken_as_utc(store: Store) -> None:
    j = store.record_status(
        SC_ID, "surveycoder", "auto_coding", "processing", checked_at=datetime(2026, 1, 2, 3)
    )
    assert j.last_checked_at == datetime(2026, 1, 2, 3, tzinfo=UTC)


def test_list_tracked_filters_by_provider(store: Store) -> None:
    store.record_status(AC_ID, "aftercare", "data_quality", "completed", checked_at=T0)
    store.record_status(SC_ID, "surveycoder", "one_call", "failed", checked_at=T0 + timedelta(seconds=1))
    assert [j.job_id for j in store.list_tracked()] == [SC_ID, AC_ID.lower()]
    (only,) = store.list_tracked("aftercare")
    assert isinstance(only, TrackedJob) and only.kind == "data_quality"
    assert store.list_tracked("nobody") == []


# -- result cache -----------------------------------------------------------------------------------


def test_cache_roundtrip(store: Store) -> None:
    payload = zlib.compress(b'{"codes": [1, 2, 3]}' * 100)
    assert store.cache_get(AC_ID) is None
    assert store.cache_put(AC_ID, "coding", payload) is True
    assert store.cache_get(AC_ID) == payload
    assert store.cache_get(AC_ID.lower()) == payload
    assert store.cache_size() == (1, len(payload))
    store.cache_put(AC_ID, "coding", b"replaced")
    assert store.cache_get(AC_ID) == b"replaced" and store.cache_size() == (1, 8)
    store.cache_delete(AC_ID)
    assert store.cache_get(AC_ID) is None


def test_cache_evicts_least_recently_used(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3", cache_max_bytes=1000) as s:
        for name in "abc":
            assert s.cache_put(f"job_{name}", "coding", name.encode() * 300)
        assert s.cache_size() == (3, 900)
        assert s.cache_get("job_a") is not None  # a becomes most recently used; b is now the oldest
        s.cache_put("job_d", "coding", b"d" * 300)
        assert s.cache_get("job_b") is None
        assert all(s.cache_get(f"job_{n}") is not None for n in "acd")
        assert s.cache_size() == (3, 900)
        assert s.cache_get("job_a") is not None  # use order now: c, d, a
        s.cache_put("job_e", "coding", b"e" * 700)  # needs two victims: the oldest, c then d
        assert s.cache_get("job_c") is None and s.cache_get("job_d") is None
        assert s.cache_get("job_a") is not None and s.cache_get("job_e") is not None
        assert s.cache_size()[1] <= 1000


def test_payload_larger_than_cap_is_not_stored(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3", cache_max_bytes=100) as s:
        assert s.cache_put("job_small", "coding", b"x" * 50)
        assert s.cache_put("job_big", "coding", b"y" * 101) is False
        assert s.cache_get("job_big") is None and s.cache_get("job_small") == b"x" * 50


# -- concurrency ------------------------------------------------------------------------------------


def test_many_threads_lose_nothing(store: Store) -> None:
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for i in range(40):
                job = f"job_{w:04d}{i:020d}"
                store.track(job, "surveycoder", "auto_coding")
                store.record_status(job, "surveycoder", "auto_coding", "completed", checked_at=T0)
                store.cache_put(job, "auto_coding", bytes([w]) * 64)
                assert store.cache_get(job) == bytes([w]) * 64
                store.record_status(AC_ID, "aftercare", "coding", f"s{w}-{i}")  # contended row
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.list_tracked("surveycoder")) == 12 * 40
    assert store.cache_size() == (12 * 40, 12 * 40 * 64)
    assert store.get(AC_ID) is not None


def test_second_connection_like_another_process(tmp_path: Path) -> None:
    """Two servers on one data dir: separate connections, WAL + busy timeout, nothing locked or lost."""
    path = tmp_path / "shared.sqlite3"
    a, b = Store.open(path), Store.open(path)
    try:
        errors: list[BaseException] = []

        def worker(s: Store, tag: str) -> None:
            try:
                for i in range(150):
                    s.record_status(f"job_{tag}{i:023d}", "surveycoder", "one_call", "queued")
                    s.cache_put(f"job_{tag}{i:023d}", "one_call", b"p" * 10)
            except BaseException as exc:  # pragma: no cover
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(s, tag)) for s, tag in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(a.list_tracked()) == len(b.list_tracked()) == 300
    finally:
        a.close()
        b.close()


@pytest.mark.anyio
async def test_async_wrappers_under_many_tasks(store: Store) -> None:
    async def one(i: int) -> None:
        job = f"job_{i:024d}"
        await store.atrack(job, "surveycoder")
        await store.arecord_status(job, "surveycoder", "auto_coding", "processing", checked_at=T0)
        await store.acache_put(job, "auto_coding", zlib.compress(str(i).encode()))
        assert zlib.decompress(await store.acache_get(job) or b"") == str(i).encode()
        got = await store.aget(job)
        assert got is not None and got.last_status == "processing"

    async with anyio.create_task_group() as tg:
        for i in range(200):
            tg.start_soon(one, i)
    assert len(await store.alist_tracked("surveycoder")) == 200


def test_a_version_1_store_gains_missing_since(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """CREATE TABLE tracked_jobs (job_id TEXT PRIMARY KEY, provider TEXT NOT NULL, kind TEXT, survey TEXT,
        first_seen_at TEXT NOT NULL, last_status TEXT, status_changed_at TEXT, last_checked_at TEXT,
        completed_at TEXT, error_code TEXT, error_message TEXT);
        INSERT INTO tracked_jobs (job_id, provider, first_seen_at) VALUES
        ('123e4567-e89b-42d3-a456-426614174000', 'aftercare', '2026-11-01T00:00:00+00:00');
        PRAGMA user_version = 1;"""
    )
    conn.close()
    with Store.open(path) as store:
        at = datetime(2026, 11, 23, tzinfo=UTC)
        job = store.mark_missing("123e4567-e89b-42d3-a456-426614174000", at)
        assert job is not None and job.missing_since == at
        gone = store.untrack(["123E4567-E89B-42D3-A456-426614174000"])
        assert gone == ["123e4567-e89b-42d3-a456-426614174000"]
        assert store.list_tracked() == []
