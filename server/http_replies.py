"""What the HTTP layer hands back (``Reply``, ``ResponseMeta``, ``HttpErrorResponse``) and how it reads
response bodies and headers (JSON, ``Retry-After``, both providers' error shapes).

Split from ``http.py``, which keeps the request loop; these parts have no state and no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msgspec

from .redact import clip


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    status: int
    request_id: str
    """The upstream's ``X-Request-Id`` response header, else the id we sent (quote it to support)."""
    attempts: int
    elapsed: float


@dataclass(frozen=True, slots=True)
class Reply:
    """What provider clients read (matches ``server.providers.transport.Reply`` field for field)."""

    status: int
    body: Any
    request_id: str | None
    meta: ResponseMeta | None = None


class HttpErrorResponse(Exception):
    """A non-retryable 4xx (other than 401/403) from ``get_json``/``post_json``; the caller maps it."""

    def __init__(self, status: int, body: Any, meta: ResponseMeta) -> None:
        super().__init__(f"HTTP {status} (request id {meta.request_id})")
        self.status = status
        self.body = body
        self.meta = meta


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def error_detail(body: Any) -> str:
    """``CODE: message`` from either provider's error shape (bare, or ``{"error": {...}}``)."""
    if not isinstance(body, dict):
        return ""
    err = body.get("error") if isinstance(body.get("error"), dict) else body
    code, message = err.get("code"), err.get("message")
    parts = [clip(p, 200) for p in (code, message) if isinstance(p, str) and p]
    return ": ".join(parts)


def decode_json(body: bytes) -> Any:
    """Parse a JSON body into plain Python values; ValueError for an invalid or empty body.

    msgspec rather than ``json``: about 1.5x faster on the 20 MB of a 100k-response job (see
    bench/README.md), same values (strict JSON: no NaN/Infinity, UTF-8 only, as the specs say).
    """
    if not body:
        raise ValueError("empty body")
    return msgspec.json.decode(body)


def try_json(response: httpx.Response) -> Any:
    """The body as JSON, or None (for error bodies, which may be anything)."""
    try:
        return decode_json(response.content)
    except ValueError:
        return None


def transport_detail(exc: httpx.TransportError) -> str:
    """A connection failure in a few words: its type and (clipped) text."""
    text = clip(str(exc).strip(), 160)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
