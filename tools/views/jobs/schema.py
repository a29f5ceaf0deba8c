"""The outputSchemas of list_jobs and get_job (the structured dicts of the views validate against them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProgressOut(BaseModel):
    processed: int
    total: int
    percent: int


class ErrorOut(BaseModel):
    code: str
    message: str


class NextCall(BaseModel):
    """One suggested follow-up call (mirrors the "Next:" line of the text)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class JobItemOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    provider: str
    kind: str
    status: str = Field(description="Normalized: queued, running, completed, partially_failed, failed.")
    provider_status: str = Field(description="The exact upstream status string.")
    survey: str | None = None
    progress: ProgressOut | None = None
    dated_at: str | None = Field(None, description="ISO time used for sorting and the since/until window.")
    dated_by: str | None = Field(
        None,
        description="Clock of dated_at: completed_at/updated_at/created_at are provider times; "
        "first_seen_in_status is when this server first saw the job in its current status.",
    )
    created_at: str | None = None
    updated_at: str | None = None
    error: ErrorOut | None = None


class ProviderFailureOut(BaseModel):
    provider: str
    message: str


class ListJobsOut(BaseModel):
    """Structured result of list_jobs (counts cover every matching job, not only those shown)."""

    model_config = ConfigDict(extra="forbid")
    filters: dict[str, Any]
    window: dict[str, str] = Field(default_factory=dict)
    counts: dict[str, int] = Field(description="Matching jobs by normalized status (zeros omitted).")
    by_provider: dict[str, int] = Field(default_factory=dict)
    total: int = Field(description="All jobs matching the filters.")
    offset: int = 0
    jobs: list[JobItemOut]
    more: int | None = Field(None, description="Matching jobs after this page.")
    next_cursor: str | None = None
    undated: int | None = Field(None, description="Jobs without a date, left out because a window was given.")
    notes: list[str] | None = None
    failures: list[ProviderFailureOut] | None = None
    next: NextCall | None = None


class GetJobOut(BaseModel):
    """Structured result of get_job."""

    model_config = ConfigDict(extra="forbid")
    id: str
    provider: str
    kind: str
    status: str
    provider_status: str
    survey: str | None = None
    progress: ProgressOut | None = None
    created_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None
    dated_at: str | None = None
    dated_by: str | None = None
    last_checked_at: str | None = None
    error: ErrorOut | None = None
    eta: str | None = Field(None, description="Rough finish estimate at the average rate so far.")
    results: str | None = Field(None, description="What results exist: none, coding, quality, codebook.")
    next: NextCall | None = None
    hint: str = Field(description="What to do next, in words.")
