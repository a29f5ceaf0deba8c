"""The local SQLite store: jobs this server has seen, and cached results of finished jobs.

Why it exists: Aftercare has no list endpoint, so ``list_jobs`` can only report Aftercare jobs that some
tool call resolved before; and a finished job's results never change, so they are kept (compressed by
the caller) instead of paging the provider again.

Concurrency: one connection guarded by a lock (sqlite3 objects are not safe to share unguarded), WAL
mode and a busy timeout so a second server process on the same data dir waits instead of failing with
"database is locked". Every method is blocking; async callers use the ``a*`` wrappers, which run the
call in a worker thread (``anyio.to_thread.run_sync``).

It never takes the server down: opening falls back to a fresh or an in-memory database
(``store_open``) and says so through ``take_notice`` / ``degraded_note``; a SQLite error at run time
becomes a ``StoreError`` whose message names the file and the fix; an evicted or deleted cache row
gives its space back to the file system.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

from survey_jobs_mcp.tools.errors import StoreError
from survey_jobs_mcp.tools.models import JobError

from .providers.registry import JOB_IDS
from .store_open import BUSY_TIMEOUT_MS, open_connection, runtime_error_message

T = TypeVar("T")

SCHEMA_VERSION = 2
DEFAULT_CACHE_MAX_BYTES = 200 * 1024 * 1024
__all__ = ["BUSY_TIMEOUT_MS", "DEFAULT_CACHE_MAX_BYTES", "Store", "StoreError", "TrackedJob"]
logger = logging.getLogger("survey_jobs_mcp.store")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tracked_jobs (
    job_id            TEXT PRIMARY KEY,
    provider          TEXT NOT NULL,
    kind              TEXT,
    survey            TEXT,
    first_seen_at     TEXT NOT NULL,
    last_status       TEXT,
    status_changed_at TEXT,
    last_checked_at   TEXT,
    completed_at      TEXT,
    error_code        TEXT,
    error_message     TEXT,
    missing_since     TEXT
);
CREATE INDEX IF NOT EXISTS tracked_jobs_provider ON tracked_jobs(provider);
CREATE TABLE IF NOT EXISTS result_cache (
    job_id     TEXT PRIMARY KEY,
    kind       TEXT,
    stored_at  TEXT NOT NULL,
    last_used  INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    payload    BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS result_cache_lru ON result_cache(last_used);
"""
_ADDED_COLUMNS = {
    # version 2: when the provider first answered 404 for a tracked id (untracked after a second
    # 404 at least an hour later)
    ("tracked_jobs", "missing_since"): "TEXT",
}


@dataclass(frozen=True, slots=True)
class TrackedJob:
    job_id: str
    provider: str
    kind: str | None
    survey: str | None
    first_seen_at: datetime
    last_status: str | None
    status_changed_at: datetime | None
    """When this store first saw ``last_status`` (a lower bound for when the job reached it)."""
    last_checked_at: datetime | None
    completed_at: datetime | None
    error: JobError | None
    missing_since: datetime | None = None
    """When the provider first answered 404 for this id (cleared by any later answer)."""


def normalize_job_id(job_id: str) -> str:
    """The store's key for ``job_id``: the product's canonical form, tolerant of stray whitespace."""
    return JOB_IDS.canonical(job_id.strip())


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Open with ``Store.open(path)``; close with ``close()`` (or use it as a context manager)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        cache_max_bytes: int,
        *,
        notice: str | None = None,
        degraded_note: str | None = None,
    ) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self.cache_max_bytes = cache_max_bytes
        self._notice = notice
        self.degraded_note = degraded_note
        """Set when the store lives in memory only: one line with the path and the fix, for every answer."""

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, cache_max_bytes: int = DEFAULT_CACHE_MAX_BYTES) -> Store:
        """Open (creating if needed) the store file; its directory is created private (0700).

        Never raises for the state of the disk: a damaged file is moved aside and replaced (see
        ``take_notice``), an unusable location gives an in-memory store (see ``degraded_note``).
        """
        path = Path(path).expanduser()
        opened = open_connection(path, _SCHEMA, SCHEMA_VERSION)
        _add_missing_columns(opened.conn)
        return cls(
            opened.conn, path, cache_max_bytes, notice=opened.notice, degraded_note=opened.degraded_note
        )

    def take_notice(self) -> str | None:
        """The one-time notice (the store was damaged and replaced), or None; cleared once taken."""
        with self._lock:
            notice, self._notice = self._notice, None
        return notice

    def answer_note(self) -> str | None:
        """What the next answer should say about the store, if anything (one line, or two joined)."""
        parts = [p for p in (self.take_notice(), self.degraded_note) if p]
        return " ".join(parts) or None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _failed(self, exc: sqlite3.Error) -> StoreError:
        """A SQLite error at run time as a message that says what to do."""
        where = "in memory" if self.degraded_note else str(self.path)
        logger.warning("local store %s failed: %s", where, exc)
        return StoreError(runtime_error_message(where, self.path, exc))

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A write transaction for modules that keep their own tables here (``read_state.py``)."""
        return self._write()

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._read(sql, args)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; BEGIN IMMEDIATE takes the write lock up front (waits, never deadlocks)."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failed(exc) from None
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._failed(exc) from None
                raise

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise self._failed(exc) from None

    def _reclaim(self) -> None:
        """Give freed pages back to the file system (after rows were deleted or evicted)."""
        if self.degraded_note:
            return
        with self._lock:
            try:
                # executescript steps each statement to the end; ``execute`` would free one page only.
                self._conn.executescript("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")
            except sqlite3.Error as exc:  # shrinking is a courtesy: never fail the caller for it
                logger.info("could not shrink the local store: %s", exc)

    # -- tracked jobs ----------------------------------------------------------------------------
    def track(self, job_id: str, provider: str, kind: str | None = None) -> TrackedJob:
        """Remember a job (idempotent); a known kind is filled in but never overwritten with None."""
        job_id = normalize_job_id(job_id)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO tracked_jobs (job_id, provider, kind, first_seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(job_id) DO UPDATE SET kind = COALESCE(excluded.kind, tracked_jobs.kind)",
                (job_id, provider, kind, _iso(_now())),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def record_status(
        self,
        job_id: str,
        provider: str,
        kind: str | None,
        status: str,
        survey: str | None = None,
        completed_at: datetime | None = None,
        error: JobError | None = None,
        checked_at: datetime | None = None,
    ) -> TrackedJob:
        """Store what the provider just said; ``status_changed_at`` moves only when the status changes."""
        job_id = normalize_job_id(job_id)
        checked = _iso(checked_at or _now())
        with self._write() as conn:
            conn.execute(
                "INSERT INTO tracked_jobs (job_id, provider, kind, first_seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(job_id) DO NOTHING",
                (job_id, provider, kind, checked),
            )
            conn.execute(
                """UPDATE tracked_jobs SET
                    kind = COALESCE(?, kind),
                    survey = COALESCE(?, survey),
                    status_changed_at = CASE WHEN last_status IS ? THEN status_changed_at ELSE ? END,
                    last_status = ?,
                    last_checked_at = ?,
                    completed_at = COALESCE(?, completed_at),
                    error_code = ?,
                    error_message = ?,
                    missing_since = NULL
                WHERE job_id = ?""",
                (
                    kind,
                    survey,
                    status,
                    checked,
                    status,
                    checked,
                    _iso(completed_at),
                    error.code if error else None,
                    error.message if error else None,
                    job_id,
                ),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> TrackedJob | None:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM tracked_jobs WHERE job_id = ? OR job_id = ? LIMIT 1",
            (job_id.strip(), normalize_job_id(job_id)),
        )
        return _row_to_job(rows[0]) if rows else None

    def mark_missing(self, job_id: str, at: datetime) -> TrackedJob | None:
        """The provider answered 404 for a tracked id: remember when it first did (None: untracked)."""
        job_id = normalize_job_id(job_id)
        with self._write() as conn:
            conn.execute(
                "UPDATE tracked_jobs SET missing_since = COALESCE(missing_since, ?), last_checked_at = ? "
                "WHERE job_id = ?",
                (_iso(at), _iso(at), job_id),
            )
        return self.get(job_id)

    def untrack(self, job_ids: list[str]) -> list[str]:
        """Forget tracked jobs; returns the ids that were tracked."""
        gone: list[str] = []
        with self._write() as conn:
            for key in (normalize_job_id(j) for j in job_ids):
                if conn.execute("DELETE FROM tracked_jobs WHERE job_id = ?", (key,)).rowcount:
                    gone.append(key)
        return gone

    def list_tracked(self, provider: str | None = None) -> list[TrackedJob]:
        """Known jobs, most recently seen first."""
        if provider is None:
            rows = self._read(f"SELECT {_COLUMNS} FROM tracked_jobs ORDER BY first_seen_at DESC, job_id")
        else:
            rows = self._read(
                f"SELECT {_COLUMNS} FROM tracked_jobs WHERE provider = ? ORDER BY first_seen_at DESC, job_id",
                (provider,),
            )
        return [_row_to_job(r) for r in rows]

    # -- result cache ----------------------------------------------------------------------------
    def cache_put(self, job_id: str, kind: str | None, payload: bytes) -> bool:
        """Store an opaque payload; evicts least-recently-used rows beyond the cap.

        Returns False (and stores nothing) when the payload alone is larger than the cap.
        """
        size = len(payload)
        job_id = normalize_job_id(job_id)
        if size > self.cache_max_bytes:
            self.cache_delete(job_id)
            return False
        with self._write() as conn:
            (seq,) = conn.execute("SELECT COALESCE(MAX(last_used), 0) + 1 FROM result_cache").fetchone()
            replaced = conn.execute("SELECT 1 FROM result_cache WHERE job_id = ?", (job_id,)).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO result_cache "
                "(job_id, kind, stored_at, last_used, size_bytes, payload) VALUES (?, ?, ?, ?, ?, ?)",
                (job_id, kind, _iso(_now()), seq, size, sqlite3.Binary(payload)),
            )
            evicted = self._evict(conn)
        if evicted or replaced:
            self._reclaim()
        return True

    def _evict(self, conn: sqlite3.Connection) -> int:
        """Delete least-recently-used rows until the cache fits its cap; returns how many went."""
        (total,) = conn.execute("SELECT COALESCE(SUM(size_bytes), 0) FROM result_cache").fetchone()
        evicted = 0
        if total <= self.cache_max_bytes:
            return evicted
        for job_id, size in conn.execute(
            "SELECT job_id, size_bytes FROM result_cache ORDER BY last_used ASC"
        ).fetchall():
            conn.execute("DELETE FROM result_cache WHERE job_id = ?", (job_id,))
            evicted += 1
            total -= size
            if total <= self.cache_max_bytes:
                break
        return evicted

    def cache_get(self, job_id: str) -> bytes | None:
        """The payload, or None; marks the row most recently used."""
        job_id = normalize_job_id(job_id)
        with self._write() as conn:
            row = conn.execute("SELECT payload FROM result_cache WHERE job_id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE result_cache SET last_used = (SELECT MAX(last_used) + 1 FROM result_cache) "
                "WHERE job_id = ?",
                (job_id,),
            )
        return bytes(row[0])

    def cache_get_decoded(self, job_id: str, decode: Callable[[bytes], T | None]) -> T | None:
        """The cached value decoded, or None; a row ``decode`` cannot read (None) is deleted.

        An undecodable or incomplete row is a miss, not an error: the caller fetches the results
        again and stores them afresh, instead of failing on that row on every call and restart.
        """
        blob = self.cache_get(job_id)
        if blob is None:
            return None
        value = decode(blob)
        if value is None:
            logger.info("dropping an unreadable cached result for %s; it will be fetched again", job_id)
            self.cache_delete(job_id)
        return value

    def cache_delete(self, job_id: str) -> None:
        with self._write() as conn:
            gone = conn.execute("DELETE FROM result_cache WHERE job_id = ?", (normalize_job_id(job_id),))
            deleted = gone.rowcount
        if deleted:
            self._reclaim()

    def cache_size(self) -> tuple[int, int]:
        """(rows, total bytes) in the result cache."""
        ((rows, total),) = self._read("SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM result_cache")
        return int(rows), int(total)

    # -- async wrappers --------------------------------------------------------------------------
    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    async def atrack(self, job_id: str, provider: str, kind: str | None = None) -> TrackedJob:
        return await self._run(self.track, job_id, provider, kind)

    async def arecord_status(self, *args: Any, **kwargs: Any) -> TrackedJob:
        return await self._run(self.record_status, *args, **kwargs)

    async def aget(self, job_id: str) -> TrackedJob | None:
        return await self._run(self.get, job_id)

    async def alist_tracked(self, provider: str | None = None) -> list[TrackedJob]:
        return await self._run(self.list_tracked, provider)

    async def acache_put(self, job_id: str, kind: str | None, payload: bytes) -> bool:
        return await self._run(self.cache_put, job_id, kind, payload)

    async def acache_get(self, job_id: str) -> bytes | None:
        return await self._run(self.cache_get, job_id)

    async def acache_get_decoded(self, job_id: str, decode: Callable[[bytes], T | None]) -> T | None:
        return await self._run(self.cache_get_decoded, job_id, decode)


_COLUMNS = (
    "job_id, provider, kind, survey, first_seen_at, last_status, status_changed_at, last_checked_at, "
    "completed_at, error_code, error_message, missing_since"
)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Bring a store written by an older version up to date (new tables come from the schema's
    ``CREATE ... IF NOT EXISTS``; a column added to an existing table needs ``ALTER TABLE``)."""
    for (table, column), kind in _ADDED_COLUMNS.items():
        names = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in names:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _row_to_job(row: tuple[Any, ...]) -> TrackedJob:
    (
        job_id,
        provider,
        kind,
        survey,
        first_seen,
        status,
        changed,
        checked,
        completed,
        code,
        message,
        missing,
    ) = row
    return TrackedJob(
        job_id=job_id,
        provider=provider,
        kind=kind,
        survey=survey,
        first_seen_at=datetime.fromisoformat(first_seen),
        last_status=status,
        status_changed_at=_dt(changed),
        last_checked_at=_dt(checked),
        completed_at=_dt(completed),
        error=JobError(code, message or "") if code or message else None,
        missing_since=_dt(missing),
    )
