"""The get_job view: one job's status, progress, timings, error and the call to make next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from ...models import Job
from ...quoting import clean_label, handle, plain, plain_id
from ...render import Summary, drop_none
from .clock import age, aware, iso, short
from .common import call_text, progress_out, progress_text, results_call


def _eta(job: Job, now: datetime) -> tuple[datetime, timedelta] | None:
    """Finish estimate for a running job at its average rate since creation.

    Only when it is derivable: progress with some work done, and both timestamps. The rate since
    *creation* includes queue time, so the estimate errs late rather than early.
    """
    p = job.progress
    if (
        job.status != "running"
        or p is None
        or job.created_at is None
        or p.processed <= 0
        or p.total <= p.processed
    ):
        return None
    as_of = job.updated_at or now
    elapsed = (aware(as_of, UTC) - aware(job.created_at, UTC)).total_seconds()
    if elapsed <= 0:
        return None
    remaining = timedelta(seconds=elapsed * (p.total - p.processed) / p.processed)
    return aware(as_of, UTC) + remaining, remaining


def _duration(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _unfinished(job: Job, now: datetime, tz: tzinfo) -> tuple[str, dict[str, Any], str, str | None]:
    """Guidance for a queued or running job: when to ask again (with an estimate if derivable)."""
    again = {"tool": "get_job", "arguments": {"job_id": plain_id(job.job_id)}}
    eta = _eta(job, now)
    if eta is None:
        return (
            f"Still {job.status}; no results yet. Call {call_text(again)} again later.",
            again,
            "none",
            None,
        )
    finish, remaining = eta
    text = (
        f"Still {job.status}. At the average rate so far it would finish in about "
        f"{_duration(remaining)} (around {short(finish, tz)}; a rough estimate). "
        f"Call {call_text(again)} again then."
    )
    return text, again, "none", iso(finish, tz)


def _job_guidance(job: Job, now: datetime, tz: tzinfo) -> tuple[str, dict[str, Any] | None, str, str | None]:
    """(hint text, next call, results kind, eta iso) for one job."""
    call = results_call(job)
    if job.kind == "codebook_generation" and job.status == "completed":
        read = {"tool": "get_coding_results", "arguments": {"job_id": plain_id(job.job_id)}}
        return (
            "This codebook_generation job produced a codebook (categories, codes, definitions and "
            f"sentiment where given), no coded responses; read it with {call_text(read)} (cursor pages "
            "a long codebook).",
            read,
            "codebook",
            None,
        )
    if job.status in ("completed", "partially_failed") and call is not None:
        what = "coding" if call["tool"] == "get_coding_results" else "quality"
        if job.status == "completed":
            return f"Read the results with {call_text(call)}.", call, what, None
        text = f"Part of the job failed; {call_text(call)} shows the results that exist and what failed."
        return text, call, what, None
    if job.status == "partially_failed" and job.has_results is False:
        return "Part of the job failed and the provider kept no results (see the error).", None, "none", None
    if job.status in ("queued", "running"):
        return _unfinished(job, now, tz)
    if job.status == "failed":
        return "The job failed (see the error); there are no results to read.", None, "none", None
    return "No results tool applies to this job.", None, "none", None


def _lines(job: Job, now: datetime, zone: tzinfo, hint: str) -> list[str]:
    label = job.provider_label
    lines = [f"# Job {handle(job.job_id)}", ""]
    lines.append(f"**Provider:** {label}")
    lines.append(f"**Kind:** {job.kind}")
    if job.survey:
        lines.append(f"**Survey:** {clean_label(job.survey, 120)}")
    lines.append(f"**Status:** {job.status} (provider status: {clean_label(job.provider_status, 40)})")
    if job.progress is not None:
        lines.append(f"**Progress:** {progress_text(job)}")
    for name, moment in (
        ("Created", job.created_at),
        ("Updated", job.updated_at),
        ("Completed", job.completed_at),
    ):
        if moment is not None:
            lines.append(f"**{name}:** {iso(moment, zone)} ({age(moment, now)})")
    if job.dated_by == "first_seen_in_status" and job.dated_at is not None:
        lines.append(
            f"**Seen {job.status} since:** {iso(job.dated_at, zone)} ({age(job.dated_at, now)}) — when "
            f"this server first saw it in this status; {label} reports no completion time."
        )
    if job.last_checked_at is not None:
        lines.append(f"**Last checked:** {iso(job.last_checked_at, zone)} ({age(job.last_checked_at, now)})")
    if job.error is not None:
        code = handle(job.error.code) if job.error.code else "(no code)"
        lines.append(f"**Error:** {code} — {clean_label(job.error.message, 600)}")
    lines.extend(["", f"Next: {hint}"])
    return lines


def get_job_view(job: Job, *, now: datetime, tz: tzinfo | None = None) -> Summary:
    """One job's status, progress, timings, error and the call to make next.

    ``tz`` defaults to the zone of ``now`` (the handler passes the server's aware clock).
    """
    zone = tz or now.tzinfo or UTC
    hint, call, results, eta = _job_guidance(job, now, zone)
    error = None
    if job.error is not None:
        error = {"code": plain(job.error.code, 80), "message": plain(job.error.message, 600)}
    structured = drop_none(
        {
            "id": plain_id(job.job_id),
            "provider": job.provider,
            "kind": job.kind,
            "status": job.status,
            "provider_status": plain(job.provider_status, 40),
            "survey": plain(job.survey, 120) if job.survey else None,
            "progress": progress_out(job),
            "created_at": iso(job.created_at, zone),
            "updated_at": iso(job.updated_at, zone),
            "completed_at": iso(job.completed_at, zone),
            "dated_at": iso(job.dated_at, zone),
            "dated_by": job.dated_by,
            "last_checked_at": iso(job.last_checked_at, zone),
            "error": error,
            "eta": eta,
            "results": results,
            "next": call,
            "hint": plain(hint, 400),
        }
    )
    return Summary(text="\n".join(_lines(job, now, zone, hint)) + "\n", structured=structured)
