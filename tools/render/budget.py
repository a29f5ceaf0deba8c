"""Fitting an answer into its token budget: render, measure, step down.

Renders are cheap (they only touch what is shown), so the views never trust an estimate: they
render a candidate, measure both channels with ``tools.tokens`` and search for the most that fits.
Two searches cover every view: ``largest_fitting`` (how many items) and ``fit_ladder`` (how many
items at which level of detail).

A long page of items (responses, respondents) would cost a binary search of ~10 renders, each
formatting every row again. When the view can say what each item adds to both channels
(``ItemSize``, formatted once per item and level of detail), the search guesses the count from the
cumulative item sizes plus the measured rest of the page instead, and renders only to confirm: two
or three renders, the same answer.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..tokens import fits

R = TypeVar("R")


@dataclass(slots=True, frozen=True)
class Summary:
    text: str
    """Markdown that stands alone (some hosts show the model only this)."""
    structured: dict
    """Compact JSON-able dict with the same facts (some hosts show the model only this)."""

    def fits(self, max_tokens: int) -> bool:
        return fits(self.text, self.structured, max_tokens)


Render = Callable[[int], Summary]
ItemSize = Callable[[int], tuple[int, int]]
"""Item ``i`` (0-based, in page order) → the bytes it adds to (markdown, structured JSON), see
``item_bytes``."""

SLACK = 16
"""Bytes by which the rest of a page (all but its items) may shrink from ``n`` items to ``n + 1``
("+N more" counts losing a digit): when ``n + 1`` items are estimated within this much of the
budget, the search renders them to be sure instead of trusting the estimate."""


def item_bytes(line: str, entry: Any) -> tuple[int, int]:
    """What one item adds to each channel: its markdown line and newline, and its entry in a JSON
    list (with the ``", "`` separator), measured like ``tools.tokens`` measures a whole answer."""
    return len(line.encode("utf-8")) + 1, len(json.dumps(entry)) + 2


def _bytes(s: Summary) -> tuple[int, int]:
    """Both channels' bytes, as ``tools.tokens`` counts them (``json.dumps`` output is ASCII)."""
    return len(s.text.encode("utf-8")), len(json.dumps(s.structured))


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
    if hi == lo:
        return None
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


def _prefix(item_size: ItemSize, hi: int, limit: int) -> tuple[list[int], list[int]]:
    """Cumulative item bytes per channel, for as many items as could fit at all (``[0] + ...``):
    every item line and entry appears verbatim in a render, so once the items alone exceed the
    budget no larger count fits, and the items past that point are never formatted."""
    pt, pj = [0], [0]
    while len(pt) <= hi:
        t, j = item_size(len(pt) - 1)
        if pt[-1] + t > limit or pj[-1] + j > limit:
            break
        pt.append(pt[-1] + t)
        pj.append(pj[-1] + j)
    return pt, pj


def largest_fitting_items(
    render: Render, item_size: ItemSize, lo: int, hi: int, max_tokens: int
) -> tuple[int, Summary] | None:
    """``largest_fitting`` for a page of ``k`` items whose sizes add up: the same answer (the largest
    ``k`` in ``[lo, hi]`` that fits, under the same assumption that size grows with ``k``) from two
    or three renders instead of a binary search.

    The rest of the page (heading, cursor, "+N more" lines) is measured from a real render and the
    count read off the cumulative item sizes; every answer is a render that was measured to fit, and
    ``k + 1`` is rendered too unless its estimate exceeds the budget by more than ``SLACK``.
    """
    if hi < lo:
        return None
    limit = 4 * max_tokens  # ceil(bytes / 4) <= max_tokens
    pt, pj = _prefix(item_size, hi, limit)
    reach = len(pt) - 1
    if reach == hi:  # like largest_fitting: the whole range first (the last page has no "more" lines)
        top = render(hi)
        if top.fits(max_tokens):
            return hi, top
    b = min(reach, hi - 1)
    if b < lo:
        return None
    n, s = lo, render(lo)
    t, j = _bytes(s)
    if t > limit or j > limit:
        return None
    # the rest of the page at n items; guess: as large as in any render seen above n
    frame = guess = (t - pt[n], j - pj[n])
    while n < b:
        # the largest count whose items fit beside the rest of the page (the prefixes never decrease)
        m = min(bisect_right(pt, limit - guess[0], 0, b + 1), bisect_right(pj, limit - guess[1], 0, b + 1))
        m -= 1
        if m <= n:
            if frame[0] + pt[n + 1] > limit + SLACK or frame[1] + pj[n + 1] > limit + SLACK:
                break  # n + 1 cannot fit even if the rest of the page shrinks by SLACK
            m = n + 1
        sm = render(m)
        t, j = _bytes(sm)
        if t <= limit and j <= limit:
            n, s = m, sm
            frame = guess = (t - pt[m], j - pj[m])
        else:
            b = m - 1
            guess = (max(guess[0], t - pt[m]), max(guess[1], j - pj[m]))
    return n, s


def fit_ladder(
    rungs: Sequence[R],
    render: Callable[[R, int], Summary],
    lo: int,
    hi: int,
    max_tokens: int,
    *,
    want: int,
    settle: bool = True,
    item_size: Callable[[R, int], tuple[int, int]] | None = None,
) -> Summary | None:
    """The richest rung that shows at least ``want`` items (``k`` in ``[lo, hi]``) within budget.

    ``rungs`` go from most to least detailed. When no rung reaches ``want``: with ``settle`` the
    rung that shows the most items (the richer one on ties), else None so the caller can try
    another ladder. With ``item_size`` (what item ``i`` adds at a rung) each rung is searched by
    ``largest_fitting_items``.
    """
    best: tuple[int, Summary] | None = None
    for rung in rungs:
        if item_size is None:
            found = largest_fitting(lambda k, rung=rung: render(rung, k), lo, hi, max_tokens)
        else:
            found = largest_fitting_items(
                lambda k, rung=rung: render(rung, k),
                lambda i, rung=rung: item_size(rung, i),
                lo,
                hi,
                max_tokens,
            )
        if found is None:
            continue
        if found[0] >= want:
            return found[1]
        if best is None or found[0] > best[0]:
            best = found
    return best[1] if best and settle else None
