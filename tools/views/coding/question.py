"""One question's code tree: codes by respondent count, with example answers, within budget."""

from __future__ import annotations

from ...quoting import handle
from ...render import Lines, Summary, drop_none, fit_ladder
from .index import LOW_CONFIDENCE, CodingIndex, QuestionStat
from .parts import (
    COUNT_RULE,
    Detail,
    Tree,
    base_lines,
    emergency_answer,
    header,
    question_data,
    question_heading,
)

CUT = (
    Detail(label_chars=60, text_chars=80),
    Detail(label_chars=32, text_chars=40, meta_chars=40),
    Detail(label_chars=16, text_chars=20, meta_chars=20),
)
"""When not every code fits: as many codes as fit (small and deep ones cut first), shorter labels."""


def _render(index: CodingIndex, qs: QuestionStat, d: Detail, k: int) -> Summary:
    """The question with the ``k`` highest-ranked codes of its tree."""
    out = Lines()
    data = header(index, out, d, "question")
    out.blank()
    out.add(question_heading(qs, d))
    base_lines(qs, out, False)
    rule = f"**Counts:** {COUNT_RULE}; % of {qs.base:,} responses"
    if index.results.has_confidence:
        rule += f"; low confidence = assignments with confidence < {LOW_CONFIDENCE}"
        data["low_confidence_threshold"] = LOW_CONFIDENCE
    out.add(rule)
    data["counting"] = COUNT_RULE
    qd = question_data(qs, d)
    out.blank()
    shown = {id(s) for s in qs.rank[:k]}
    entries, omitted = Tree(index, qs, shown, d, out).render(
        qs.roots, qs.root_suffix, "raise max_tokens to list them"
    )
    if not qs.roots:
        out.add("No codes in this question.")
    qd["codes"] = entries or None
    qd["codes_omitted"] = omitted
    data["questions"] = [drop_none(qd)]
    top = next((e for e in entries if e["count"]), None)  # a code with responses to list
    if top is not None:
        out.next(
            f"question_id={handle(qs.question_id)} code_id={handle(top['code_id'])} lists that code's "
            "responses with respondent ids (paged)."
        )
    return Summary(out.text(), drop_none(data))


CODE_TOKENS_MIN = 12
"""No shown code costs fewer tokens, so at most max_tokens // 12 codes fit (bounds the search)."""


def question(index: CodingIndex, qs: QuestionStat, examples: int, max_tokens: int) -> Summary:
    """Degrade: fewer examples → shorter quotes → fewer codes (deep/small first) → shorter labels."""
    n = len(qs.rank)

    def render(d: Detail, k: int) -> Summary:
        return _render(index, qs, d, k)

    hi = min(n, max_tokens // CODE_TOKENS_MIN)
    bare = render(Detail(examples=0, label_chars=80), n) if hi == n else None
    if bare is not None and bare.fits(max_tokens):
        ladder = [Detail(examples=e, quote_chars=160) for e in range(examples, 0, -1)]
        if examples:
            ladder += [Detail(examples=1, quote_chars=80), Detail(examples=1, quote_chars=40)]
        return fit_ladder(ladder, render, n, n, max_tokens, want=n) or bare
    return fit_ladder(CUT, render, 0, hi, max_tokens, want=max(1, n // 2)) or emergency_answer(
        index, max_tokens, "question"
    )
