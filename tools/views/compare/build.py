"""Two coding indexes -> one ``Comparison``: every matched code tested, in the order it is shown.

Counts come from the coding index (distinct respondents, a parent counting its subtree once, shares
of the question's base), so a comparison shows exactly the numbers ``get_coding_results`` shows for
each job. The shown order is one flat list that the renderer pages through:

1. changes, significant first, then by absolute difference (largest first), then question and tree
   order (so equal differences keep a stable, readable order);
2. codes only in the job (new), largest first;
3. codes only in the baseline (dropped), largest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ...errors import InvalidInput
from ...quoting import clean_label, handle
from ..coding.index import CodingIndex, NodeStat, QuestionStat
from .match import CodeMatch, QuestionPair, match_codes, match_questions
from .stats import ShareTest, share_test


@dataclass(frozen=True, slots=True)
class Change:
    qn: int
    """Position of the question pair (for ordering and for its handles)."""
    question: QuestionPair
    job: NodeStat
    baseline: NodeStat
    test: ShareTest


@dataclass(frozen=True, slots=True)
class OneSided:
    qn: int
    question: QuestionPair
    side: Literal["new", "dropped"]
    stat: NodeStat

    @property
    def base(self) -> int:
        return (self.question.job if self.side == "new" else self.question.baseline).base


Item = Change | OneSided


@dataclass(frozen=True, slots=True)
class QuestionLine:
    pair: QuestionPair
    codes: CodeMatch
    significant: int


@dataclass(frozen=True, slots=True)
class Comparison:
    job: CodingIndex
    baseline: CodingIndex
    questions: list[QuestionLine]
    job_only: list[QuestionStat]
    baseline_only: list[QuestionStat]
    items: list[Item]
    question_id: str | None

    @property
    def changes(self) -> int:
        return sum(1 for i in self.items if isinstance(i, Change))


def _question_filter(job: CodingIndex, pairs: list[QuestionPair], question_id: str) -> list[QuestionPair]:
    qid = str(question_id).strip()
    if qid not in job.by_qid:
        ids = ", ".join(handle(q.question_id) for q in job.questions[:8]) or "(none)"
        raise InvalidInput(
            f"Unknown question_id {clean_label(qid, 40)} in job {handle(job.results.job_id)}. Valid question "
            f"ids: {ids}. Call compare_coding_results without question_id to compare every question."
        )
    chosen = [p for p in pairs if p.job.question_id == qid]
    if not chosen:
        raise InvalidInput(
            f"Question {handle(qid)} of job {handle(job.results.job_id)} has no counterpart in the baseline "
            "(no question with the same id, nor with the same wording). Call compare_coding_results "
            "without question_id to see which questions match."
        )
    return chosen


def build_comparison(job: CodingIndex, baseline: CodingIndex, question_id: str | None = None) -> Comparison:
    """Match questions and codes, test every matched code, order everything for display."""
    matched = match_questions(job, baseline)
    pairs = matched.pairs
    if question_id not in (None, ""):
        pairs = _question_filter(job, pairs, str(question_id))
    lines: list[QuestionLine] = []
    changes: list[Change] = []
    new: list[OneSided] = []
    dropped: list[OneSided] = []
    for qn, pair in enumerate(pairs):
        codes = match_codes(pair.job, pair.baseline)
        tested = [
            Change(
                qn,
                pair,
                c.job,
                c.baseline,
                share_test(c.job.count, pair.job.base, c.baseline.count, pair.baseline.base),
            )
            for c in codes.pairs
        ]
        changes.extend(tested)
        new.extend(OneSided(qn, pair, "new", s) for s in codes.new)
        dropped.extend(OneSided(qn, pair, "dropped", s) for s in codes.dropped)
        lines.append(QuestionLine(pair, codes, sum(1 for c in tested if c.test.significant)))
    changes.sort(key=lambda c: (not c.test.significant, -abs(c.test.diff), c.qn, c.job.order))
    new.sort(key=lambda o: (-o.stat.count, o.qn, o.stat.order))
    dropped.sort(key=lambda o: (-o.stat.count, o.qn, o.stat.order))
    scoped = question_id not in (None, "")
    return Comparison(
        job=job,
        baseline=baseline,
        questions=lines,
        job_only=[] if scoped else matched.job_only,
        baseline_only=[] if scoped else matched.baseline_only,
        items=[*changes, *new, *dropped],
        question_id=str(question_id).strip() if scoped else None,
    )
