"""How long this process has spent waiting for each provider's answers.

A call that reaches its deadline should say why: a provider that answers slowly and a server busy
with other work (a 100k read holding the CPU) need different advice. The HTTP layer times every
request it has in flight; the tool compares the waiting with the time the call took.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class UpstreamWaits:
    def __init__(self) -> None:
        self._done: defaultdict[str, float] = defaultdict(float)
        self._in_flight: dict[object, tuple[str, float]] = {}

    @contextmanager
    def waiting(self, provider_label: str) -> Iterator[None]:
        token = object()
        self._in_flight[token] = (provider_label, time.monotonic())
        try:
            yield
        finally:
            label, started = self._in_flight.pop(token)
            self._done[label] += time.monotonic() - started

    def totals(self) -> dict[str, float]:
        """Seconds spent waiting per provider label, requests still in flight included."""
        now = time.monotonic()
        totals = dict(self._done)
        for label, started in self._in_flight.values():
            totals[label] = totals.get(label, 0.0) + now - started
        return totals


UPSTREAM_WAITS = UpstreamWaits()
"""One per process: every ``ProviderHttp`` request is timed here."""
