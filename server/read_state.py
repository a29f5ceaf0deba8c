"""Pages of a results read, kept in the local store as they arrive.

Why: reading a big job can take longer than one tool call, and a host may stop the server right
after an answer. Each page is stored (compressed raw body) the moment it is absorbed, with the
cursor of the next one, so a read survives a restart: the stored pages are replayed (no request)
and reading continues at the stored cursor. Once the finished result is in the result cache the
pages are dropped. All functions block; the reader calls them from the store's writer thread.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from .store import Store, normalize_job_id

TABLES = (
    """CREATE TABLE IF NOT EXISTS result_reads (
        job_id      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        meta        TEXT NOT NULL,
        pages       INTEGER NOT NULL,
        next_cursor TEXT,
        complete    INTEGER NOT NULL,
        PRIMARY KEY (job_id, kind)
    )""",
    """CREATE TABLE IF NOT EXISTS result_pages (
        job_id TEXT NOT NULL,
        kind   TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        body   BLOB NOT NULL,
        PRIMARY KEY (job_id, kind, seq)
    )""",
)


def create_tables(store: Store) -> None:
    """This module's tables in the store (idempotent; called once when the server starts)."""
    with store.transaction() as conn:
        for statement in TABLES:
            conn.execute(statement)


@dataclass(frozen=True, slots=True)
class SavedRead:
    meta: dict[str, Any]
    pages: int
    next_cursor: str | None
    complete: bool


def pack(page: Any) -> bytes:
    """A page as compressed JSON; a decoded page (msgspec struct) is encoded by msgspec, in C, as the
    same JSON object its provider sent (so a stored page reads back as the plain dict)."""
    if isinstance(page, bytes):  # the provider's JSON bytes, stored as sent
        return zlib.compress(page, 1)
    if isinstance(page, msgspec.Struct):
        return zlib.compress(msgspec.json.encode(page), 1)
    return zlib.compress(json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode(), 1)


@dataclass(frozen=True, slots=True)
class Packed:
    """A page body already packed (``pack``): ``add_pages`` stores it as it is."""

    blob: bytes


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def begin(store: Store, job_id: str, kind: str, meta: dict[str, Any]) -> None:
    """Start a read from page 1 (forgetting any earlier one of the same job and kind)."""
    key = normalize_job_id(job_id)
    with store.transaction() as conn:
        conn.execute("DELETE FROM result_pages WHERE job_id = ? AND kind = ?", (key, kind))
        conn.execute(
            "INSERT OR REPLACE INTO result_reads (job_id, kind, meta, pages, next_cursor, complete) "
            "VALUES (?, ?, ?, 0, NULL, 0)",
            (key, kind, json.dumps(meta)),
        )


@dataclass(frozen=True, slots=True)
class Page:
    job_id: str
    kind: str
    seq: int
    """1-based position of the page in the job's results."""
    body: Any
    next_cursor: str | None


def add_pages(store: Store, pages: list[Page]) -> None:
    """Store pages and, per read, where the next page is: one transaction for the whole batch."""
    packed = [
        (
            normalize_job_id(p.job_id),
            p.kind,
            p.seq,
            p.body.blob if isinstance(p.body, Packed) else pack(p.body),
            p.next_cursor,
        )
        for p in pages
    ]
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO result_pages (job_id, kind, seq, body) VALUES (?, ?, ?, ?)",
            [(key, kind, seq, body) for key, kind, seq, body, _ in packed],
        )
        for key, kind, seq, _, cursor in packed:
            conn.execute(
                "UPDATE result_reads SET pages = ?, next_cursor = ?, complete = ? "
                "WHERE job_id = ? AND kind = ?",
                (seq, cursor, int(cursor is None), key, kind),
            )


def load(store: Store, job_id: str, kind: str) -> SavedRead | None:
    key = normalize_job_id(job_id)
    rows = store.query(
        "SELECT meta, pages, next_cursor, complete FROM result_reads WHERE job_id = ? AND kind = ?",
        (key, kind),
    )
    if not rows:
        return None
    meta, pages, cursor, complete = rows[0]
    try:
        parsed = json.loads(meta)
    except ValueError:
        return None
    return SavedRead(meta=parsed, pages=int(pages), next_cursor=cursor, complete=bool(complete))


def pages(store: Store, job_id: str, kind: str, count: int) -> Iterator[Any]:
    """Stored pages 1..count in order, one query each (a 100k job need not sit in memory twice)."""
    key = normalize_job_id(job_id)
    for seq in range(1, count + 1):
        rows = store.query(
            "SELECT body FROM result_pages WHERE job_id = ? AND kind = ? AND seq = ?", (key, kind, seq)
        )
        if not rows:
            raise LookupError(f"stored page {seq} of {key} is missing")
        yield unpack(bytes(rows[0][0]))


def forget(store: Store, job_id: str, kind: str) -> None:
    key = normalize_job_id(job_id)
    with store.transaction() as conn:
        conn.execute("DELETE FROM result_pages WHERE job_id = ? AND kind = ?", (key, kind))
        conn.execute("DELETE FROM result_reads WHERE job_id = ? AND kind = ?", (key, kind))
