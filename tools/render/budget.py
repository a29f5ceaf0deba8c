"""Fitting an answer into its token budget: render, measure, step down.

Renders are cheap (they only touch what is shown), so the views never estimate sizes up front:
they render a candidate, measure both channels with ``tools.tokens`` and search for the most that
fits. Two searches cover every view: ``largest_fitting`` (how many items) and ``fit_ladder`` (how
many items at which level of detail).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

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


def fit_ladder(
    rungs: Sequence[R],
    render: Callable[[R, int], Summary],
    lo: int,
    hi: int,
    max_tokens: int,
    *,
    want: int,
    settle: bool = True,
) -> Summary | None:
    """The richest rung that shows at least ``want`` items (``k`` in ``[lo, hi]``) within budget.

    ``rungs`` go from most to least detailed. When no rung reaches ``want``: with ``settle`` the
    rung that shows the most items (the richer one on ties), else None so the caller can try
    another ladder.
    """
    best: tuple[int, Summary] | None = None
    for rung in rungs:
        found = largest_fitting(lambda k, rung=rung: render(rung, k), lo, hi, max_tokens)
        if found is None:
            continue
        if found[0] >= want:
            return found[1]
        if best is None or found[0] > best[0]:
            best = found
    return best[1] if best and settle else None
