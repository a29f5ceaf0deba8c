"""``summarise_quality``: which data-quality answer a call asks for, its filters and its budget."""

from __future__ import annotations

import math
from collections.abc import Callable

from ...errors import InvalidInput
from ...models import ISSUE_TYPES
from ...quoting import clean_label, handle
from ...render import Summary, decode_cursor, fit_ladder
from .index import QualityIndex, RespStat, norm_key
from .listing import WorstList
from .parts import LADDER, Detail, emergency_answer
from .respondent import RespondentView

ROW_TOKENS_MIN = 16
"""No respondent or answer row costs fewer tokens (structured channel): pages are as long as the
budget allows, this only bounds the search."""


def _page(
    render: Callable[[Detail, int], Summary],
    cap: int,
    max_tokens: int,
    want: int,
    row_size: Callable[[Detail, int], tuple[int, int]] | None = None,
) -> Summary | None:
    """First rung (richest detail) that fits ``want`` rows; else the rung that fits the most rows.
    With ``row_size`` (what each row adds) a rung is fitted by cumulative row sizes."""
    found = fit_ladder(LADDER, render, min(1, cap), cap, max_tokens, want=want, item_size=row_size)
    return found or fit_ladder(LADDER[-1:], render, 0, 0, max_tokens, want=0)


def resolve_issue_type(index: QualityIndex, issue_type: str) -> str:
    key = index.aliases.get(norm_key(issue_type))
    if key is None:
        seen = ", ".join(f"'{clean_label(n, 30)}'" for n in index.upstream_names[:2])
        theirs = f" (the provider's names in this report work too, e.g. {seen})" if seen else ""
        raise InvalidInput(
            f"Unknown issue_type {clean_label(issue_type, 40)}. Valid: {', '.join(ISSUE_TYPES)}{theirs}. "
            "Call get_quality_results without issue_type for the per-type counts."
        )
    return key


def _respondent(index: QualityIndex, respondent_id: str) -> RespStat:
    s = index.by_id.get(str(respondent_id)) or index.by_id.get(str(respondent_id).strip())
    if s is None:
        first = ", ".join(handle(x.respondent_id) for x in index.worst[:5]) or "(none)"
        job = handle(index.report.job_id)
        raise InvalidInput(
            f"Unknown respondent_id {clean_label(str(respondent_id), 40)} in job {job}. "
            f"The worst respondents are {first}; call get_quality_results without respondent_id to list them."
        )
    return s


def summarise_quality(
    index: QualityIndex,
    *,
    issue_type: str | None = None,
    min_demerit: float | None = None,
    respondent_id: str | None = None,
    max_tokens: int = 3000,
    cursor: str | None = None,
) -> Summary:
    """Job-level stats plus the worst respondents (filtered, paged), or one respondent's answers."""
    max_tokens = max(300, int(max_tokens))
    job = index.report.job_id
    if respondent_id not in (None, ""):
        s = _respondent(index, respondent_id)
        scope = f"quality|{job}|respondent|{s.respondent_id}"
        offset = decode_cursor(cursor, scope, len(s.r.answers))
        view = RespondentView(index, s, offset, scope)
        cap = min(len(s.r.answers) - offset, max_tokens // ROW_TOKENS_MIN)
        return _page(view.render, cap, max_tokens, cap) or emergency_answer(index, max_tokens)
    key = resolve_issue_type(index, issue_type) if issue_type not in (None, "") else None
    md = None
    if min_demerit is not None:
        md = float(min_demerit)
        if not math.isfinite(md):
            raise InvalidInput("min_demerit must be a number between 0 and 100.")
    rows = index.matching(key, md)
    scope = f"quality|{job}|list|{key}|{md}"
    offset = decode_cursor(cursor, scope, len(rows))
    listing = WorstList(index, key, md, rows, offset, scope)
    cap = min(len(rows) - offset, max_tokens // ROW_TOKENS_MIN)
    found = _page(listing.render, cap, max_tokens, min(10, cap), listing.row_size)
    return found or emergency_answer(index, max_tokens)
