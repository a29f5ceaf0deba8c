"""What both job views share: the status filter rule, progress, and the call that reads results."""

from __future__ import annotations

from typing import Any

from ...models import CODING_KINDS, QUALITY_KINDS, Job
from ...quoting import plain_id

ALL_PROVIDERS = "all"
"""The provider filter value that means every provider."""
STATUS_FILTERS = ("queued", "running", "completed", "partially_failed", "failed", "any")


def matches_status(job: Job, status_filter: str) -> bool:
    """``failed`` also matches ``partially_failed`` (a user asking for failures wants both)."""
    if status_filter == "any":
        return True
    if status_filter == "failed":
        return job.status in ("failed", "partially_failed")
    return job.status == status_filter


def progress_out(job: Job) -> dict[str, int] | None:
    p = job.progress
    if p is None:
        return None
    return {"processed": p.processed, "total": p.total, "percent": p.percentage}


def progress_text(job: Job) -> str:
    p = job.progress
    return "" if p is None else f"{p.processed}/{p.total} ({p.percentage}%)"


def results_call(job: Job) -> dict[str, Any] | None:
    """The results tool for a job that has results, else None (never a call that shows nothing)."""
    if job.status not in ("completed", "partially_failed") or job.has_results is False:
        return None
    if job.kind in CODING_KINDS:
        return {"tool": "get_coding_results", "arguments": {"job_id": plain_id(job.job_id)}}
    if job.kind in QUALITY_KINDS:
        return {"tool": "get_quality_results", "arguments": {"job_id": plain_id(job.job_id)}}
    return None


def call_text(call: dict[str, Any]) -> str:
    args = ", ".join(f'{k}="{v}"' for k, v in call["arguments"].items())
    return f"`{call['tool']}({args})`"
