"""The sandbox clock: job lifecycles are a pure function of ``now()``.

Tests need lifecycles that move only when they say so (``realtime=False`` + ``advance``); the CLI
demo wants jobs that finish while a person watches (``realtime=True``). Both are the same clock:
``start`` plus manual offset plus, in realtime mode, the wall time elapsed since creation.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """A thread-safe UTC clock that starts at ``start`` and moves by ``advance`` (and wall time)."""

    def __init__(self, start: datetime | None = None, realtime: bool = False) -> None:
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("Clock start must be an aware (UTC) datetime")
        self.start = start.astimezone(UTC)
        self.realtime = realtime
        self._offset = 0.0
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Current sandbox time (aware UTC)."""
        with self._lock:
            seconds = self._offset
        if self.realtime:
            seconds += time.monotonic() - self._t0
        return self.start + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("The sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()


def iso(dt: datetime) -> str:
    """RFC 3339 with a ``Z`` suffix, second precision: the form both providers use."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
