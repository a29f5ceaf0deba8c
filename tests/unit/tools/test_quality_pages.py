"""The worst-respondents list, fitted by cumulative row sizes: the pages the binary search made, and
each the largest that fits."""

from __future__ import annotations

import random

import pytest

from survey_jobs_mcp.tools.models import ISSUE_TYPES, QualityReport
from survey_jobs_mcp.tools.render import budget, largest_fitting
from survey_jobs_mcp.tools.views.quality import build_quality_index, summarise_quality
from survey_jobs_mcp.tools.views.quality.listing import WorstList
from survey_jobs_mcp.tools.views.quality.parts import LADDER
from survey_jobs_mcp.tools.views.quality.summarise import ROW_TOKENS_MIN
from tests.hostile import HOSTILE
from tests.unit.tools.test_quality_summary import JOB, answer, check, resp


def report(seed: int, n: int = 400) -> QualityReport:
    """Respondents whose strongest issue quotes evidence and answers of very different lengths."""
    rnd = random.Random(seed)
    rs = []
    for i in range(n):
        evidence = rnd.choice([None, rnd.choice(HOSTILE), "why " * rnd.randint(1, 60)])
        text = rnd.choice(HOSTILE) if rnd.random() < 0.3 else "answer " * rnd.randint(0, 50)
        c = check(ISSUE_TYPES[0], round(rnd.random() * 100, 2), rnd.random() < 0.7, evidence)
        rs.append(resp(f"r{i:05d}", round(rnd.random() * 100, 2), answer(text, rnd.random() * 100, c)))
    return QualityReport(JOB, "Big", rs)


def pages(index, max_tokens: int, **kw) -> list:  # type: ignore[no-untyped-def, type-arg]
    out, cursor = [], None
    while True:
        s = summarise_quality(index, max_tokens=max_tokens, cursor=cursor, **kw)
        out.append(s)
        cursor = s.structured.get("next_cursor")
        if not cursor or len(out) > 400:
            return out


def binary_search(render, item_size, lo, hi, max_tokens):  # type: ignore[no-untyped-def]
    return largest_fitting(render, lo, hi, max_tokens)


@pytest.mark.parametrize("max_tokens", [300, 700, 3000, 20000])
def test_same_pages_as_the_binary_search(max_tokens: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = report(1)
    fitted = (
        pages(build_quality_index(rep), max_tokens),
        pages(build_quality_index(rep), max_tokens, min_demerit=50),
    )
    monkeypatch.setattr(budget, "largest_fitting_items", binary_search)
    index = build_quality_index(rep)
    assert (pages(index, max_tokens), pages(index, max_tokens, min_demerit=50)) == fitted


@pytest.mark.parametrize("max_tokens", [300, 700, 3000, 20000])
def test_each_page_is_the_largest_that_fits(max_tokens: int) -> None:
    index = build_quality_index(report(2, n=150))
    rows = index.matching(None, None)
    seen: list[str] = []
    for s in pages(index, max_tokens):
        assert s.fits(max_tokens)
        offset, n = s.structured["offset"], len(s.structured["worst"])
        seen += [w["respondent_id"] for w in s.structured["worst"]]
        listing = WorstList(index, None, None, rows, offset, f"quality|{JOB}|list|None|None")
        d = next(d for d in LADDER if listing.render(d, n) == s)
        cap = min(len(rows) - offset, max_tokens // ROW_TOKENS_MIN)
        assert n >= 1
        if n < cap:
            assert not listing.render(d, n + 1).fits(max_tokens)
        for richer in LADDER[: LADDER.index(d)]:  # no richer rung shows the 10 rows wanted
            best = largest_fitting(lambda m, r=richer, v=listing: v.render(r, m), 1, cap, max_tokens)
            assert best is None or best[0] < min(10, cap)
    assert seen == [s.respondent_id for s in rows]
