"""What a summariser returns, and the helpers both summarisers share.

* ``Summary``: the markdown text and the compact structured dict, both within the token budget.
* Opaque cursors: urlsafe base64 of a small JSON ``{scope, offset}`` with a checksum, so a cursor
  from another job, code or filter is rejected instead of silently paging the wrong list.
* ``largest_fitting``: the budget search. Renders are cheap (they only touch what is shown), so we
  render, measure with ``tools.tokens`` and step down instead of estimating sizes up front.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput
from .tokens import fits


@dataclass(slots=True, frozen=True)
class Summary:
    text: str
    """Markdown that stands alone (some hosts show the model only this)."""
    structured: dict
    """Compact JSON-able dict with the same facts (some hosts show the model only this)."""

    def fits(self, max_tokens: int) -> bool:
        return fits(self.text, self.structured, max_tokens)


Render = Callable[[int], Summary]


def largest_fitting(render: Render, lo: int, hi: int, max_tokens: int) -> tuple[int, Summary] | None:
    """Largest ``k`` in ``[lo, hi]`` whose render fits, assuming size grows with ``k``.

    Binary search (O(log n) renders). Output size is monotone in ``k`` up to small effects of the
    "+N omitted" lines, so the answer is re-verified and walked down if needed.
    """
    if hi < lo:
        return None
    best: tuple[int, Summary] | None = None
    top = render(hi)
    if top.fits(max_tokens):
        return hi, top
    a, b = lo, hi - 1
    while a <= b:
        mid = (a + b) // 2
        s = render(mid)
        if s.fits(max_tokens):
            best = (mid, s)
            a = mid + 1
        else:
            b = mid - 1
    if best is None:
        bottom = render(lo)
        return (lo, bottom) if bottom.fits(max_tokens) else None
    return best


def pct(count: int, base: int) -> float:
    """Share in percent, one decimal (the same rounding everywhere, so tests can recount it)."""
    return round(100.0 * count / base, 1) if base else 0.0


def fmt_pct(count: int, base: int) -> str:
    return f"{pct(count, base):.1f}%"


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    """Omit empty fields from the structured channel (no null placeholders)."""
    return {k: v for k, v in d.items() if v is not None}


# ------------------------------------------------------------------------------------------------
# Cursors
# ------------------------------------------------------------------------------------------------


def _digest(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def encode_cursor(scope: str, offset: int) -> str:
    """An opaque cursor bound to ``scope`` (job + mode + filters) and an offset into its list."""
    body = {"s": _digest(scope), "o": int(offset)}
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True)
    body["c"] = _digest(raw)
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, scope: str, total: int) -> int:
    """Offset stored in ``cursor``; ``InvalidInput`` when malformed, tampered, or for another scope."""
    if cursor is None or cursor == "":
        return 0
    hint = (
        "Call again without cursor to start from the beginning, or pass the next_cursor returned "
        "by the previous call with the same job and filters."
    )
    try:
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
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InvalidInput(f"invalid cursor: it is not a cursor this tool returned. {hint}") from None
    if body["s"] != _digest(scope):
        raise InvalidInput(f"invalid cursor: it belongs to another job, code or filter. {hint}")
    if offset < 0 or offset > total:
        raise InvalidInput(f"invalid cursor: it points past the end of the list ({total} items). {hint}")
    return offset
