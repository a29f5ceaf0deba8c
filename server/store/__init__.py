"""The local SQLite store: jobs this server has seen, and cached results of finished jobs.

Why it exists: Aftercare has no list endpoint, so ``list_jobs`` can only report Aftercare jobs that some
tool call resolved before; and a finished job's results never change, so they are kept (compressed by
the caller) instead of paging the provider again.

One module a purpose: ``opening`` (no state of the disk stops the server), ``schema`` (tables and
upgrades), ``connection`` (the locked connection, transactions, errors), ``tracked``
(``tracked_jobs``), ``cache`` (``result_cache``); ``Store`` is the one object the rest of the server
holds. Every method is blocking; async callers use the ``a*`` wrappers (a worker thread each).

It never takes the server down: opening falls back to a fresh or an in-memory database
(``opening``) and says so through ``take_notice`` / ``degraded_note``; a SQLite error at run time
becomes a ``StoreError`` whose message names the file and the fix; an evicted or deleted cache row
gives its space back to the file system.
"""

from __future__ import annotations

import os
from pathlib import Path

from survey_jobs_mcp.tools.errors import StoreError

from .cache import DEFAULT_CACHE_MAX_BYTES, ResultCache
from .opening import BUSY_TIMEOUT_MS, open_connection
from .schema import SCHEMA, SCHEMA_VERSION, add_missing_columns
from .tracked import TrackedJob, TrackedJobs, normalize_job_id

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DEFAULT_CACHE_MAX_BYTES",
    "Store",
    "StoreError",
    "TrackedJob",
    "normalize_job_id",
]


class Store(TrackedJobs, ResultCache):
    """Open with ``Store.open(path)``; close with ``close()`` (or use it as a context manager)."""

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, cache_max_bytes: int = DEFAULT_CACHE_MAX_BYTES) -> Store:
        """Open (creating if needed) the store file; its directory is created private (0700).

        Never raises for the state of the disk: a damaged file is moved aside and replaced (see
        ``take_notice``), an unusable location gives an in-memory store (see ``degraded_note``).
        """
        path = Path(path).expanduser()
        opened = open_connection(path, SCHEMA, SCHEMA_VERSION)
        add_missing_columns(opened.conn)
        return cls(
            opened.conn, path, cache_max_bytes, notice=opened.notice, degraded_note=opened.degraded_note
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
