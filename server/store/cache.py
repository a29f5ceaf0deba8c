"""The ``result_cache`` table: a finished job's results, kept because they never change.

Payloads are opaque bytes (compressed by the caller, ``result_codec``); the table is capped at
``cache_max_bytes`` and evicts least-recently-used rows, and an evicted or deleted row gives its
space back to the file system.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from .connection import StoreConnection, iso, now
from .tracked import normalize_job_id

T = TypeVar("T")
DEFAULT_CACHE_MAX_BYTES = 200 * 1024 * 1024
logger = logging.getLogger("survey_jobs_mcp.store")


class ResultCache(StoreConnection):
    """The result-cache methods of ``Store``."""

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
                (job_id, kind, iso(now()), seq, size, sqlite3.Binary(payload)),
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

    def cache_kind(self, job_id: str) -> str | None:
        """The kind the job's cached row was stored under (None: no row, or a row without one)."""
        rows = self._read("SELECT kind FROM result_cache WHERE job_id = ?", (normalize_job_id(job_id),))
        return rows[0][0] if rows else None

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

    async def acache_put(self, job_id: str, kind: str | None, payload: bytes) -> bool:
        return await self._run(self.cache_put, job_id, kind, payload)

    async def acache_get(self, job_id: str) -> bytes | None:
        return await self._run(self.cache_get, job_id)

    async def acache_kind(self, job_id: str) -> str | None:
        return await self._run(self.cache_kind, job_id)

    async def acache_get_decoded(self, job_id: str, decode: Callable[[bytes], T | None]) -> T | None:
        return await self._run(self.cache_get_decoded, job_id, decode)
