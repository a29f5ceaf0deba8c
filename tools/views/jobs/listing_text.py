"""The markdown channel of list_jobs: title, provider failures, counts, the jobs table, hints.

It says what the structured dict of the same render says (``list_text`` reads its counts, cursor,
notes and failures from it), so the two channels cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...models import Job
from ...quoting import clean_label, handle
from .clock import age, clock_phrase, short, zone_name
from .common import ALL_PROVIDERS, call_text, progress_text

if TYPE_CHECKING:
    from .listing import ListContext


@dataclass(slots=True, frozen=True)
class Caps:
    """Per-field caps for one render attempt; later levels trade detail for budget."""

    error: int
    survey: int
    note: int
    code: int


def list_text(ctx: ListContext, page: list[Job], caps: Caps, structured: dict[str, Any]) -> str:
    lines = [_title(ctx), ""]
    lines.extend(_failure_lines(ctx, structured.get("failures") or [], caps))
    lines.extend(_summary_lines(ctx, structured))
    lines.append("")
    if page:
        lines.extend(_page_lines(ctx, page, caps, structured))
    else:
        lines.extend(_empty_hint(ctx))
    for note in structured.get("notes") or []:
        lines.append(f"Note: {clean_label(note, caps.note)}")
    call = structured.get("next")
    if call is not None:
        lines.append(f"Next: {call_text(call)}" + _next_reason(call))
    return "\n".join(lines).rstrip() + "\n"


def _labels(ctx: ListContext) -> dict[str, str]:
    return {p.name: p.label for p in ctx.listing.providers}


def _title(ctx: ListContext) -> str:
    if ctx.provider != ALL_PROVIDERS:
        scope = _labels(ctx)[ctx.provider]
    else:
        scope = "both providers" if len(ctx.listing.providers) == 2 else "all providers"
    parts = [
        "any status"
        if ctx.status == "any"
        else ("failed or partially_failed" if ctx.status == "failed" else ctx.status),
        scope,
    ]
    for name, raw in (("since", ctx.window.since_raw), ("until", ctx.window.until_raw)):
        if raw is not None:
            parts.append(f"{name} {clean_label(raw, 30)}")
    return "# Jobs — " + ", ".join(parts)


def _failure_lines(ctx: ListContext, failures: list[dict[str, str]], caps: Caps) -> list[str]:
    labels = _labels(ctx)
    failed = {f["provider"] for f in failures}
    others = " and ".join(p.label for p in ctx.listing.providers if p.name not in failed)
    lines = []
    for f in failures:
        label = labels.get(f["provider"], f["provider"])
        # "showing X jobs only" is true only while some provider could still be read.
        outcome = (
            f"showing {others} jobs only"
            if ctx.provider == ALL_PROVIDERS and others
            else f"no {label} jobs listed"
        )
        message = clean_label(f["message"], caps.note).rstrip(". ")
        lines.append(f"**{label} could not be read:** {message}; {outcome}.")
    return lines


def _summary_lines(ctx: ListContext, structured: dict[str, Any]) -> list[str]:
    lines = []
    if ctx.window.active:
        lines.append(f"**Window:** {ctx.window.describe()}")
    lines.append(f"**Times:** {zone_name(ctx.tz, ctx.now)}; now {short(ctx.now, ctx.tz)}")
    total = structured["total"]
    if total:
        labels = _labels(ctx)
        status_part = ", ".join(f"{n} {s}" for s, n in structured["counts"].items())
        prov_part = ", ".join(f"{labels[p]} {n}" for p, n in structured["by_provider"].items())
        lines.append(f"**Counts:** {total} job{'s' if total != 1 else ''} — {status_part} · {prov_part}")
    if ctx.undated:
        lines.append(
            f"**Undated:** {ctx.undated} matching job{'s' if ctx.undated != 1 else ''} "
            "without any known time left out by the window."
        )
    return lines


def _page_lines(ctx: ListContext, page: list[Job], caps: Caps, structured: dict[str, Any]) -> list[str]:
    lines = []
    more = structured.get("more") or 0
    first, last = ctx.offset + 1, ctx.offset + len(page)
    if more or ctx.offset:
        lines.append(f"Showing {first}–{last} of {structured['total']}, newest first.")
        lines.append("")
    lines.extend(_table(ctx, page, caps))
    lines.append("")
    seen_only = list(dict.fromkeys(j.provider_label for j in page if j.dated_by == "first_seen_in_status"))
    if seen_only:
        names = " and ".join(seen_only)
        lines.append(
            "“seen <status> since” is when this server first saw the job in that status "
            f"({names} give{'s' if len(seen_only) == 1 else ''} no completion time); other times are the "
            "provider's."
        )
    cursor = structured.get("next_cursor")
    if more and cursor:
        lines.append(f"{more} more: call list_jobs with cursor=`{cursor}` (same filters).")
    return lines


def _next_reason(call: dict[str, Any]) -> str:
    if call["tool"] == "get_job":
        return " for one job's timings, progress and error."
    return " to read the newest finished job's results."


def _empty_hint(ctx: ListContext) -> list[str]:
    widen = []
    if ctx.window.active:
        widen.append("a wider since (e.g. since=7d) or no until")
    if ctx.status != "any":
        widen.append("status=any")
    if ctx.provider != ALL_PROVIDERS:
        widen.append("provider=all")
    lines = ["No jobs match these filters."]
    if widen:
        lines.append("Try " + ", or ".join(widen) + ".")
    for p in ctx.listing.providers:
        if not p.lists_jobs and ctx.provider in (ALL_PROVIDERS, p.name):
            lines.append(
                f"{p.label} jobs appear only once tracked: `survey-jobs-mcp track ID`, or any tool call "
                "with the job id (e.g. get_job)."
            )
    return lines


def _table(ctx: ListContext, page: list[Job], caps: Caps) -> list[str]:
    columns: list[tuple[str, Callable[[Job], str]]] = [
        ("id", lambda j: handle(j.job_id)),
        ("provider", lambda j: j.provider_label),
        ("kind", lambda j: j.kind),
        ("status (provider)", _status_cell),
    ]
    if caps.survey and any(j.survey for j in page):
        columns.append(("survey", lambda j: clean_label(j.survey, caps.survey) if j.survey else ""))
    if any(j.progress for j in page):
        columns.append(("progress", progress_text))
    if any(j.dated_at or j.created_at for j in page):
        columns.append(("date", lambda j: _date_cell(ctx, j)))
    if any(j.error for j in page):
        columns.append(("error", lambda j: _error_cell(j, caps)))
    rows = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
    for job in page:
        rows.append("| " + " | ".join(fn(job) for _, fn in columns) + " |")
    return rows


def _status_cell(job: Job) -> str:
    if job.provider_status.strip().lower() == job.status:
        return job.status
    return f"{job.status} ({clean_label(job.provider_status, 40)})"


def _date_cell(ctx: ListContext, job: Job) -> str:
    parts = []
    if job.dated_at is not None:
        parts.append(f"{clock_phrase(job)} {short(job.dated_at, ctx.tz)} ({age(job.dated_at, ctx.now)})")
    if job.created_at is not None and job.dated_by != "created_at":
        parts.append(f"created {short(job.created_at, ctx.tz)}")
    return "; ".join(parts)


def _error_cell(job: Job, caps: Caps) -> str:
    if job.error is None:
        return ""
    code = handle(job.error.code) if job.error.code else ""
    if len(code) > 2 * caps.code:
        code = clean_label(job.error.code, caps.code)
    if caps.error == 0:
        return code
    return f"{code} {clean_label(job.error.message, caps.error)}".strip()
