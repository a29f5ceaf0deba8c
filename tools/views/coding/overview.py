"""The coding overview (no question_id): every question, its base, and as much of its code tree
as the budget holds.

Codes are revealed in ``index.reveal_order``: each question's tree from the top, largest share
first, fairly across questions. The budget search finds how many codes fit; whatever is left is
counted exactly, with the handle that lists it. Only when not even every question's base fits do
questions themselves get cut (counted, with their ids).
"""

from __future__ import annotations

from ...quoting import handle, plain_id
from ...render import Lines, Summary, drop_none, fit_ladder
from .index import CodingIndex, QuestionStat, reveal_order
from .parts import (
    COUNT_RULE,
    UNREPORTED_NOTE,
    Detail,
    Tree,
    base_lines,
    emergency_answer,
    header,
    question_data,
    question_heading,
)

RUNGS = (
    Detail(label_chars=80, text_chars=120),
    Detail(label_chars=48, text_chars=80, meta_chars=80),
)
"""Every question shown; as many codes as fit, with shorter labels if that shows more."""
CUT = (
    Detail(top=1, label_chars=24, text_chars=30, meta_chars=30),
    Detail(top=0, label_chars=16, text_chars=20, meta_chars=20),
)
"""When not every question fits: as many questions as fit (``top`` codes each), the rest counted."""
CODE_TOKENS_MIN = 12
"""No shown code costs fewer tokens (in the structured channel), so at most max_tokens // 12 fit."""


def _question(index: CodingIndex, qs: QuestionStat, d: Detail, out: Lines, global_note: bool, k: int) -> dict:
    """One question with its ``k`` highest-ranked codes, as a tree; the rest counted."""
    out.blank()
    out.add(question_heading(qs, d))
    base_lines(qs, out, global_note)
    qd = question_data(qs, d)
    shown = {id(s) for s in qs.rank[:k]}
    hint = f"question_id={handle(qs.question_id)} lists them"
    entries, omitted = Tree(index, qs, shown, d, out).render(qs.roots, qs.root_suffix, hint)
    qd["codes"] = entries or None
    qd["codes_omitted"] = omitted
    return drop_none(qd)


def _next(qss: list[QuestionStat], shown: list[dict]) -> str | None:
    """A call that shows something this answer does not: cut codes, else cut questions, else the
    responses of the largest code (never a call that would show nothing new)."""
    for qs, qd in zip(qss, shown, strict=False):
        cut = qd.get("codes_omitted") or any("sub_codes_omitted" in c for c in qd.get("codes", []))
        if cut:
            return f"question_id={handle(qs.question_id)} lists every code of that question, with examples."
    if len(shown) < len(qss):
        return f"question_id={handle(qss[len(shown)].question_id)} shows the next question's code tree."
    for qs, qd in zip(qss, shown, strict=True):
        top = next((c for c in qd.get("codes", []) if c["count"]), None)
        if top is not None:
            return (
                f"question_id={handle(qs.question_id)} code_id={handle(top['code_id'])} lists that code's "
                "responses with respondent ids (paged)."
            )
    return None


def _render(index: CodingIndex, d: Detail, n_questions: int, ks: list[int]) -> Summary:
    """The first ``n_questions`` questions, question ``i`` with its ``ks[i]`` largest codes."""
    out = Lines()
    data = header(index, out, d, "overview")
    qss = index.questions
    global_note = bool(qss) and all(not q.question.uncoded_reported for q in qss)
    out.add(f"**Questions:** {len(qss):,} · **Counts:** {COUNT_RULE}; % of each question's base")
    if global_note:
        out.add(f"**Note:** {UNREPORTED_NOTE}.")
    data["counting"] = COUNT_RULE
    data["questions_total"] = len(qss)
    shown = [_question(index, qs, d, out, global_note, ks[qi]) for qi, qs in enumerate(qss[:n_questions])]
    data["questions"] = shown
    if len(qss) > n_questions:
        rest = qss[n_questions:]
        ids = [q.question_id for q in rest[:5]]
        more = ", ".join(handle(i) for i in ids) + (", …" if len(rest) > 5 else "")
        out.blank()
        out.add(f"+{len(rest):,} more questions not shown ({more}) — pass question_id for one question.")
        data["questions_omitted"] = {"count": len(rest), "question_ids": [plain_id(i) for i in ids]}
    if not qss:
        out.add("No questions in these results.")
        data["note"] = "no questions"
    hint = _next(qss, shown)
    if hint:
        out.next(hint)
    return Summary(out.text(), drop_none(data))


def overview(index: CodingIndex, max_tokens: int) -> Summary:
    n = len(index.questions)
    order = reveal_order(index)

    def codes(d: Detail, k: int) -> Summary:
        ks = [0] * n
        for qi in order[:k]:
            ks[qi] += 1
        return _render(index, d, n, ks)

    def questions(d: Detail, m: int) -> Summary:
        return _render(index, d, m, [d.top] * n)

    hi = min(len(order), max_tokens // CODE_TOKENS_MIN)
    return (
        fit_ladder(RUNGS, codes, 0, hi, max_tokens, want=len(order))
        or fit_ladder(CUT, questions, 0, n, max_tokens, want=n)
        or emergency_answer(index, max_tokens, "overview")
    )
