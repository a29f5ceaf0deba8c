"""Opening the local SQLite store so that no state of the disk can stop the server.

- A damaged file (not a database, failed integrity check) is moved aside to
  ``<name>.corrupt-<UTC time>`` (with its ``-wal``), a fresh store is created in its place, and the
  next answer says so once.
- A data dir that cannot be used (missing and not creatable, read-only, a file where the dir should
  be, a read-only store file) gives an in-memory store: every tool works, nothing outlives the
  process, and every answer carries a one-line note with the path and the fix.

New files get ``auto_vacuum = INCREMENTAL`` so evicted cache rows give their space back to the file
system; an older file is converted once, when it is opened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger("survey_jobs_mcp.store")

BUSY_TIMEOUT_MS = 10_000
_CORRUPT_CODES = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


class StoreCorrupt(Exception):
    """The file exists but is not a healthy SQLite database."""


@dataclass(frozen=True, slots=True)
class Opened:
    conn: sqlite3.Connection
    notice: str | None = None
    """Said once, in the next answer: the store was damaged and replaced."""
    degraded_note: str | None = None
    """Said in every answer: the store lives in memory only."""


def _connect(target: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(
        target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )


def _prepare(conn: sqlite3.Connection, schema: str, version: int, *, on_disk: bool) -> None:
    """Pragmas, integrity check, incremental auto-vacuum and the schema (idempotent)."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if on_disk:
        (check,) = conn.execute("PRAGMA quick_check(1)").fetchone()
        if check != "ok":
            raise StoreCorrupt(f"integrity check: {str(check)[:120]}")
        # Before anything else writes the file: on a new database this takes effect directly; an
        # existing one (with tables) needs a VACUUM to switch, done once.
        (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
        if mode != 2:  # 2 = INCREMENTAL
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                logger.info("converting the local store to incremental auto-vacuum (once)")
                conn.execute("VACUUM")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(schema)
    conn.execute(f"PRAGMA user_version = {version}")


def _open_file(path: Path, schema: str, version: int) -> sqlite3.Connection:
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        with contextlib.suppress(OSError):
            path.parent.chmod(0o700)
    if not path.exists():
        # Create the file 0600 ourselves: SQLite gives the -wal/-shm files the database's mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = _connect(path)
    try:
        _prepare(conn, schema, version, on_disk=True)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorname", "") in _CORRUPT_CODES:
            raise StoreCorrupt(str(exc)) from None
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            if suffix == "-wal":
                extra.rename(target.with_name(target.name + suffix))
            else:
                extra.unlink()
    return target


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}" + (f": {exc.filename}" if exc.filename else "")
    return str(exc)[:160] or type(exc).__name__


_RUNTIME_FIXES = {
    "SQLITE_FULL": "free some disk space",
    "SQLITE_READONLY": "make {path} and its directory writable",
    "SQLITE_BUSY": "another survey-jobs-mcp process holds it; try again in a moment",
    "SQLITE_LOCKED": "another survey-jobs-mcp process holds it; try again in a moment",
    "SQLITE_CORRUPT": "the file is damaged: restart the server, which moves it aside and starts afresh",
    "SQLITE_NOTADB": "the file is damaged: restart the server, which moves it aside and starts afresh",
    "SQLITE_IOERR": "check the disk, then try again",
}


def runtime_error_message(where: str, path: Path, exc: sqlite3.Error) -> str:
    """A SQLite error at run time, in words: what failed and what to do."""
    code = getattr(exc, "sqlite_errorname", "") or type(exc).__name__
    fix = _RUNTIME_FIXES.get(code, "try again; if it persists, restart the server").format(path=path)
    return (
        f"The local store ({where}) failed: {str(exc)[:160]} ({code}). To fix it: {fix}. "
        "Set SURVEY_JOBS_DATA_DIR to use another directory."
    )


def degraded_note(path: Path, exc: BaseException) -> str:
    return (
        f"Running without the local store: {path} could not be opened ({_reason(exc)}), so tracked "
        "Aftercare jobs and cached results last only until the server stops. Fix: make "
        f"{path.parent} a writable directory (or set SURVEY_JOBS_DATA_DIR to one) and restart the server."
    )


def open_connection(path: Path, schema: str, version: int) -> Opened:
    """Open ``path`` if at all possible; otherwise an in-memory database. Never raises for disk state."""
    notice = None
    try:
        try:
            return Opened(_open_file(path, schema, version))
        except StoreCorrupt as exc:
            moved = _move_aside(path)
            logger.warning("local store %s was damaged (%s); moved to %s", path, exc, moved.name)
            notice = (
                f"The local store {path} was damaged ({str(exc)[:120]}); it was moved to {moved.name} and "
                "a fresh one created. Aftercare jobs seen before must be looked up again (get_job, or "
                "`survey-jobs-mcp track`), and cached results are fetched again once."
            )
            return Opened(_open_file(path, schema, version), notice=notice)
    except (OSError, sqlite3.Error, StoreCorrupt) as exc:
        note = degraded_note(path, exc)
        logger.warning("%s", note)
        conn = _connect(":memory:")
        _prepare(conn, schema, version, on_disk=False)
        return Opened(conn, notice=notice, degraded_note=note)
