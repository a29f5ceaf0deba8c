"""A code's page of responses: the rows it always showed, and as many of them as fit.

The page is fitted by cumulative row sizes (``largest_fitting_items``) with each row quoted once per
level of detail. These tests hold it to what the render-and-measure binary search answered: the
same rows at every level of detail, the same page, and the largest page that fits.
"""

from __future__ import annotations

import random

import pytest

from survey_jobs_mcp.tools.models import Assignment, CodeNode, CodingResults, QuestionCoding
from survey_jobs_mcp.tools.quoting import handle, plain, plain_id, quote
from survey_jobs_mcp.tools.render import budget, item_bytes, largest_fitting
from survey_jobs_mcp.tools.views.coding import build_coding_index, summarise_coding
from survey_jobs_mcp.tools.views.coding import code as code_view
from survey_jobs_mcp.tools.views.coding.index import CodingIndex, QuestionStat, page_list, sub_rank
from tests.hostile import HOSTILE

JOB = "123e4567-e89b-12d3-a456-426614174000"
RUNGS = (*code_view.LADDER, code_view.LAST)
WORDS = ["good", "slow", "Ünïcode", "🙂", "delivery", "#", "|", "`", "“quoted”", "中文"]


def text(rnd: random.Random) -> str:
    pick = rnd.random()
    if pick < 0.15:
        return rnd.choice(HOSTILE)
    if pick < 0.2:
        return ""
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, rnd.choice([4, 20, 60]))))


def question(seed: int, n_resp: int = 700) -> QuestionCoding:
    """One big code with three sub-codes; many respondents listed at the code and again at a
    sub-code with another text, some with an empty text (the answer is the fallback), some whose
    answer is missing from the responses."""
    rnd = random.Random(seed)
    subs = [CodeNode(f"1.{j}", f"Sub-theme {j} " + "x" * rnd.randint(0, 90), {}, [], None) for j in range(3)]
    top = CodeNode("1", "Theme " + rnd.choice(HOSTILE), {}, subs, None)
    small = CodeNode("2", "Small", {}, [], None)
    responses: dict[str, str] = {}
    for k in range(n_resp):
        rid = f"r{rnd.randint(0, 10**6)}" if rnd.random() < 0.5 else f"r{k}"
        if rnd.random() < 0.9:
            responses[rid] = text(rnd)
        if rnd.random() < 0.4:
            top.assignments[rid] = Assignment(text(rnd))
        for sub in rnd.sample(subs, rnd.randint(0, 2)):
            sub.assignments[rid] = Assignment(text(rnd))
        if rnd.random() < 0.02:
            small.assignments[rid] = Assignment(text(rnd))
    return QuestionCoding("Q1", "What did you like?", [top, small], responses, True)


def index_of(seed: int) -> tuple[CodingIndex, QuestionStat]:
    r = CodingResults(JOB, "aftercare", "coding", "CSAT", None, [question(seed)])
    index = build_coding_index(r)
    return index, index.questions[0]


def reference_rows(qs: QuestionStat, code_id: str) -> list[tuple[str, str]]:
    """The page as it was built before: first text breadth-first per respondent, sorted by id."""
    texts: dict[str, str] = {}
    todo = [qs.nodes[code_id]]
    while todo:
        s = todo.pop(0)
        for rid, a in s.node.assignments.items():
            texts.setdefault(str(rid), a.text)
        todo.extend(s.children)
    responses = qs.question.responses
    return sorted(((rid, t if t else responses.get(rid, "")) for rid, t in texts.items()), key=lambda x: x[0])


def view_of(index: CodingIndex, qs: QuestionStat, code_id: str, offset: int = 0) -> code_view._Code:
    stat = qs.nodes[code_id]
    scope = f"coding|{JOB}|{qs.question_id}|{code_id}"
    return code_view._Code(index, qs, stat, page_list(index, qs, stat), offset, scope)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_page_list_is_the_first_text_breadth_first_sorted_by_id(seed: int) -> None:
    index, qs = index_of(seed)
    for code_id in qs.nodes:
        page = page_list(index, qs, qs.nodes[code_id])
        expected = reference_rows(qs, code_id)
        assert len(page) == len(expected) == qs.nodes[code_id].count
        assert list(page) == expected
        assert page[5:9] == expected[5:9] and page[-1] == expected[-1]
    fallback = [
        rid for rid, t in reference_rows(qs, "1") if t and not qs.nodes["1"].node.assignments.get(rid)
    ]
    assert fallback  # the data really has texts that come from a sub-code, not the code itself


@pytest.mark.parametrize("seed", [1, 2])
def test_rows_are_the_same_at_every_detail_level(seed: int) -> None:
    index, qs = index_of(seed)
    rows = reference_rows(qs, "1")
    view = view_of(index, qs, "1", offset=40)
    for d in RUNGS:
        for i, (rid, t) in enumerate(rows[40:140]):
            line = f"- {handle(rid)} {quote(t, d.quote_chars)}"
            entry = {"respondent_id": plain_id(rid), "text": plain(t, d.quote_chars)}
            row = view._row(d, i)
            assert (row.line, row.entry, row.size) == (line, entry, item_bytes(line, entry))
        s = view.render(d, 1, 100)
        assert s.structured["responses"] == [view._row(d, i).entry for i in range(100)]
        assert "\n".join(view._row(d, i).line for i in range(100)) in s.text


def reference_search(render, item_size, lo, hi, max_tokens):  # type: ignore[no-untyped-def]
    """The render-and-measure binary search every page used before."""
    return largest_fitting(render, lo, hi, max_tokens)


def pages(index: CodingIndex, code_id: str, max_tokens: int) -> list:  # type: ignore[type-arg]
    """Every page of the code's responses, following the cursors."""
    out, cursor = [], None
    while True:
        s = summarise_coding(index, question_id="Q1", code_id=code_id, max_tokens=max_tokens, cursor=cursor)
        out.append(s)
        cursor = s.structured.get("next_cursor")
        if not cursor or len(out) > 400:
            return out


@pytest.mark.parametrize("max_tokens", [300, 450, 1200, 3000, 9000])
def test_same_pages_as_the_binary_search(max_tokens: int, monkeypatch: pytest.MonkeyPatch) -> None:
    index, _ = index_of(4)
    fitted = {cid: pages(index, cid, max_tokens) for cid in ("1", "1.0", "2")}
    index, _ = index_of(4)  # nothing cached from the first pass
    monkeypatch.setattr(budget, "largest_fitting_items", reference_search)
    monkeypatch.setattr(code_view, "largest_fitting_items", reference_search)
    for cid, got in fitted.items():
        assert pages(index, cid, max_tokens) == got


@pytest.mark.parametrize("max_tokens", [300, 450, 1200, 3000, 9000])
def test_each_page_is_the_largest_that_fits(max_tokens: int) -> None:
    index, qs = index_of(5)
    stat = qs.nodes["1"]
    seen: list[str] = []
    for s in pages(index, "1", max_tokens):
        assert s.fits(max_tokens)
        offset, shown = s.structured["offset"], s.structured["responses"]
        n = len(shown)
        seen.extend(r["respondent_id"] for r in shown)
        view = view_of(index, qs, "1", offset)
        cap = min(stat.count - offset, max_tokens // code_view.ROW_TOKENS_MIN)
        made = [
            (d, k) for d in RUNGS for k in range(len(sub_rank(index, stat)) + 1) if view.render(d, k, n) == s
        ]
        assert made, "the page is a render of the view"
        d, k = made[0]
        assert n >= 1
        if n < cap:  # one more row at the same detail exceeds the budget
            assert not view.render(d, k, n + 1).fits(max_tokens)
        for richer in RUNGS[: RUNGS.index(d)]:  # no richer rung shows the 10 rows wanted
            best = largest_fitting(lambda m, r=richer, v=view, k=k: v.render(r, k, m), 1, cap, max_tokens)
            assert best is None or best[0] < min(10, cap)
    assert seen == [rid for rid, _ in reference_rows(qs, "1")]
