"""Fault injection: what can go wrong between our server and an upstream, on demand.

A fault is attached to a route name (``aftercare.coding.get`` …, or ``*``) and optionally to
specific 1-based call numbers on that route, so a test can say "the first two calls fail, the
third succeeds" and check the client's retry logic against real HTTP.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["latency", "status", "truncated", "invalid_json", "drop"]

ROUTES: tuple[str, ...] = (
    "aftercare.coding.get",
    "aftercare.coding.post",
    "aftercare.dq.get",
    "aftercare.dq.post",
    "surveycoder.jobs.get",
    "surveycoder.jobs.list",
    "surveycoder.code.post",
)
ANY_ROUTE = "*"


@dataclass(frozen=True, slots=True)
class Fault:
    """One kind of misbehaviour. Build with the class methods, not the constructor."""

    kind: FaultKind
    seconds: float = 0.0
    code: int = 0
    retry_after: int | None = None

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Delay the response by ``seconds`` of wall time (async: other requests keep flowing)."""
        return cls("latency", seconds=float(seconds))

    @classmethod
    def status(cls, code: int, retry_after: int | None = None) -> Fault:
        """Answer with HTTP ``code`` and the provider's own error body (429 gets Retry-After)."""
        if code == 429 and retry_after is None:
            retry_after = 1
        return cls("status", code=int(code), retry_after=retry_after)

    @classmethod
    def truncated(cls) -> Fault:
        """Status 200 but the JSON body is cut in half."""
        return cls("truncated")

    @classmethod
    def invalid_json(cls) -> Fault:
        """Status 200 with a body that is not JSON at all."""
        return cls("invalid_json")

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without a complete response."""
        return cls("drop")


@dataclass(slots=True)
class _Rule:
    route: str
    fault: Fault
    calls: frozenset[int] | None


@dataclass
class FaultRegistry:
    """Faults per route plus a per-route call counter (thread-safe: uvicorn runs in a thread)."""

    _rules: list[_Rule] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, fault: Fault, *, calls: set[int] | None = None) -> None:
        """Attach ``fault`` to ``route`` (``*`` = every API route) for ``calls`` (None = every call)."""
        if route != ANY_ROUTE and route not in ROUTES:
            raise ValueError(f"Unknown route {route!r}; expected one of {', '.join(ROUTES)} or '*'")
        if calls is not None and any(c < 1 for c in calls):
            raise ValueError("Call numbers are 1-based")
        with self._lock:
            self._rules.append(_Rule(route, fault, frozenset(calls) if calls is not None else None))

    def clear(self) -> None:
        """Remove every fault and reset the call counters."""
        with self._lock:
            self._rules.clear()
            self._counts.clear()

    def hit(self, route: str) -> list[Fault]:
        """Count one call on ``route`` and return the faults that apply to it, in insertion order."""
        with self._lock:
            self._counts[route] += 1
            n = self._counts[route]
            return [
                r.fault
                for r in self._rules
                if r.route in (route, ANY_ROUTE) and (r.calls is None or n in r.calls)
            ]

    def calls(self, route: str) -> int:
        """How many calls ``route`` has received (faulted or not)."""
        with self._lock:
            return self._counts[route]


def parse_fault_spec(text: str) -> tuple[str, Fault, set[int] | None]:
    """Parse a CLI ``--fault ROUTE=SPEC`` value.

    SPEC is ``latency:0.1``, ``503``, ``503@1,2`` (only calls 1 and 2), ``429:5`` (Retry-After 5),
    ``truncated``, ``invalid_json`` or ``drop``; any of them may end with ``@N,M``.
    """
    route, sep, spec = text.partition("=")
    route, spec = route.strip(), spec.strip()
    if not sep or not route or not spec:
        raise ValueError(f"Fault {text!r} must look like ROUTE=SPEC, e.g. aftercare.coding.get=503@1,2")
    if route != ANY_ROUTE and route not in ROUTES:
        raise ValueError(f"Unknown route {route!r}; expected one of {', '.join(ROUTES)} or '*'")
    calls: set[int] | None = None
    if "@" in spec:
        spec, _, call_text = spec.partition("@")
        try:
            calls = {int(c) for c in call_text.split(",") if c.strip()}
        except ValueError:
            raise ValueError(f"Bad call list {call_text!r} in fault {text!r}; use e.g. @1,2") from None
        if not calls or min(calls) < 1:
            raise ValueError(f"Call numbers in fault {text!r} must be 1-based integers")
    name, _, arg = spec.partition(":")
    fault: Fault
    try:
        if name == "latency":
            seconds = float(arg)
            if seconds < 0:
                raise ValueError
            fault = Fault.latency(seconds)
        elif name.isdigit():
            code = int(name)
            if not 400 <= code <= 599:
                raise ValueError
            fault = Fault.status(code, int(arg) if arg else None)
        elif name in ("truncated", "invalid_json", "drop") and not arg:
            fault = getattr(Fault, name)()
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"Bad fault spec {spec!r}; use latency:SECONDS, a 4xx/5xx status (429:RETRY_AFTER), "
            "truncated, invalid_json or drop, optionally followed by @1,2"
        ) from None
    return route, fault, calls
