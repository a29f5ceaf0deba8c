"""The outputSchema of get_coding_results: what the structured channel of every coding answer holds.

One model for all three modes (overview, question, code): fields a mode does not use are omitted
from its structured dict, never sent as null.
"""

from __future__ import annotations

from pydantic import BaseModel


class FailureOut(BaseModel):
    code: str
    message: str


class Omitted(BaseModel):
    codes: int
    respondents: int
    pct: float | None = None
    all_codes: int | None = None


class QuestionsOmitted(BaseModel):
    count: int
    question_ids: list[str]


class CodeOut(BaseModel):
    code_id: str
    label: str
    count: int
    pct: float
    parent: str | None = None
    depth: int | None = None
    bucket: str | None = None
    sentiment: dict[str, int] | None = None
    low_confidence: dict[str, int] | None = None
    examples: list[str] | None = None
    sub_codes_omitted: Omitted | None = None
    children: list[CodeOut] | None = None


class QuestionOut(BaseModel):
    question_id: str
    question_text: str
    responses: int
    coded: int
    uncoded: int
    uncoded_reported: bool
    multi_coded: int
    buckets: dict[str, int] | None = None
    codes: list[CodeOut] | None = None
    codes_omitted: Omitted | None = None


class ResponseOut(BaseModel):
    respondent_id: str
    text: str


class CodingSummaryOut(BaseModel):
    job_id: str
    provider: str
    kind: str
    mode: str
    survey: str | None = None
    completed_at: str | None = None
    failure: FailureOut | None = None
    counting: str | None = None
    low_confidence_threshold: float | None = None
    questions_total: int | None = None
    questions: list[QuestionOut] | None = None
    questions_omitted: QuestionsOmitted | None = None
    code: CodeOut | None = None
    path: list[str] | None = None
    responses_total: int | None = None
    offset: int | None = None
    responses: list[ResponseOut] | None = None
    next_cursor: str | None = None
    note: str | None = None
