"""Opaque cursors: where the next page of a list starts, bound to the list it pages.

A cursor is urlsafe base64 of a small JSON ``{scope, offset}`` with a checksum, so a cursor from
another job, code or filter is rejected instead of silently paging the wrong list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from ..errors import InvalidInput

_HINT = (
    "Call again without cursor to start from the beginning, or pass the next_cursor returned "
    "by the previous call with the same job and filters."
)


def _digest(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def encode_cursor(scope: str, offset: int) -> str:
    """An opaque cursor bound to ``scope`` (job + mode + filters) and an offset into its list."""
    body = {"s": _digest(scope), "o": int(offset)}
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True)
    body["c"] = _digest(raw)
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def _read(cursor: str) -> tuple[str, int]:
    """(scope digest, offset) of a well-formed, untampered cursor; ``ValueError`` otherwise."""
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise ValueError
    padded = cursor + "=" * (-len(cursor) % 4)
    body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if not isinstance(body, dict) or set(body) != {"s", "o", "c"}:
        raise ValueError
    check = _digest(json.dumps({"s": body["s"], "o": body["o"]}, separators=(",", ":"), sort_keys=True))
    offset = body["o"]
    if body["c"] != check or not isinstance(offset, int) or isinstance(offset, bool):
        raise ValueError
    return body["s"], offset


def decode_cursor(cursor: str | None, scope: str, total: int) -> int:
    """Offset stored in ``cursor``; ``InvalidInput`` when malformed, tampered, or for another scope."""
    if cursor is None or cursor == "":
        return 0
    try:
        digest, offset = _read(cursor)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InvalidInput(f"invalid cursor: it is not a cursor this tool returned. {_HINT}") from None
    if digest != _digest(scope):
        raise InvalidInput(f"invalid cursor: it belongs to another job, code or filter. {_HINT}")
    if offset < 0 or offset > total:
        raise InvalidInput(f"invalid cursor: it points past the end of the list ({total} items). {_HINT}")
    return offset
