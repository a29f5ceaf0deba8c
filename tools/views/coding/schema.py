"""The outputSchema of get_coding_results: what the structured channel of every coding answer holds.

One model for all three modes (overview, question, code): fields a mode does not use are omitted
from its structured dict, never sent as null.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import WithJsonSchema

from ..lean import Counts, OutModel, inline
from ..reading import ReadingField


class FailureOut(OutModel):
    code: str
    message: str


class Omitted(OutModel):
    codes: int
    respondents: int
    pct: float | None = None
    all_codes: int | None = None


class QuestionsOmitted(OutModel):
    count: int
    question_ids: list[str]


QuestionsOmittedField = Annotated[QuestionsOmitted, WithJsonSchema({"type": "object"})]
"""Published as a bare object (pydantic still validates it against the model): it appears only when
whole questions are cut, the markdown names them, and its 36 schema tokens kept this tool's output
schema over the 600-token cap every host pays on every turn."""


class Code(OutModel):
    code_id: str
    label: str
    count: int
    pct: float
    parent: str | None = None
    bucket: str | None = None
    sentiment: Counts | None = None
    low_confidence: Counts | None = None
    examples: list[str] | None = None
    sub_codes_omitted: Omitted | None = None
    children: list[Code] | None = None


class Question(OutModel):
    question_id: str
    question_text: str
    responses: int
    coded: int
    uncoded: int
    uncoded_reported: bool
    multi_coded: int
    buckets: Counts | None = None
    codes: list[Code] | None = None
    codes_omitted: Omitted | None = None


class ResponseOut(OutModel):
    respondent_id: str
    text: str


class CodingSummaryOut(OutModel):
    job_id: str
    provider: str
    kind: str
    mode: str
    survey: str | None = None
    completed_at: str | None = None
    failure: inline(FailureOut) | None = None
    counting: str | None = None
    low_confidence_threshold: float | None = None
    questions_total: int | None = None
    questions: list[Question] | None = None
    questions_omitted: QuestionsOmittedField | None = None
    code: Code | None = None
    path: list[str] | None = None
    responses_total: int | None = None
    offset: int | None = None
    responses: list[inline(ResponseOut)] | None = None
    next_cursor: str | None = None
    note: str | None = None
    state: str | None = None
    reading: ReadingField | None = None
