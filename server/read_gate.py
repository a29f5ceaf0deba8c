"""Oldest-first turns for the CPU-heavy steps of bulk result reads that share one interpreter.

Why: decoding and merging a 100,000-response job is CPU work on one GIL. Under fair sharing, five
concurrent cold reads each finish near five times a lone read, so the first answer is as late as
the last (measured in bench/coding_100k.py). A read instead takes a ticket when it starts and runs
each page's CPU step inside ``turn(ticket)``: when several reads want the CPU, the oldest goes
first. A younger read still fetches its next page, but with the reader's one-page buffer it stalls
after a page or two, so against a fast upstream reads finish one after another (the first about
as fast as alone) and against a slow one they still overlap their network waits, because a read
waiting on the network holds no turn.

Only ordering lives here; the reader decides what counts as a CPU step.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio


@dataclass(order=True)
class _Waiter:
    ticket: int
    seq: int
    event: anyio.Event = field(compare=False, default_factory=anyio.Event)
    granted: bool = field(compare=False, default=False)
    gone: bool = field(compare=False, default=False)


class OldestFirst:
    """One turn at a time; a waiting turn with the smallest ticket (the oldest read) is next.

    Not thread-safe: use it from the event loop (``turn`` around ``anyio.to_thread.run_sync``).
    """

    def __init__(self) -> None:
        self._tickets = itertools.count()
        self._seq = itertools.count()
        self._busy = False
        self._waiting: list[_Waiter] = []

    def ticket(self) -> int:
        """Call once when a read starts; earlier reads get smaller tickets."""
        return next(self._tickets)

    @property
    def waiting(self) -> int:
        """Turns queued behind the current one (for a progress message)."""
        return sum(1 for w in self._waiting if not w.gone)

    @asynccontextmanager
    async def turn(self, ticket: int) -> AsyncIterator[None]:
        if self._busy:
            waiter = _Waiter(ticket, next(self._seq))
            heapq.heappush(self._waiting, waiter)
            try:
                await waiter.event.wait()
            except BaseException:
                if waiter.granted:
                    self._release()  # handed the turn but cancelled before using it: pass it on
                else:
                    waiter.gone = True
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            waiter = heapq.heappop(self._waiting)
            if not waiter.gone:
                waiter.granted = True
                waiter.event.set()  # _busy stays True: the turn moves straight to the waiter
                return
        self._busy = False
