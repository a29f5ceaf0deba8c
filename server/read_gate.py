"""Oldest-first turns for the CPU-heavy steps of bulk result reads that share one interpreter.

Why: decoding and merging a 100,000-response job is CPU work on one GIL. Under fair sharing, five
concurrent cold reads each finish near five times a lone read, so the first answer is as late as
the last (measured in bench/coding_100k.py). Instead, each read runs inside ``reading()`` (which
gives it a ticket; earlier reads get smaller ones) and does each page's CPU step inside
``turn(ticket)``:

- when several reads want a turn, the oldest goes first;
- when a read ends its turn and is not done, its turn is *kept for it* for ``grace`` seconds (it is
  usually back within a millisecond, with its next page); younger reads get the turn only if it
  does not come back in time, i.e. while it waits on a slow network.

So against a fast upstream reads finish one after another (the first about as fast as alone), and
against a slow one they still overlap their network waits. Only ordering lives here; the reader
decides what a CPU step is. Use from one event loop (not thread-safe).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio

DEFAULT_GRACE_S = 0.02


@dataclass(order=True)
class _Waiter:
    ticket: int
    seq: int
    event: anyio.Event = field(compare=False, default_factory=anyio.Event)
    granted: bool = field(compare=False, default=False)


class OldestFirst:
    def __init__(self, grace: float = DEFAULT_GRACE_S) -> None:
        self._grace = grace
        self._tickets = itertools.count()
        self._seq = itertools.count()
        self._active: set[int] = set()
        self._owner: int | None = None
        self._kept_for: int | None = None
        self._kept_until = 0.0
        self._waiting: list[_Waiter] = []

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[int]:
        """One whole read; yields its ticket. Leaving it gives up any turn kept for the read."""
        ticket = next(self._tickets)
        self._active.add(ticket)
        try:
            yield ticket
        finally:
            self._active.discard(ticket)
            if self._kept_for == ticket:
                self._kept_for = None
                self._grant_next()

    @property
    def waiting(self) -> int:
        """Turns queued (for a progress message)."""
        return len(self._waiting)

    @asynccontextmanager
    async def turn(self, ticket: int) -> AsyncIterator[None]:
        while not self._take(ticket):
            waiter = _Waiter(ticket, next(self._seq))
            heapq.heappush(self._waiting, waiter)
            # Wake when a kept turn lapses (or, at the latest, after one grace period to look again).
            wait = self._kept_until - anyio.current_time() if self._kept_for is not None else self._grace
            try:
                with anyio.move_on_after(max(wait, 0.0) if self._grace > 0 else math.inf):
                    await waiter.event.wait()
            except BaseException:
                if waiter.granted:
                    self._release(ticket)  # handed the turn but cancelled before using it: pass it on
                else:
                    self._forget(waiter)
                raise
            if waiter.granted:
                break
            self._forget(waiter)
            if self._kept_for is not None and anyio.current_time() >= self._kept_until:
                self._kept_for = None  # its read is waiting on the network: the turn moves on
        try:
            yield
        finally:
            self._release(ticket)

    def _forget(self, waiter: _Waiter) -> None:
        self._waiting.remove(waiter)
        heapq.heapify(self._waiting)

    def _older_waiting(self, ticket: int) -> bool:
        return bool(self._waiting) and self._waiting[0].ticket < ticket

    def _take(self, ticket: int) -> bool:
        kept_for_older = self._kept_for is not None and self._kept_for < ticket
        if self._owner is not None or kept_for_older or self._older_waiting(ticket):
            return False
        self._owner, self._kept_for = ticket, None
        return True

    def _release(self, ticket: int) -> None:
        self._owner = None
        if ticket in self._active and not self._older_waiting(ticket) and self._grace > 0:
            self._kept_for, self._kept_until = ticket, anyio.current_time() + self._grace
            return
        self._grant_next()

    def _grant_next(self) -> None:
        if self._owner is None and self._kept_for is None and self._waiting:
            waiter = heapq.heappop(self._waiting)
            waiter.granted = True
            self._owner = waiter.ticket
            waiter.event.set()
