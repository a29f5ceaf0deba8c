"""The list_jobs view: filter, count, sort and page the jobs, and fit one page into the budget.

Pure functions over domain ``Job`` objects (no I/O), so every wording and budget rule is tested
with hand-built jobs. The answer is sentry-style: a title naming the scope, bold labels, a compact
table without empty columns, and one "Next:" hint (the markdown is written by ``listing_text``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ...errors import InvalidInput
from ...models import NORMALIZED_STATUSES, Job
from ...quoting import plain, plain_id
from ...render import Summary, decode_cursor, drop_none, encode_cursor, fit_ladder
from ...source import JobListing
from ...timewindow import Window, resolve_window
from ...tokens import DEFAULT_TOKENS
from .clock import aware, iso
from .common import ALL_PROVIDERS, STATUS_FILTERS, matches_status, progress_out, results_call
from .listing_text import Caps, list_text

MAX_LIMIT = 1000
PREFERRED_ROWS = 20
"""Detail is cut (shorter errors and surveys) before the page shrinks below this many rows."""
ROW_TOKENS_MIN = 24
"""No job row costs fewer tokens (structured channel): the page is as long as max_tokens allows,
this only bounds the search."""

LEVELS = (
    Caps(160, 60, 300, 40),
    Caps(100, 40, 200, 40),
    Caps(60, 30, 160, 30),
    Caps(30, 20, 120, 24),
    Caps(0, 0, 100, 16),
)


def _sort_key(job: Job, tz: tzinfo) -> tuple[int, float, str]:
    if job.dated_at is None:
        return (1, 0.0, job.job_id)
    return (0, -aware(job.dated_at, tz).timestamp(), job.job_id)


def _scope(status: str, provider: str, since: str | None, until: str | None) -> str:
    """What a cursor is bound to: the filters as typed (a relative window moves with the clock, so
    the typed value, not its resolution, identifies "the same query")."""
    norm = [(v or "").strip().lower() for v in (since, until)]
    return f"list_jobs|{status}|{provider}|{norm[0]}|{norm[1]}"


def _validate(listing: JobListing, status: str, provider: str, limit: int | None) -> None:
    provider_filters = (*(p.name for p in listing.providers), ALL_PROVIDERS)
    if status not in STATUS_FILTERS:
        raise InvalidInput(f"status={status!r} is not one of {', '.join(STATUS_FILTERS)}.")
    if provider not in provider_filters:
        raise InvalidInput(f"provider={provider!r} is not one of {', '.join(provider_filters)}.")
    if limit is None:
        return
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


def _matching(
    listing: JobListing, status: str, provider: str, window: Window, tz: tzinfo
) -> tuple[list[Job], int]:
    """(jobs matching the filters, newest first; undated jobs left out by the window)."""
    matching: list[Job] = []
    undated = 0
    for job in listing.jobs:
        if provider != ALL_PROVIDERS and job.provider != provider:
            continue
        if not matches_status(job, status):
            continue
        if window.active:
            if job.dated_at is None:
                undated += 1
                continue
            if not window.contains(aware(job.dated_at, tz)):
                continue
        matching.append(job)
    matching.sort(key=lambda j: _sort_key(j, tz))
    return matching, undated


def list_jobs_view(
    listing: JobListing,
    *,
    status: str = "any",
    provider: str = ALL_PROVIDERS,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    max_tokens: int = DEFAULT_TOKENS,
    cursor: str | None = None,
    now: datetime,
    tz: tzinfo,
) -> Summary:
    """Filter, count, sort and page ``listing`` and render one page within the token budget.

    Counts cover every matching job; the page holds as many of them as fit in ``max_tokens`` (at
    most ``limit``); the remainder comes with ``next_cursor``, never silently dropped.
    """
    _validate(listing, status, provider, limit)
    window = resolve_window(since, until, now=now, tz=tz)
    matching, undated = _matching(listing, status, provider, window, tz)
    scope = _scope(status, provider, since, until)
    offset = _offset(cursor, scope, len(matching))
    ctx = ListContext(listing, status, provider, window, matching, undated, offset, scope, now, tz)
    rows = min(len(matching) - offset, limit or MAX_LIMIT, max_tokens // ROW_TOKENS_MIN)
    page = matching[offset : offset + rows]

    def render(caps: Caps, k: int) -> Summary:
        return ctx.render(page[:k], caps)

    lo = min(1, len(page))
    found = fit_ladder(LEVELS, render, lo, len(page), max_tokens, want=min(len(page), PREFERRED_ROWS))
    # Last resort (absurd notes): one row over budget rather than a page without rows and a cursor.
    return found or ctx.render(page[:lo], LEVELS[-1])


@dataclass(slots=True)
class ListContext:
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
    _tallies: tuple[dict[str, int], dict[str, int]] | None = None

    def tallies(self) -> tuple[dict[str, int], dict[str, int]]:
        """Matching jobs by status and by provider: counted once, not in each render of the budget
        search (on 10,000 jobs the counting was most of a render)."""
        if self._tallies is None:
            counts = Counter(j.status for j in self.matching)
            by_status = {s: counts[s] for s in NORMALIZED_STATUSES if counts[s]}
            prov = Counter(j.provider for j in self.matching)
            by_provider = {p.name: prov[p.name] for p in self.listing.providers if prov[p.name]}
            self._tallies = (by_status, by_provider)
        return self._tallies

    def render(self, page: list[Job], caps: Caps) -> Summary:
        total = len(self.matching)
        by_status, by_provider = self.tallies()
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
        text = list_text(self, page, caps, structured)
        return Summary(text=text, structured=structured)

    def _item(self, job: Job, caps: Caps) -> dict[str, Any]:
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
                "progress": progress_out(job),
                "dated_at": iso(job.dated_at, self.tz),
                "dated_by": job.dated_by,
                "created_at": self._extra_time(job, job.created_at),
                "updated_at": self._extra_time(job, job.updated_at),
                "error": error,
            }
        )

    def _extra_time(self, job: Job, moment: datetime | None) -> str | None:
        """The provider's created/updated times where it reports them, unless one is already the
        item's dated_at."""
        if moment is None or moment == job.dated_at:
            return None
        return iso(moment, self.tz)

    def _next_call(self, page: list[Job]) -> dict[str, Any] | None:
        for job in page:
            call = results_call(job)
            if call is not None:
                return call
        if page:
            return {"tool": "get_job", "arguments": {"job_id": plain_id(page[0].job_id)}}
        return None
