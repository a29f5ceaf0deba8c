"""``summarise_coding``: which coding answer a call asks for, and the errors for handles that miss."""

from __future__ import annotations

from ...errors import InvalidInput
from ...quoting import clean_label, handle
from ...render import Summary
from .code import code
from .index import CodingIndex, NodeStat, QuestionStat
from .overview import overview
from .question import question


def _valid_questions(index: CodingIndex) -> str:
    ids = [q.question_id for q in index.questions[:8]]
    more = ", …" if len(index.questions) > 8 else ""
    return (", ".join(handle(i) for i in ids) + more) if ids else "(none)"


def find_question(index: CodingIndex, question_id: str) -> QuestionStat:
    qs = index.by_qid.get(str(question_id)) or index.by_qid.get(str(question_id).strip())
    if qs is None:
        raise InvalidInput(
            f"Unknown question_id {clean_label(str(question_id), 40)} in job {handle(index.results.job_id)}. "
            f"Valid question ids: {_valid_questions(index)}. Call get_coding_results without question_id "
            "for the overview of all questions."
        )
    return qs


def find_code(index: CodingIndex, qs: QuestionStat | None, code_id: str) -> tuple[QuestionStat, NodeStat]:
    cid = str(code_id).strip()
    if qs is not None:
        stat = qs.nodes.get(cid)
        if stat is None:
            top = ", ".join(handle(s.code_id) for s in qs.roots[:8]) or "(none)"
            raise InvalidInput(
                f"Unknown code_id {clean_label(cid, 40)} in question {handle(qs.question_id)}. "
                f"Top-level codes: {top}. Call get_coding_results with "
                f"question_id={handle(qs.question_id)} to see the code tree."
            )
        return qs, stat
    owners = index.code_owners.get(cid, [])
    if not owners:
        raise InvalidInput(
            f"Unknown code_id {clean_label(cid, 40)} in job {handle(index.results.job_id)}. Call "
            f"get_coding_results with a question_id ({_valid_questions(index)}) to see its codes."
        )
    if len(set(owners)) > 1:
        raise InvalidInput(
            f"code_id {clean_label(cid, 40)} exists in several questions "
            f"({', '.join(handle(o) for o in owners[:8])}); pass question_id too."
        )
    qs = index.by_qid[owners[0]]
    return qs, qs.nodes[cid]


def summarise_coding(
    index: CodingIndex,
    *,
    question_id: str | None = None,
    code_id: str | None = None,
    max_tokens: int = 3000,
    examples_per_code: int = 1,
    cursor: str | None = None,
    subset: str | None = None,
) -> Summary:
    """Overview (no ids), one question's tree, or one code's subtree and paged responses.

    ``subset``: who ``index`` leaves out, when it is a cleaned index (part of the cursor's scope)."""
    max_tokens = max(300, int(max_tokens))
    examples = max(0, min(5, int(examples_per_code)))
    qs = find_question(index, question_id) if question_id not in (None, "") else None
    if code_id not in (None, ""):
        qs, stat = find_code(index, qs, str(code_id))
        return code(index, qs, stat, max_tokens, cursor, subset)
    if cursor:
        raise InvalidInput(
            "invalid cursor: cursors page the responses of one code; pass it together with the same "
            "question_id and code_id that returned it."
        )
    if qs is not None:
        return question(index, qs, examples, max_tokens)
    return overview(index, max_tokens)
