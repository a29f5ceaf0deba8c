"""The store never takes the server down: damaged files, unusable data dirs, run-time SQLite errors,
unreadable cache rows, and a file that shrinks after eviction. Unit level, then through MCP."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import struct
import zlib
from pathlib import Path

import anyio
import pytest

from survey_jobs_mcp.server import result_codec
from survey_jobs_mcp.server.store import Store
from survey_jobs_mcp.tools.errors import StoreError
from tests.mcp_support import Harness, all_output, text_of

pytest_plugins = ["tests.mcp_support"]

AC_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
CORRUPT_NAME = re.compile(r"store\.sqlite3\.corrupt-\d{8}T\d{6}Z")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _usable(store: Store) -> None:
    """Every kind of operation works (on disk or in memory)."""
    assert store.track(AC_ID, "aftercare", "coding").kind == "coding"
    assert store.record_status(AC_ID, "aftercare", "coding", "queued").last_status == "queued"
    assert [j.job_id for j in store.list_tracked()] == [AC_ID]
    assert store.cache_put(AC_ID, "coding", b"payload") and store.cache_get(AC_ID) == b"payload"


# ---------------------------------------------------------------------------------------------------
# damaged file: moved aside, recreated, said once
# ---------------------------------------------------------------------------------------------------


def test_garbage_file_is_moved_aside_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with Store.open(path) as store:
        _usable(store)
        (moved,) = [
            p for p in tmp_path.iterdir() if p.name != path.name and not p.name.endswith(("-wal", "-shm"))
        ]
        assert CORRUPT_NAME.fullmatch(moved.name), moved.name
        assert moved.read_bytes() == b"this is not a database" * 100  # kept for inspection
        notice = store.take_notice()
        assert notice is not None and notice.startswith(f"The local store {path} was damaged")
        assert f"moved to {moved.name} and a fresh one created" in notice
        assert store.take_notice() is None and store.answer_note() is None  # once
        assert store.degraded_note is None
    with Store.open(path) as again:  # the replacement is a healthy store
        assert again.take_notice() is None and [j.job_id for j in again.list_tracked()] == [AC_ID]


def test_damaged_pages_fail_the_integrity_check_and_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with Store.open(path) as store:
        for i in range(300):
            store.record_status(f"job_{i:024d}", "surveycoder", "one_call", "completed")
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[page * 2 : page * 4] = b"\xff" * (page * 2)  # smash two b-tree pages, keep the header
    path.write_bytes(bytes(raw))
    with Store.open(path) as store:
        assert "was damaged" in (store.answer_note() or "")
        assert store.list_tracked() == []
        _usable(store)
    assert len([p for p in tmp_path.iterdir() if CORRUPT_NAME.fullmatch(p.name)]) == 1


# ---------------------------------------------------------------------------------------------------
# unusable location: in memory, with a note in every answer
# ---------------------------------------------------------------------------------------------------


def _assert_degraded(store: Store, path: Path) -> None:
    note = store.degraded_note
    assert note is not None and note.startswith(
        f"Running without the local store: {path} could not be opened"
    )
    assert f"Fix: make {path.parent} a writable directory (or set SURVEY_JOBS_DATA_DIR to one)" in note
    assert "\n" not in note
    assert store.answer_note() == note and store.answer_note() == note  # every answer
    _usable(store)


def test_a_file_where_the_data_dir_should_be(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("I am a file")
    path = tmp_path / "data" / "store.sqlite3"
    with Store.open(path) as store:
        _assert_degraded(store, path)
    assert (tmp_path / "data").read_text() == "I am a file"


def test_a_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x")
    path = tmp_path / "blocker" / "nested" / "deeper" / "store.sqlite3"
    with Store.open(path) as store:
        _assert_degraded(store, path)


def test_a_directory_where_the_store_file_should_be(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.mkdir()
    with Store.open(path) as store:
        _assert_degraded(store, path)


@pytest.mark.skipif(AS_ROOT, reason="root ignores file permissions")
@pytest.mark.parametrize("what", ["dir", "file"])
def test_read_only_dir_or_file(tmp_path: Path, what: str) -> None:
    data = tmp_path / "data"
    path = data / "store.sqlite3"
    Store.open(path).close()
    (data if what == "dir" else path).chmod(0o500 if what == "dir" else 0o400)
    for extra in data.glob("store.sqlite3-*"):
        extra.unlink()
    try:
        with Store.open(path) as store:
            _assert_degraded(store, path)
    finally:
        data.chmod(0o700)
        path.chmod(0o600)


# ---------------------------------------------------------------------------------------------------
# run-time errors, unreadable rows, shrinking
# ---------------------------------------------------------------------------------------------------


def test_runtime_sqlite_errors_become_store_errors(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with Store.open(path) as store:
        store._conn.execute("PRAGMA max_page_count = 20")  # the disk is "full" at 80 KB
        with pytest.raises(StoreError) as info:
            store.cache_put(AC_ID, "coding", os.urandom(200_000))
        msg = str(info.value)
        assert msg.startswith(f"The local store ({path}) failed: database or disk is full (SQLITE_FULL).")
        assert "To fix it: free some disk space." in msg
        other = sqlite3.connect(path)
        other.execute("DROP TABLE tracked_jobs")
        other.close()
        with pytest.raises(StoreError, match=r"no such table: tracked_jobs \(SQLITE_ERROR\)"):
            store.list_tracked()
        with pytest.raises(StoreError, match="no such table"):
            store.track(AC_ID, "aftercare")
        assert store.cache_get(AC_ID) is None  # the failed write was rolled back, the store still answers


def test_unreadable_or_incomplete_cache_rows_are_a_miss_and_deleted(tmp_path: Path) -> None:
    incomplete = zlib.compress(json.dumps({"v": 2, "type": "coding", "job_id": AC_ID}).encode())
    mistyped = zlib.compress(json.dumps({"v": 2, "type": "quality", "respondents": [{"x": 1}]}).encode())
    with Store.open(tmp_path / "s.sqlite3") as store:
        for blob, decode in (
            (incomplete, result_codec.decode_coding),
            (mistyped, result_codec.decode_quality),
            (b"\x00not zlib", result_codec.decode_coding),
        ):
            store.cache_put(AC_ID, "coding", blob)
            assert store.cache_get_decoded(AC_ID, decode) is None
            assert store.cache_get(AC_ID) is None  # deleted: the next call refetches and stores afresh


def _file_size(path: Path) -> int:
    return path.stat().st_size + sum(p.stat().st_size for p in path.parent.glob(path.name + "-*"))


def test_the_file_shrinks_after_eviction_and_deletion(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path, cache_max_bytes=8_000_000) as store:
        for i in range(8):
            store.cache_put(f"job_{i:024d}", "coding", os.urandom(900_000))
        full = _file_size(path)
        assert full > 7_000_000
        store.cache_max_bytes = 500_000
        store.cache_put("job_small", "coding", b"x" * 1000)  # evicts all eight big rows
        assert store.cache_size() == (1, 1000)
        after_evict = _file_size(path)
        assert after_evict < 1_000_000, (full, after_evict)
        store.cache_max_bytes = 8_000_000
        for i in range(3):
            store.cache_put(f"job_{i:024d}", "coding", os.urandom(900_000))
        grown = _file_size(path)
        for i in range(3):
            store.cache_delete(f"job_{i:024d}")
        assert _file_size(path) < grown - 2_000_000


def test_an_old_file_is_converted_to_incremental_auto_vacuum(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    conn.close()
    with Store.open(path) as store:
        assert store._conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        _usable(store)


# ---------------------------------------------------------------------------------------------------
# through the MCP client
# ---------------------------------------------------------------------------------------------------


def _with_data_dir(h: Harness, data_dir: Path):
    return dataclasses.replace(h.settings, data_dir=data_dir)


@pytest.mark.anyio
@pytest.mark.parametrize("state", ["file-instead-of-dir", "corrupt"])
async def test_the_server_runs_whatever_the_data_dir_is(h: Harness, tmp_path: Path, state: str) -> None:
    data_dir = tmp_path / f"data-{state}"
    if state == "file-instead-of-dir":
        data_dir.write_text("not a dir")
    else:
        data_dir.mkdir()
        (data_dir / "store.sqlite3").write_bytes(b"garbage" * 1000)
    one_call = h.job("surveycoder", "one_call", "completed")
    coding = h.job("aftercare", "coding", "completed")
    async with h.client(settings=_with_data_dir(h, data_dir)) as client:
        listed = await client.call_tool("list_jobs", {"provider": "surveycoder"})
        assert not listed.is_error, text_of(listed)
        assert listed.structured_content["total"] == sum(
            1 for r in h.sb.jobs() if r["provider"] == "surveycoder"
        )
        job = await client.call_tool("get_job", {"job_id": coding})
        assert not job.is_error and job.structured_content["status"] == "completed"
        results = await client.call_tool("get_coding_results", {"job_id": one_call})
        assert not results.is_error and "Coding results" in text_of(results)
        again = await client.call_tool("list_jobs", {"provider": "aftercare"})
        assert [j["id"] for j in again.structured_content["jobs"]] == [
            coding
        ]  # remembered, in memory or on disk
        texts = [text_of(r) for r in (listed, job, results, again)]
        if state == "corrupt":  # said once, in the first answer
            assert texts[0].startswith("**Note:** The local store ") and "was damaged" in texts[0]
            assert not any("**Note:**" in t for t in texts[1:])
        else:  # said in every answer, first, with the path and the fix
            for t in texts:
                assert t.startswith("**Note:** Running without the local store: ")
                assert f"Fix: make {data_dir} a writable directory" in t
            # the note never breaks the budget: the summary text gives way, the note stays whole
            small = await client.call_tool("get_coding_results", {"job_id": one_call, "max_tokens": 300})
            assert text_of(small).startswith("**Note:** Running without the local store: ")
            assert -(-len(text_of(small).encode()) // 4) <= 300
            assert text_of(small).endswith("(cut to fit the note above; the structured content has the rest)")
    if state == "corrupt":
        assert len([p for p in data_dir.iterdir() if CORRUPT_NAME.fullmatch(p.name)]) == 1


async def _cache_row(h: Harness, job_id: str) -> None:
    """Wait until the reader has compacted the finished results into a cache row (about 2 s after
    the read; until then the stored pages hold them)."""
    for _ in range(400):
        with Store.open(h.settings.store_path) as store:
            if store.cache_get(job_id) is not None:
                return
        await anyio.sleep(0.025)
    raise AssertionError(f"no cache row for {job_id}")


@pytest.mark.anyio
async def test_an_incomplete_cached_row_is_refetched_through_mcp(h: Harness) -> None:
    coding = h.job("aftercare", "coding", "completed")
    async with h.client() as client:
        first = await client.call_tool("get_coding_results", {"job_id": coding})
        await _cache_row(h, coding)
    assert not first.is_error
    with Store.open(h.settings.store_path) as store:
        blob = store.cache_get(coding)
        assert blob is not None and result_codec.decode_coding(blob) is not None
        # Well-formed, incomplete: every frame intact, the last one (a code of the tree) missing.
        body = zlib.decompress(blob[len(result_codec.CODING_MAGIC) :])
        frames, at = [], 0
        while at < len(body):
            (size,) = struct.unpack_from("<I", body, at)
            frames.append(body[at : at + 4 + size])
            at += 4 + size
        store.cache_put(coding, "coding", result_codec.CODING_MAGIC + zlib.compress(b"".join(frames[:-1])))
    before = h.requests()
    async with h.client() as client:
        again = await client.call_tool("get_coding_results", {"job_id": coding})
        await _cache_row(h, coding)
    assert not again.is_error, text_of(again)
    assert text_of(again) == text_of(first)
    assert h.requests() > before  # refetched from the provider
    with Store.open(h.settings.store_path) as store:
        fixed = store.cache_get(coding)
        assert fixed is not None and result_codec.decode_coding(fixed) is not None


@pytest.mark.anyio
async def test_a_runtime_store_failure_is_a_clear_tool_error(h: Harness) -> None:
    coding = h.job("aftercare", "coding", "completed")
    async with h.client() as client:
        ok = await client.call_tool("get_job", {"job_id": coding})
        assert not ok.is_error
        conn = sqlite3.connect(h.settings.store_path)
        conn.execute("DROP TABLE tracked_jobs")
        conn.close()
        broken = await client.call_tool("get_job", {"job_id": coding})
    assert broken.is_error
    text = all_output(broken)
    assert f"The local store ({h.settings.store_path}) failed: no such table: tracked_jobs" in text
    assert "To fix it:" in text and "SURVEY_JOBS_DATA_DIR" in text


def test_track_refuses_a_memory_only_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey_jobs_mcp.server.track import run_track

    (tmp_path / "data").write_text("a file, not a dir")
    monkeypatch.setenv("SURVEY_JOBS_DATA_DIR", str(tmp_path / "data"))
    code = run_track([AC_ID], check=False)
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: Running without the local store:")
