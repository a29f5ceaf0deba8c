"""The outputSchemas of list_jobs and get_job (the structured dicts of the views validate against them)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from ..lean import Counts, OutModel, inline


class ProgressOut(OutModel):
    processed: int
    total: int
    percent: int


class ErrorOut(OutModel):
    code: str
    message: str


class NextCall(OutModel):
    """One suggested follow-up call (mirrors the "Next:" line of the text)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class JobItemOut(OutModel):
    """One job row of list_jobs (and the common part of get_job, see ``GetJobOut``)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    provider: str
    kind: str
    status: str
    provider_status: str
    survey: str | None = None
    progress: inline(ProgressOut) | None = None
    dated_at: str | None = None
    dated_by: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    error: inline(ErrorOut) | None = None


class ProviderFailureOut(OutModel):
    provider: str
    message: str


class ListJobsOut(OutModel):
    """Structured result of list_jobs (counts cover every matching job, not only those shown)."""

    model_config = ConfigDict(extra="forbid")
    filters: dict[str, Any]
    window: dict[str, str] = Field(default_factory=dict)
    counts: Counts = Field(description="Matching jobs by normalized status (zeros omitted).")
    by_provider: Counts = Field(default_factory=dict)
    total: int = Field(description="All jobs matching the filters.")
    offset: int = 0
    jobs: list[inline(JobItemOut)]
    more: int | None = Field(None, description="Matching jobs after this page.")
    next_cursor: str | None = None
    undated: int | None = Field(None, description="Jobs without a date, left out because a window was given.")
    notes: list[str] | None = None
    failures: list[inline(ProviderFailureOut)] | None = None
    next: inline(NextCall) | None = None


class GetJobOut(JobItemOut):
    """Structured result of get_job: the fields of a list_jobs row plus the details of one job.

    Derived from ``JobItemOut`` so the two cannot drift apart; the published schema is the same set
    of properties and required fields as before (only the order of the properties differs).
    """

    completed_at: str | None = None
    last_checked_at: str | None = None
    eta: str | None = Field(None, description="Rough finish estimate at the average rate so far.")
    results: str | None = Field(None, description="What results exist: none, coding, quality, codebook.")
    next: inline(NextCall) | None = None
    hint: str = Field(description="What to do next, in words.")
