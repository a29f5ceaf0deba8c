"""The coding overview: every question's base and its top codes, without a question_id."""

from __future__ import annotations

from ...quoting import handle, plain_id
from ...render import Lines, Summary, drop_none, fit_ladder, fmt_pct, pct
from .index import CodingIndex, QuestionStat
from .parts import (
    COUNT_RULE,
    UNREPORTED_NOTE,
    Detail,
    base_lines,
    code_line,
    emergency_answer,
    header,
    question_data,
    question_heading,
)

FULL = (
    Detail(top=5, label_chars=80, text_chars=120),
    Detail(top=3, label_chars=60, text_chars=80),
    Detail(top=2, label_chars=40, text_chars=60, meta_chars=60),
    Detail(top=1, label_chars=30, text_chars=40, meta_chars=40),
)
"""Every question shown, fewer top codes and shorter labels per rung."""
CUT = (
    Detail(top=1, label_chars=24, text_chars=30, meta_chars=30),
    Detail(top=0, label_chars=16, text_chars=20, meta_chars=20),
)
"""When not every question fits: as many questions as fit, the rest counted with their ids."""


def _question(index: CodingIndex, qs: QuestionStat, d: Detail, out: Lines, global_note: bool) -> dict:
    out.blank()
    out.add(question_heading(qs, d))
    base_lines(qs, out, global_note)
    qd = question_data(qs, d)
    top = min(d.top, len(qs.roots))
    codes = []
    for stat in qs.roots[:top]:
        lines, entry = code_line(index, stat, qs.base, d, "", 0)
        out.add(lines[0])
        codes.append(entry)
    if len(qs.roots) > top:
        hidden = len(qs.roots) - top
        resp = qs.root_suffix[top]
        out.add(
            f"- +{hidden:,} more codes, {resp:,} distinct respondents ({fmt_pct(resp, qs.base)}) — "
            f"question_id={handle(qs.question_id)} shows them"
        )
        qd["codes_omitted"] = {"codes": hidden, "respondents": resp, "pct": pct(resp, qs.base)}
    qd["codes"] = codes or None
    return drop_none(qd)


def _render(index: CodingIndex, d: Detail, n_questions: int) -> Summary:
    out = Lines()
    data = header(index, out, d, "overview")
    qss = index.questions
    global_note = bool(qss) and all(not q.question.uncoded_reported for q in qss)
    out.add(f"**Questions:** {len(qss):,} · **Counts:** {COUNT_RULE}; % of each question's base")
    if global_note:
        out.add(f"**Note:** {UNREPORTED_NOTE}.")
    data["counting"] = COUNT_RULE
    data["questions_total"] = len(qss)
    data["questions"] = [_question(index, qs, d, out, global_note) for qs in qss[:n_questions]]
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
    else:
        out.next(
            f"question_id={handle(qss[0].question_id)} shows that question's full code tree with examples."
        )
    return Summary(out.text(), drop_none(data))


def overview(index: CodingIndex, max_tokens: int) -> Summary:
    n = len(index.questions)

    def render(d: Detail, k: int) -> Summary:
        return _render(index, d, k)

    return (
        fit_ladder(FULL, render, n, n, max_tokens, want=n)
        or fit_ladder(CUT, render, 0, n, max_tokens, want=n)
        or emergency_answer(index, max_tokens, "overview")
    )
