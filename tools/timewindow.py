"""Resolve ``since``/``until`` values of ``list_jobs`` into aware datetimes.

The assistant asks things like "which jobs failed today?" and cannot know the server's clock or
time zone, so relative values are resolved here, in the server's local zone, and echoed back as
absolute ISO times (Airflow-style servers learned that models guess dates badly). ``now`` and the
zone are parameters so tests are deterministic.

Accepted forms (case-insensitive, surrounding whitespace ignored):

* ISO date ``2026-11-20``: as ``since`` the start of that local day; as ``until`` the END of that
  day, i.e. the next local midnight (``until`` is exclusive), so ``since=until=2026-11-20`` is that
  whole day.
* ISO date-time ``2026-11-20T14:30``, with or without seconds/offset (``Z`` allowed); a naive one is
  read in the server's local time zone.
* ``now``; ``today`` (as ``since`` local midnight, as ``until`` the next midnight: the whole of
  today); ``yesterday`` (as ``since`` the previous local midnight, as ``until`` today's midnight).
* ``Nm`` / ``Nh`` / ``Nd`` / ``Nw``: N minutes / hours / days / weeks ago. Minutes and hours are
  exact durations; days and weeks are calendar days (same wall-clock time N days ago), so ``7d``
  across a DST change still starts at the same local time of day.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput

Bound = Literal["since", "until"]

ACCEPTED_FORMS = (
    "an ISO date (2026-11-20), an ISO date-time (2026-11-20T14:30, optionally with an offset like "
    "+01:00 or Z; without one it is server local time), or now, today, yesterday, Nm, Nh, Nd, Nw "
    "(N minutes/hours/days/weeks ago, e.g. 30m, 24h, 7d, 2w)"
)

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RELATIVE_RE = re.compile(r"(\d{1,6})\s*([mhdw])")


def local_tz() -> tzinfo:
    """The system's local time zone, DST-aware when it can be named.

    ``datetime.now().astimezone().tzinfo`` is only a fixed offset (wrong across a DST change), so
    prefer ``$TZ`` or the ``/etc/localtime`` link target as an IANA zone; fall back to the offset.
    """
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for key in candidates:
        if key:
            try:
                return ZoneInfo(key)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo or UTC


def _localize(wall: datetime, tz: tzinfo) -> datetime:
    """Attach ``tz`` to a naive wall time; a time inside a DST gap is moved forward by the gap.

    The UTC round trip normalises both gap and fold the way ``zoneinfo`` defines them.
    """
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return _localize(datetime.combine(day, time(0)), tz)


# The representable range, kept a day inside datetime's limits so any zone offset still fits.
FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 12, 30, tzinfo=UTC)


def _edge(text: str, tz: tzinfo) -> datetime:
    """Where a value beyond the calendar points: relative forms and years 0xxx go back, others ahead.

    ``until=9999-12-31`` means "no upper bound" and ``since=99999d`` "from the beginning"; both are
    valid requests, not errors.
    """
    past = bool(_RELATIVE_RE.fullmatch(text)) or text.startswith("0")
    return (FAR_PAST if past else FAR_FUTURE).astimezone(tz)


def _invalid(value: str, bound: Bound) -> InvalidInput:
    shown = "".join(ch if ch.isprintable() else "?" for ch in value[:40])
    return InvalidInput(f"{bound}={shown!r} is not a time I understand: use {ACCEPTED_FORMS}.")


def resolve_time(value: str, *, now: datetime, tz: tzinfo, bound: Bound) -> datetime:
    """Resolve one ``since``/``until`` value to an aware datetime in ``tz`` (see module doc)."""
    if bound not in ("since", "until"):
        raise ValueError(f"bound must be 'since' or 'until', not {bound!r}")
    if not isinstance(value, str):
        raise _invalid(str(value), bound)
    text = value.strip().lower()
    local_now = now.astimezone(tz)
    today = local_now.date()
    try:
        if text == "now":
            return local_now
        if text == "today":
            return _midnight(today if bound == "since" else today + timedelta(days=1), tz)
        if text == "yesterday":
            return _midnight(today - timedelta(days=1) if bound == "since" else today, tz)
        match = _RELATIVE_RE.fullmatch(text)
        if match:
            n, unit = int(match.group(1)), match.group(2)
            if unit in "mh":
                delta = timedelta(minutes=n) if unit == "m" else timedelta(hours=n)
                # Aware arithmetic in one zone is wall-clock arithmetic: subtract in UTC instead.
                return (now.astimezone(UTC) - delta).astimezone(tz)
            days = n if unit == "d" else 7 * n
            return _localize(local_now.replace(tzinfo=None) - timedelta(days=days), tz)
        if _DATE_RE.fullmatch(text):
            day = date.fromisoformat(text)
            return _midnight(day if bound == "since" else day + timedelta(days=1), tz)
        if not text[:4].isdigit():
            raise ValueError(text)
        parsed = datetime.fromisoformat(text.upper())
        if parsed.tzinfo is None:
            return _localize(parsed, tz)
        return parsed.astimezone(tz)
    except OverflowError:
        return _edge(text, tz)
    except ValueError:
        raise _invalid(value, bound) from None


@dataclass(slots=True, frozen=True)
class Window:
    """A resolved ``[since, until)`` window plus the values the caller typed (for the echo)."""

    since: datetime | None = None
    until: datetime | None = None
    since_raw: str | None = None
    until_raw: str | None = None

    @property
    def active(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, moment: datetime) -> bool:
        """``since <= moment < until`` (until is exclusive, so day ends do not overlap)."""
        # Compare instants: aware datetimes sharing one tzinfo compare by wall clock (fold ignored).
        at = moment.timestamp()
        if self.since is not None and at < self.since.timestamp():
            return False
        return not (self.until is not None and at >= self.until.timestamp())

    def describe(self) -> str:
        """``since 2026-11-23T00:00:00+01:00 (today) · until …``; empty when no window."""
        parts = []
        for name, moment, raw in (
            ("since", self.since, self.since_raw),
            ("until", self.until, self.until_raw),
        ):
            if moment is not None:
                label = f"{name} {moment.isoformat(timespec='seconds')}"
                typed = (raw or "").strip()
                if typed and typed.lower() != moment.isoformat(timespec="seconds").lower():
                    label += f" ({_shown_raw(typed)})"
                parts.append(label)
        return " · ".join(parts)

    def as_dict(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.since is not None:
            out["since"] = self.since.isoformat(timespec="seconds")
            out["since_input"] = _shown_raw(self.since_raw or "")
        if self.until is not None:
            out["until"] = self.until.isoformat(timespec="seconds")
            out["until_input"] = _shown_raw(self.until_raw or "")
        return out


def _shown_raw(value: str) -> str:
    """The caller's value echoed safely (printable, short; only accepted forms get here anyway)."""
    return "".join(ch for ch in value.strip()[:40] if ch.isalnum() or ch in "-:+.T tz").strip()


def resolve_window(since: str | None, until: str | None, *, now: datetime, tz: tzinfo) -> Window:
    """Resolve both bounds; ``since`` later than ``until`` is an ``InvalidInput``."""
    start = resolve_time(since, now=now, tz=tz, bound="since") if since is not None else None
    end = resolve_time(until, now=now, tz=tz, bound="until") if until is not None else None
    if start is not None and end is not None and start.timestamp() > end.timestamp():
        raise InvalidInput(
            f"since ({start.isoformat(timespec='seconds')}) is after until "
            f"({end.isoformat(timespec='seconds')}): swap them or widen the window."
        )
    return Window(start, end, since, until)
