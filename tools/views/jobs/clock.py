"""How the job views word times: the server's zone, relative ages, and which clock a date is from.

Times are shown in the server's local zone with their offset, together with the clock they come
from: a provider's ``completed_at`` is an upstream fact, while ``first_seen_in_status`` is only when
*this server* first saw the job in its current status (for providers that report no completion
time), and the model must be able to tell the two apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from ...models import Job


def aware(moment: datetime, tz: tzinfo) -> datetime:
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def iso(moment: datetime | None, tz: tzinfo) -> str | None:
    return None if moment is None else aware(moment, tz).astimezone(tz).isoformat(timespec="seconds")


def short(moment: datetime, tz: tzinfo) -> str:
    """``2026-11-23 10:05`` in the server zone (the zone is stated once per response)."""
    return aware(moment, tz).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def age(moment: datetime, now: datetime) -> str:
    seconds = (now - aware(moment, now.tzinfo or UTC)).total_seconds()
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


def zone_name(tz: tzinfo, now: datetime) -> str:
    local = now.astimezone(tz)
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    key = getattr(tz, "key", None)
    return f"{key} ({offset})" if key else offset


def clock_phrase(job: Job) -> str:
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
