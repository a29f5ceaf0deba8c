"""The store's one connection: the lock, write transactions, reads, errors that say what to do.

Concurrency: one connection guarded by a lock (sqlite3 objects are not safe to share unguarded), WAL
mode and a busy timeout (``opening.py``) so a second server process on the same data dir waits
instead of failing with "database is locked". Every method is blocking; async callers use the
``a*`` wrappers of the table modules, which run the call in a worker thread (``_run``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

from survey_jobs_mcp.tools.errors import StoreError

from .opening import runtime_error_message

T = TypeVar("T")
logger = logging.getLogger("survey_jobs_mcp.store")


def iso(value: datetime | None) -> str | None:
    """A datetime as the store writes it: ISO 8601 in UTC (a naive value is taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def now() -> datetime:
    return datetime.now(UTC)


class StoreConnection:
    """The connection and its notices; the tables' methods build on ``_write``, ``_read`` and ``_run``."""

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

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
