"""The outputSchema of get_quality_results (overview/list mode and respondent mode share it)."""

from __future__ import annotations

from pydantic import BaseModel


class RuleCount(BaseModel):
    count: int
    pct: float
    rule: str | None = None


class Strongest(BaseModel):
    type: str
    upstream_type: str | None = None
    score: float
    evidence: str | None = None
    answer: str | None = None


class WorstOut(BaseModel):
    respondent_id: str
    demerit: float
    issue_answers: int
    removable: bool
    strongest: Strongest | None = None


class CheckOut(BaseModel):
    type: str
    upstream_type: str | None = None
    score: float
    is_issue: bool
    evidence: str | None = None


class AnswerOut(BaseModel):
    question: str
    question_id: str | None = None
    answer: str
    demerit: float
    num_issues: int
    checks: list[CheckOut] | None = None


class QualitySummaryOut(BaseModel):
    job_id: str
    mode: str
    survey: str | None = None
    failure: dict[str, str] | None = None
    respondents_scored: int
    demerit: dict[str, float | str] | None = None
    distribution: dict[str, int] | None = None
    flagged: RuleCount | None = None
    by_issue: dict[str, int] | None = None
    duplicates: dict[str, int] | None = None
    removable: RuleCount | None = None
    filter: dict[str, str | float | int] | None = None
    listed_total: int | None = None
    offset: int | None = None
    worst: list[WorstOut] | None = None
    next_cursor: str | None = None
    respondent: dict[str, str | float | int | bool] | None = None
    answers_total: int | None = None
    answers: list[AnswerOut] | None = None
    note: str | None = None
