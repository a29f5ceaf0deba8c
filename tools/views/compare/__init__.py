"""Two coding jobs side by side: matched questions and codes, shares, differences, significance.

``summarise_comparison`` is the entry point: match (``match``), test (``stats``), order
(``build``), then render one budget-fitted page (``render``) whose cursor continues the list.
"""

from __future__ import annotations

from ...render import Summary, decode_cursor
from ...tokens import MIN_TOKENS
from ..cleaning import Cleaning
from ..coding import CodingIndex
from .build import build_comparison
from .render import Page, fit_page
from .schema import CompareOut


def summarise_comparison(
    job: CodingIndex,
    baseline: CodingIndex,
    *,
    question_id: str | None = None,
    max_tokens: int = 3000,
    cursor: str | None = None,
    cleaning: tuple[Cleaning | None, Cleaning | None] = (None, None),
    scope_key: str = "",
) -> Summary:
    """One page of the comparison of ``job`` against ``baseline``.

    ``scope_key`` names whatever else shaped the list (the exclusion), so a cursor from another
    call is refused instead of paging the wrong list.
    """
    cmp = build_comparison(job, baseline, question_id)
    scope = f"compare|{job.results.job_id}|{baseline.results.job_id}|{cmp.question_id}|{scope_key}"
    offset = decode_cursor(cursor, scope, len(cmp.items))
    return fit_page(Page(cmp, cleaning, offset, scope), max(MIN_TOKENS, int(max_tokens)))


__all__ = ["CompareOut", "summarise_comparison"]
