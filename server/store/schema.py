"""The store's tables, and bringing a file written by an older version up to date."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 2

SCHEMA = """
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

ADDED_COLUMNS = {
    # version 2: when the provider first answered 404 for a tracked id (untracked after a second
    # 404 at least an hour later)
    ("tracked_jobs", "missing_since"): "TEXT",
}


def add_missing_columns(conn: sqlite3.Connection) -> None:
    """Bring a store written by an older version up to date (new tables come from the schema's
    ``CREATE ... IF NOT EXISTS``; a column added to an existing table needs ``ALTER TABLE``)."""
    for (table, column), kind in ADDED_COLUMNS.items():
        names = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in names:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
