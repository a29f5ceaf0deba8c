"""Output schema of ``compare_coding_results`` (the structured channel; the text carries the same facts).

Sized like the other tools' schemas (see ``tools.views.lean``): row shapes inline, no prose where a
name says it, and ``required`` lists only what identifies a row and its counts.
"""

from __future__ import annotations

from pydantic import Field

from ..cleaning import CleaningField
from ..lean import OutModel, inline


class JobOut(OutModel):
    job_id: str
    provider: str
    kind: str
    survey: str | None = None
    completed_at: str | None = None
    cleaning: CleaningField | None = None


class QuestionPairOut(OutModel):
    question_id: str
    baseline_question_id: str
    matched_by: str = Field(description="id, text or id_text_differs")
    base: int
    baseline_base: int
    codes_matched: int | None = None
    codes_new: int | None = None
    codes_dropped: int | None = None
    significant: int | None = None


class UnmatchedQuestionOut(OutModel):
    side: str
    question_id: str
    question_text: str | None = None


class ChangeOut(OutModel):
    question_id: str
    code_id: str
    baseline_code_id: str | None = None
    path: list[str] | None = None
    count: int
    pct: float | None = None
    baseline_count: int
    baseline_pct: float | None = None
    diff_pts: float
    p_value: float | None = None
    significant: bool
    untested: bool | None = None


class UnmatchedCodeOut(OutModel):
    side: str = Field(description="new or dropped")
    question_id: str
    code_id: str
    path: list[str] | None = None
    count: int
    pct: float | None = None


class CompareOut(OutModel):
    job: JobOut
    baseline: JobOut
    test: str
    counting: str
    question_id: str | None = None
    questions: list[inline(QuestionPairOut)] | None = None
    questions_omitted: int | None = None
    unmatched_questions: list[inline(UnmatchedQuestionOut)] | None = None
    total_items: int | None = None
    offset: int | None = None
    changes: list[inline(ChangeOut)] | None = None
    unmatched_codes: list[inline(UnmatchedCodeOut)] | None = None
    omitted_changes: int | None = None
    omitted_significant: int | None = None
    omitted_new: int | None = None
    omitted_dropped: int | None = None
    next_cursor: str | None = None
    note: str | None = None
