"""The outputSchema of get_quality_results (overview/list mode and respondent mode share it)."""

from __future__ import annotations

from ..lean import Counts, OutModel, inline
from ..reading import ReadingField


class RuleCount(OutModel):
    count: int
    pct: float
    rule: str | None = None


class Strongest(OutModel):
    type: str
    upstream_type: str | None = None
    score: float
    evidence: str | None = None
    answer: str | None = None


class WorstOut(OutModel):
    respondent_id: str
    demerit: float
    issue_answers: int
    removable: bool
    strongest: inline(Strongest) | None = None


class CheckOut(OutModel):
    type: str
    upstream_type: str | None = None
    score: float
    is_issue: bool
    evidence: str | None = None


class AnswerOut(OutModel):
    question: str
    question_id: str | None = None
    answer: str
    demerit: float
    num_issues: int
    checks: list[inline(CheckOut)] | None = None


class QualitySummaryOut(OutModel):
    job_id: str
    mode: str
    survey: str | None = None
    failure: dict[str, str] | None = None
    respondents_scored: int | None = None
    demerit: dict[str, float | str] | None = None
    distribution: Counts | None = None
    flagged: RuleCount | None = None
    by_issue: Counts | None = None
    duplicates: Counts | None = None
    removable: RuleCount | None = None
    filter: dict[str, str | float | int] | None = None
    listed_total: int | None = None
    offset: int | None = None
    worst: list[inline(WorstOut)] | None = None
    next_cursor: str | None = None
    respondent: dict[str, str | float | int | bool] | None = None
    answers_total: int | None = None
    answers: list[inline(AnswerOut)] | None = None
    note: str | None = None
    state: str | None = None
    reading: ReadingField | None = None
