"""The job views behind ``list_jobs`` and ``get_job``: filtering, counting, paging and rendering.

Pure functions over domain ``Job`` objects (no I/O), so every wording and budget rule is tested
with hand-built jobs. Both views return a ``Summary``: markdown that stands alone and a compact
structured dict with the same facts, in the sentry style (title naming the scope, bold labels,
compact table, omitted empty columns, one "Next:" hint).

Times are shown in the server's local zone with their offset, together with the clock they come
from: a provider's ``completed_at`` is an upstream fact, while ``first_seen_in_status`` is only when
*this server* first saw the job in its current status (Aftercare reports no completion time), and
the model must be able to tell the two apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InvalidInput
from .models import (
    CODING_KINDS,
    NORMALIZED_STATUSES,
    PROVIDERS,
    QUALITY_KINDS,
    Job,
    NormalizedStatus,
)
from .quoting import clean_label, handle, plain, plain_id
from .source import JobListing
from .summary import Summary, decode_cursor, drop_none, encode_cursor
from .timewindow import Window, resolve_window
from .tokens import DEFAULT_TOKENS, fits

STATUS_FILTERS = ("queued", "running", "completed", "partially_failed", "failed", "any")
PROVIDER_FILTERS = ("aftercare", "surveycoder", "all")
PROVIDER_LABELS = {"aftercare": "Aftercare", "surveycoder": "SurveyCoder"}
MAX_LIMIT = 100
TOKENS_PER_ROW = 120
"""Budget grows with ``limit`` beyond the default page: 20 rows -> 3,000, 100 rows -> 12,000."""

_AFTERCARE_CODING = {
    "queued": "queued",
    "processing": "running",
    "completed": "completed",
    "partial_failure": "partially_failed",
    "total_failure": "failed",
}
_SIMPLE = {"queued": "queued", "processing": "running", "completed": "completed", "failed": "failed"}


def normalize_status(provider: str, kind: str, provider_status: str) -> NormalizedStatus:
    """Map an upstream status to the five normalized ones.

    Aftercare coding jobs have two failure levels (``partial_failure``/``total_failure``); its
    data-quality jobs and every SurveyCoder job have a single ``failed``. An unknown status raises
    ``ValueError`` so the provider client reports a broken contract instead of guessing.
    """
    table = _AFTERCARE_CODING if (provider, kind) == ("aftercare", "coding") else _SIMPLE
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}")
    key = provider_status.strip().lower() if isinstance(provider_status, str) else ""
    if key not in table:
        raise ValueError(
            f"unknown {provider} {kind} job status {provider_status!r} (expected one of {', '.join(table)})"
        )
    return table[key]  # type: ignore[return-value]


def matches_status(job: Job, status_filter: str) -> bool:
    """``failed`` also matches ``partially_failed`` (a user asking for failures wants both)."""
    if status_filter == "any":
        return True
    if status_filter == "failed":
        return job.status in ("failed", "partially_failed")
    return job.status == status_filter


# ------------------------------------------------------------------------------------------------
# Output schemas (advertised to clients; the structured dicts below must validate against them)
# ------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------
# Shared formatting
# ------------------------------------------------------------------------------------------------


def _aware(moment: datetime, tz: tzinfo) -> datetime:
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _iso(moment: datetime | None, tz: tzinfo) -> str | None:
    return None if moment is None else _aware(moment, tz).astimezone(tz).isoformat(timespec="seconds")


def _short(moment: datetime, tz: tzinfo) -> str:
    """``2026-11-23 10:05`` in the server zone (the zone is stated once per response)."""
    return _aware(moment, tz).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _age(moment: datetime, now: datetime) -> str:
    seconds = (now - _aware(moment, now.tzinfo or UTC)).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        amount = f"{int(seconds // 60)} min"
    elif seconds < 48 * 3600:
        amount = f"{int(seconds // 3600)} h"
    else:
        amount = f"{int(seconds // 86400)} d"
    return f"in {amount}" if future else f"{amount} ago"


def _zone_name(tz: tzinfo, now: datetime) -> str:
    local = now.astimezone(tz)
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    key = getattr(tz, "key", None)
    return f"{key} ({offset})" if key else offset


def _clock_phrase(job: Job) -> str:
    """How the dated_at of a job is worded: an upstream time, or when this server saw it."""
    by = job.dated_by
    if by == "first_seen_in_status":
        return f"seen {job.status} since"
    if by == "completed_at":
        return "completed"
    if by == "updated_at":
        return "updated"
    if by == "created_at":
        return "created"
    return "dated"


def _progress_out(job: Job) -> dict[str, int] | None:
    p = job.progress
    if p is None:
        return None
    return {"processed": p.processed, "total": p.total, "percent": p.percentage}


def _progress_text(job: Job) -> str:
    p = job.progress
    return "" if p is None else f"{p.processed}/{p.total} ({p.percentage}%)"


def _results_call(job: Job) -> dict[str, Any] | None:
    """The results tool for a job that has results, else None."""
    if job.status not in ("completed", "partially_failed"):
        return None
    if job.kind in CODING_KINDS:
        return {"tool": "get_coding_results", "arguments": {"job_id": plain_id(job.job_id)}}
    if job.kind in QUALITY_KINDS:
        return {"tool": "get_quality_results", "arguments": {"job_id": plain_id(job.job_id)}}
    return None


def _call_text(call: dict[str, Any]) -> str:
    args = ", ".join(f'{k}="{v}"' for k, v in call["arguments"].items())
    return f"`{call['tool']}({args})`"


# ------------------------------------------------------------------------------------------------
# list_jobs
# ------------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class _Caps:
    """Per-field caps for one render attempt; later levels trade detail for budget."""

    error: int
    survey: int
    note: int
    code: int


_LEVELS = (
    _Caps(160, 60, 300, 40),
    _Caps(100, 40, 200, 40),
    _Caps(60, 30, 160, 30),
    _Caps(30, 20, 120, 24),
    _Caps(0, 0, 100, 16),
)


def _sort_key(job: Job, tz: tzinfo) -> tuple[int, float, str]:
    if job.dated_at is None:
        return (1, 0.0, job.job_id)
    return (0, -_aware(job.dated_at, tz).timestamp(), job.job_id)


def _scope(status: str, provider: str, since: str | None, until: str | None) -> str:
    """What a cursor is bound to: the filters as typed (a relative window moves with the clock, so
    the typed value, not its resolution, identifies "the same query")."""
    norm = [(v or "").strip().lower() for v in (since, until)]
    return f"list_jobs|{status}|{provider}|{norm[0]}|{norm[1]}"


def _validate(status: str, provider: str, limit: int) -> None:
    if status not in STATUS_FILTERS:
        raise InvalidInput(f"status={status!r} is not one of {', '.join(STATUS_FILTERS)}.")
    if provider not in PROVIDER_FILTERS:
        raise InvalidInput(f"provider={provider!r} is not one of {', '.join(PROVIDER_FILTERS)}.")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")


def _offset(cursor: str | None, scope: str, total: int) -> int:
    bad = "invalid cursor; call list_jobs again without cursor"
    try:
        offset = decode_cursor(cursor, scope, 10**9)
    except InvalidInput as exc:
        reason = str(exc).split(":", 1)[1].split(".", 1)[0].strip() if ":" in str(exc) else ""
        raise InvalidInput(
            f"{bad} ({reason}; a cursor only works with the same status, provider, since and until)."
            if reason
            else f"{bad}."
        ) from None
    if offset > total:
        raise InvalidInput(f"{bad}: the list changed and now has only {total} matching jobs.")
    return offset


def list_jobs_view(
    listing: JobListing,
    *,
    status: str = "any",
    provider: str = "all",
    since: str | None = None,
    until: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
    now: datetime,
    tz: tzinfo,
) -> Summary:
    """Filter, count, sort and page ``listing`` and render one page within the token budget.

    Counts cover every matching job; the page holds at most ``limit`` of them, fewer only if the
    budget forces it (the remainder then comes with ``next_cursor``, never silently dropped).
    """
    _validate(status, provider, limit)
    window = resolve_window(since, until, now=now, tz=tz)
    matching: list[Job] = []
    undated = 0
    for job in listing.jobs:
        if provider != "all" and job.provider != provider:
            continue
        if not matches_status(job, status):
            continue
        if window.active:
            if job.dated_at is None:
                undated += 1
                continue
            if not window.contains(_aware(job.dated_at, tz)):
                continue
        matching.append(job)
    matching.sort(key=lambda j: _sort_key(j, tz))
    scope = _scope(status, provider, since, until)
    offset = _offset(cursor, scope, len(matching))
    ctx = _ListContext(listing, status, provider, window, matching, undated, offset, scope, now, tz)
    budget = max(DEFAULT_TOKENS, TOKENS_PER_ROW * limit)
    page = matching[offset : offset + limit]
    for caps in _LEVELS:
        summary = ctx.render(page, caps)
        if fits(summary.text, summary.structured, budget):
            return summary
    # Last resort (absurd ids or notes): show fewer rows; the cursor carries the rest.
    shown = len(page)
    while shown > 1:
        shown -= 1
        summary = ctx.render(page[:shown], _LEVELS[-1])
        if fits(summary.text, summary.structured, budget):
            return summary
    return summary


@dataclass(slots=True)
class _ListContext:
    listing: JobListing
    status: str
    provider: str
    window: Window
    matching: list[Job]
    undated: int
    offset: int
    scope: str
    now: datetime
    tz: tzinfo

    def render(self, page: list[Job], caps: _Caps) -> Summary:
        total = len(self.matching)
        counts = Counter(j.status for j in self.matching)
        by_status = {s: counts[s] for s in NORMALIZED_STATUSES if counts[s]}
        prov = Counter(j.provider for j in self.matching)
        by_provider = {p: prov[p] for p in PROVIDERS if prov[p]}
        end = self.offset + len(page)
        more = total - end
        next_cursor = encode_cursor(self.scope, end) if more > 0 else None
        notes = [plain(n, caps.note) for n in self.listing.notes[:5]]
        failures = [
            {"provider": f.provider, "message": plain(f.message, caps.note)} for f in self.listing.failures
        ]
        next_call = self._next_call(page)

        structured = drop_none(
            {
                "filters": {"status": self.status, "provider": self.provider},
                "window": self.window.as_dict() or None,
                "counts": by_status,
                "by_provider": by_provider,
                "total": total,
                "offset": self.offset or None,
                "jobs": [self._item(j, caps) for j in page],
                "more": more or None,
                "next_cursor": next_cursor,
                "undated": self.undated or None,
                "notes": notes or None,
                "failures": failures or None,
                "next": next_call,
            }
        )
        text = self._text(page, caps, by_status, by_provider, more, next_cursor, notes, failures, next_call)
        return Summary(text=text, structured=structured)

    # -- structured ------------------------------------------------------------------------------

    def _item(self, job: Job, caps: _Caps) -> dict[str, Any]:
        error = None
        if job.error is not None:
            error = {
                "code": plain(job.error.code, caps.code),
                "message": plain(job.error.message, caps.error),
            }
            if caps.error == 0:
                error["message"] = ""
        return drop_none(
            {
                "id": plain_id(job.job_id),
                "provider": job.provider,
                "kind": job.kind,
                "status": job.status,
                "provider_status": plain(job.provider_status, 40),
                "survey": plain(job.survey, caps.survey) if job.survey and caps.survey else None,
                "progress": _progress_out(job),
                "dated_at": _iso(job.dated_at, self.tz),
                "dated_by": job.dated_by,
                "created_at": self._extra_time(job, job.created_at),
                "updated_at": self._extra_time(job, job.updated_at),
                "error": error,
            }
        )

    def _extra_time(self, job: Job, moment: datetime | None) -> str | None:
        """SurveyCoder's created/updated times, unless one is already the item's dated_at."""
        if job.provider != "surveycoder" or moment is None or moment == job.dated_at:
            return None
        return _iso(moment, self.tz)

    def _next_call(self, page: list[Job]) -> dict[str, Any] | None:
        for job in page:
            call = _results_call(job)
            if call is not None:
                return call
        if page:
            return {"tool": "get_job", "arguments": {"job_id": plain_id(page[0].job_id)}}
        return None

    # -- text ------------------------------------------------------------------------------------

    def _title(self) -> str:
        parts = [
            "any status"
            if self.status == "any"
            else ("failed or partially_failed" if self.status == "failed" else self.status),
            "both providers" if self.provider == "all" else PROVIDER_LABELS[self.provider],
        ]
        for name, raw in (("since", self.window.since_raw), ("until", self.window.until_raw)):
            if raw is not None:
                parts.append(f"{name} {clean_label(raw, 30)}")
        return "# Jobs — " + ", ".join(parts)

    def _text(
        self,
        page: list[Job],
        caps: _Caps,
        by_status: dict[str, int],
        by_provider: dict[str, int],
        more: int,
        next_cursor: str | None,
        notes: list[str],
        failures: list[dict[str, str]],
        next_call: dict[str, Any] | None,
    ) -> str:
        total = len(self.matching)
        lines = [self._title(), ""]
        failed = {f["provider"] for f in failures}
        for f in failures:
            label = PROVIDER_LABELS.get(f["provider"], f["provider"])
            others = " and ".join(PROVIDER_LABELS[p] for p in PROVIDERS if p not in failed)
            # "showing X jobs only" is true only while some provider could still be read.
            outcome = (
                f"showing {others} jobs only"
                if self.provider == "all" and others
                else f"no {label} jobs listed"
            )
            message = clean_label(f["message"], caps.note).rstrip(". ")
            lines.append(f"**{label} could not be read:** {message}; {outcome}.")
        if self.window.active:
            lines.append(f"**Window:** {self.window.describe()}")
        lines.append(f"**Times:** {_zone_name(self.tz, self.now)}; now {_short(self.now, self.tz)}")
        if total:
            status_part = ", ".join(f"{n} {s}" for s, n in by_status.items())
            prov_part = ", ".join(f"{PROVIDER_LABELS[p]} {n}" for p, n in by_provider.items())
            lines.append(f"**Counts:** {total} job{'s' if total != 1 else ''} — {status_part} · {prov_part}")
        if self.undated:
            lines.append(
                f"**Undated:** {self.undated} matching job{'s' if self.undated != 1 else ''} "
                "without any known time left out by the window."
            )
        lines.append("")
        if not page:
            lines.extend(self._empty_hint())
        else:
            first, last = self.offset + 1, self.offset + len(page)
            if more or self.offset:
                lines.append(f"Showing {first}–{last} of {total}, newest first.")
                lines.append("")
            lines.extend(self._table(page, caps))
            lines.append("")
            if any(j.dated_by == "first_seen_in_status" for j in page):
                lines.append(
                    "“seen <status> since” is when this server first saw the job in that status "
                    "(Aftercare gives no completion time); other times are the provider's."
                )
            if more and next_cursor:
                lines.append(f"{more} more: call list_jobs with cursor=`{next_cursor}` (same filters).")
        for note in notes:
            lines.append(f"Note: {clean_label(note, caps.note)}")
        if next_call is not None:
            lines.append(f"Next: {_call_text(next_call)}" + self._next_reason(next_call))
        return "\n".join(line for line in lines).rstrip() + "\n"

    def _next_reason(self, call: dict[str, Any]) -> str:
        if call["tool"] == "get_job":
            return " for one job's timings, progress and error."
        return " to read the newest finished job's results."

    def _empty_hint(self) -> list[str]:
        widen = []
        if self.window.active:
            widen.append("a wider since (e.g. since=7d) or no until")
        if self.status != "any":
            widen.append("status=any")
        if self.provider != "all":
            widen.append("provider=all")
        lines = ["No jobs match these filters."]
        if widen:
            lines.append("Try " + ", or ".join(widen) + ".")
        if self.provider in ("all", "aftercare"):
            lines.append(
                "Aftercare jobs appear only once tracked: `survey-jobs-mcp track ID`, or any tool call "
                "with the job id (e.g. get_job)."
            )
        return lines

    def _table(self, page: list[Job], caps: _Caps) -> list[str]:
        columns: list[tuple[str, Any]] = [
            ("id", lambda j: handle(j.job_id)),
            ("provider", lambda j: PROVIDER_LABELS[j.provider]),
            ("kind", lambda j: j.kind),
            ("status (provider)", self._status_cell),
        ]
        if caps.survey and any(j.survey for j in page):
            columns.append(("survey", lambda j: clean_label(j.survey, caps.survey) if j.survey else ""))
        if any(j.progress for j in page):
            columns.append(("progress", _progress_text))
        if any(j.dated_at or j.created_at for j in page):
            columns.append(("date", self._date_cell))
        if any(j.error for j in page):
            columns.append(("error", lambda j: self._error_cell(j, caps)))
        rows = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
        for job in page:
            rows.append("| " + " | ".join(fn(job) for _, fn in columns) + " |")
        return rows

    @staticmethod
    def _status_cell(job: Job) -> str:
        if job.provider_status.strip().lower() == job.status:
            return job.status
        return f"{job.status} ({clean_label(job.provider_status, 40)})"

    def _date_cell(self, job: Job) -> str:
        parts = []
        if job.dated_at is not None:
            parts.append(
                f"{_clock_phrase(job)} {_short(job.dated_at, self.tz)} ({_age(job.dated_at, self.now)})"
            )
        if job.provider == "surveycoder" and job.created_at is not None and job.dated_by != "created_at":
            parts.append(f"created {_short(job.created_at, self.tz)}")
        return "; ".join(parts)

    @staticmethod
    def _error_cell(job: Job, caps: _Caps) -> str:
        if job.error is None:
            return ""
        code = handle(job.error.code) if job.error.code else ""
        if len(code) > 2 * caps.code:
            code = clean_label(job.error.code, caps.code)
        if caps.error == 0:
            return code
        return f"{code} {clean_label(job.error.message, caps.error)}".strip()


# ------------------------------------------------------------------------------------------------
# get_job
# ------------------------------------------------------------------------------------------------


def _eta(job: Job, now: datetime) -> tuple[datetime, timedelta] | None:
    """Finish estimate for a running SurveyCoder job at its average rate since creation.

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
    elapsed = (_aware(as_of, UTC) - _aware(job.created_at, UTC)).total_seconds()
    if elapsed <= 0:
        return None
    remaining = timedelta(seconds=elapsed * (p.total - p.processed) / p.processed)
    return _aware(as_of, UTC) + remaining, remaining


def _duration(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _job_guidance(job: Job, now: datetime, tz: tzinfo) -> tuple[str, dict[str, Any] | None, str, str | None]:
    """(hint text, next call, results kind, eta iso) for one job."""
    call = _results_call(job)
    jid = plain_id(job.job_id)
    if job.kind == "codebook_generation" and job.status == "completed":
        return (
            "This codebook_generation job holds a codebook only, no coded responses; get_coding_results "
            "reads coding jobs (auto_coding, one_call, Aftercare coding).",
            None,
            "codebook",
            None,
        )
    if job.status == "completed" and call is not None:
        what = "coding" if call["tool"] == "get_coding_results" else "quality"
        return f"Read the results with {_call_text(call)}.", call, what, None
    if job.status == "partially_failed" and call is not None:
        what = "coding" if call["tool"] == "get_coding_results" else "quality"
        return (
            f"Part of the job failed; {_call_text(call)} shows the results that exist and what failed.",
            call,
            what,
            None,
        )
    if job.status in ("queued", "running"):
        again = {"tool": "get_job", "arguments": {"job_id": jid}}
        eta = _eta(job, now) if job.provider == "surveycoder" else None
        if eta is not None:
            finish, remaining = eta
            text = (
                f"Still {job.status}. At the average rate so far it would finish in about "
                f"{_duration(remaining)} (around {_short(finish, tz)}; a rough estimate). "
                f"Call {_call_text(again)} again then."
            )
            return text, again, "none", _iso(finish, tz)
        return (
            f"Still {job.status}; no results yet. Call {_call_text(again)} again later.",
            again,
            "none",
            None,
        )
    if job.status == "failed":
        return "The job failed (see the error); there are no results to read.", None, "none", None
    return "No results tool applies to this job.", None, "none", None


def get_job_view(job: Job, *, now: datetime, tz: tzinfo | None = None) -> Summary:
    """One job's status, progress, timings, error and the call to make next.

    ``tz`` defaults to the zone of ``now`` (the handler passes the server's aware clock).
    """
    zone = tz or now.tzinfo or UTC
    hint, call, results, eta = _job_guidance(job, now, zone)
    label = PROVIDER_LABELS[job.provider]
    lines = [f"# Job {handle(job.job_id)}", ""]
    lines.append(f"**Provider:** {label}")
    lines.append(f"**Kind:** {job.kind}")
    if job.survey:
        lines.append(f"**Survey:** {clean_label(job.survey, 120)}")
    lines.append(f"**Status:** {job.status} (provider status: {clean_label(job.provider_status, 40)})")
    if job.progress is not None:
        lines.append(f"**Progress:** {_progress_text(job)}")
    for name, moment in (
        ("Created", job.created_at),
        ("Updated", job.updated_at),
        ("Completed", job.completed_at),
    ):
        if moment is not None:
            lines.append(f"**{name}:** {_iso(moment, zone)} ({_age(moment, now)})")
    if job.dated_by == "first_seen_in_status" and job.dated_at is not None:
        lines.append(
            f"**Seen {job.status} since:** {_iso(job.dated_at, zone)} ({_age(job.dated_at, now)}) — when "
            f"this server first saw it in this status; {label} reports no completion time."
        )
    if job.last_checked_at is not None:
        lines.append(
            f"**Last checked:** {_iso(job.last_checked_at, zone)} ({_age(job.last_checked_at, now)})"
        )
    if job.error is not None:
        code = handle(job.error.code) if job.error.code else "(no code)"
        lines.append(f"**Error:** {code} — {clean_label(job.error.message, 600)}")
    lines.extend(["", f"Next: {hint}"])
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
            "progress": _progress_out(job),
            "created_at": _iso(job.created_at, zone),
            "updated_at": _iso(job.updated_at, zone),
            "completed_at": _iso(job.completed_at, zone),
            "dated_at": _iso(job.dated_at, zone),
            "dated_by": job.dated_by,
            "last_checked_at": _iso(job.last_checked_at, zone),
            "error": error,
            "eta": eta,
            "results": results,
            "next": call,
            "hint": plain(hint, 400),
        }
    )
    return Summary(text="\n".join(lines) + "\n", structured=structured)
