"""Output schema of ``compare_coding_results`` (the structured channel; the text carries the same facts)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..cleaning import CleaningOut


class JobOut(BaseModel):
    job_id: str
    provider: str
    kind: str
    survey: str | None = None
    completed_at: str | None = None
    cleaning: CleaningOut | None = None


class TestOut(BaseModel):
    name: str
    alpha: float
    min_base: int
    rule: str


class QuestionPairOut(BaseModel):
    question_id: str
    baseline_question_id: str
    question_text: str
    matched_by: str = Field(description="id, text, or id_text_differs (same id, different wording).")
    base: int
    baseline_base: int
    codes_matched: int
    codes_new: int
    codes_dropped: int
    significant: int


class QuestionRef(BaseModel):
    question_id: str
    question_text: str


class UnmatchedOut(BaseModel):
    job: list[QuestionRef] = Field(default_factory=list)
    baseline: list[QuestionRef] = Field(default_factory=list)


class ChangeOut(BaseModel):
    question_id: str
    code_id: str
    baseline_code_id: str | None = Field(None, description="The baseline's code id, when it differs.")
    path: list[str] = Field(description="Labels from the top-level code down to this code.")
    count: int
    base: int
    pct: float
    baseline_count: int
    baseline_base: int
    baseline_pct: float
    diff_pts: float = Field(description="Share in the job minus share in the baseline, percentage points.")
    p_value: float | None = None
    significant: bool
    tested: bool = Field(description="Both bases are at least min_base.")


class OneSidedOut(BaseModel):
    question_id: str
    code_id: str
    path: list[str]
    count: int
    pct: float


class OmittedOut(BaseModel):
    changes: int
    significant: int
    new_codes: int
    dropped_codes: int


class CompareOut(BaseModel):
    job: JobOut
    baseline: JobOut
    test: TestOut
    counting: str
    question_id: str | None = None
    questions: list[QuestionPairOut] = Field(default_factory=list)
    questions_omitted: int | None = None
    unmatched_questions: UnmatchedOut | None = None
    total_items: int
    offset: int
    changes: list[ChangeOut] = Field(default_factory=list)
    new_codes: list[OneSidedOut] = Field(default_factory=list)
    dropped_codes: list[OneSidedOut] = Field(default_factory=list)
    omitted: OmittedOut | None = None
    next_cursor: str | None = None
    note: str | None = None
