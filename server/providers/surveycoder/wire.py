"""SurveyCoder wire models: ``tests/specs/surveycoder-jobs.openapi.yaml`` (the ``CodingResult`` shape is
inferred from the public SDK, so it is parsed tolerantly: unknown fields ignored, optional fields
optional; only what the SDK itself relies on is required)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ErrorDetail(_Wire):
    code: str
    message: str
    request_id: str | None = None
    doc_url: str | None = None


class ErrorEnvelope(_Wire):
    success: bool = False
    error: ErrorDetail


class Progress(_Wire):
    processed: int
    total: int
    percentage: int


class JobErrorBody(_Wire):
    code: str
    message: str


class JobSummary(_Wire):
    id: str
    type: str
    status: str
    progress: Progress
    created_at: datetime
    updated_at: datetime


class Job(JobSummary):
    result: dict[str, Any] | None = None
    error: JobErrorBody | None = None


class JobEnvelope(_Wire):
    success: bool
    data: Job


class JobListEnvelope(_Wire):
    success: bool
    data: list[JobSummary]
    meta: dict[str, Any] | None = None


class CodebookEntry(_Wire):
    id: str
    name: str
    definition: str | None = None
    category: str | None = None
    category_id: str | None = None
    sentiment: str | None = None
    count: int | None = None


class AppliedCode(_Wire):
    name: str
    code_id: str | None = None
    category: str | None = None
    sentiment: str | None = None
    confidence: float | None = None


class CodedResponse(_Wire):
    id: str
    text: str | None = None
    codes: list[AppliedCode]


class CodingResult(_Wire):
    project_id: str
    question_id: str | None = None
    question_text: str | None = None
    codebook: list[CodebookEntry]
    results: list[CodedResponse]


class CodebookResult(_Wire):
    """Result of a ``codebook_generation`` job (inferred like ``CodingResult``: the entries of its
    ``codebook`` have the same shape, without counts; ``question_text`` may be absent)."""

    project_id: str | None = None
    question_id: str | None = None
    question_text: str | None = None
    codebook: list[CodebookEntry]
