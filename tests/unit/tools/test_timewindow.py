"""since/until resolution at a fixed clock, in UTC, a non-UTC zone and across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from survey_jobs_mcp.tools.errors import InvalidInput
from survey_jobs_mcp.tools.timewindow import ACCEPTED_FORMS, Window, local_tz, resolve_time, resolve_window

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 13:00 in Berlin (CET, +01:00)


def iso(value: str, bound: str = "since", tz: tzinfo = BERLIN, now: datetime = NOW) -> str:
    return resolve_time(value, now=now, tz=tz, bound=bound).isoformat()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "since", "until"),
    [
        ("today", "2026-11-23T00:00:00+01:00", "2026-11-24T00:00:00+01:00"),
        ("yesterday", "2026-11-22T00:00:00+01:00", "2026-11-23T00:00:00+01:00"),
        ("now", "2026-11-23T13:00:00+01:00", "2026-11-23T13:00:00+01:00"),
        ("30m", "2026-11-23T12:30:00+01:00", "2026-11-23T12:30:00+01:00"),
        ("24h", "2026-11-22T13:00:00+01:00", "2026-11-22T13:00:00+01:00"),
        ("7d", "2026-11-16T13:00:00+01:00", "2026-11-16T13:00:00+01:00"),
        ("2w", "2026-11-09T13:00:00+01:00", "2026-11-09T13:00:00+01:00"),
        ("2026-11-20", "2026-11-20T00:00:00+01:00", "2026-11-21T00:00:00+01:00"),
        ("2026-11-20T14:30", "2026-11-20T14:30:00+01:00", "2026-11-20T14:30:00+01:00"),
        ("2026-11-20T14:30:00Z", "2026-11-20T15:30:00+01:00", "2026-11-20T15:30:00+01:00"),
        ("2026-11-20T14:30:00-05:00", "2026-11-20T20:30:00+01:00", "2026-11-20T20:30:00+01:00"),
        ("2026-11-20 14:30", "2026-11-20T14:30:00+01:00", "2026-11-20T14:30:00+01:00"),
        ("  ToDay ", "2026-11-23T00:00:00+01:00", "2026-11-24T00:00:00+01:00"),
        ("24H", "2026-11-22T13:00:00+01:00", "2026-11-22T13:00:00+01:00"),
    ],
)
def test_forms_in_berlin(value: str, since: str, until: str) -> None:
    assert iso(value, "since") == since
    assert iso(value, "until") == until


def test_utc_zone() -> None:
    assert iso("today", tz=UTC) == "2026-11-23T00:00:00+00:00"
    assert iso("2026-11-20", "until", tz=UTC) == "2026-11-21T00:00:00+00:00"
    assert iso("24h", tz=UTC) == "2026-11-22T12:00:00+00:00"


def test_local_day_differs_from_utc_day() -> None:
    # 23:30 UTC on the 23rd is already the 24th in Berlin: "today" follows the server's zone.
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert iso("today", now=late) == "2026-11-24T00:00:00+01:00"
    assert iso("today", now=late, tz=NEW_YORK) == "2026-11-23T00:00:00-05:00"


def test_dst_end_berlin() -> None:
    """2026-10-25: clocks go back 03:00 CEST -> 02:00 CET; that local day has 25 hours."""
    now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)  # 13:00 CET
    assert iso("today", now=now) == "2026-10-25T00:00:00+02:00"
    assert iso("today", "until", now=now) == "2026-10-26T00:00:00+01:00"
    assert iso("yesterday", now=now) == "2026-10-24T00:00:00+02:00"
    assert iso("yesterday", "until", now=now) == "2026-10-25T00:00:00+02:00"
    # Hours are exact durations; days are calendar days at the same wall-clock time.
    assert iso("24h", now=now) == "2026-10-24T14:00:00+02:00"
    assert iso("1d", now=now) == "2026-10-24T13:00:00+02:00"
    day = resolve_window("2026-10-25", "2026-10-25", now=now, tz=BERLIN)
    assert day.until.astimezone(UTC) - day.since.astimezone(UTC) == timedelta(hours=25)  # type: ignore[union-attr]


def test_dst_start_new_york_gap() -> None:
    """2026-03-08 02:00 EST jumps to 03:00 EDT: a naive time inside the gap moves forward."""
    now = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)  # 14:00 EDT
    assert iso("today", now=now, tz=NEW_YORK) == "2026-03-08T00:00:00-05:00"
    assert iso("2026-03-08T02:30", now=now, tz=NEW_YORK) == "2026-03-08T03:30:00-04:00"
    assert iso("1d", now=now, tz=NEW_YORK) == "2026-03-07T14:00:00-05:00"
    assert iso("24h", now=now, tz=NEW_YORK) == "2026-03-07T13:00:00-05:00"


def test_fixed_offset_zone() -> None:
    tz = timezone(timedelta(hours=5, minutes=30))
    assert iso("today", tz=tz) == "2026-11-23T00:00:00+05:30"


@pytest.mark.parametrize(
    "value",
    ["", "tomorrow", "last week", "5y", "-3d", "2026-13-01", "2026-11-20T25:00", "9999999d", "1e3h", "x"],
)
def test_invalid_values_list_accepted_forms(value: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve_time(value, now=NOW, tz=BERLIN, bound="since")
    assert ACCEPTED_FORMS in str(exc.value)
    assert str(exc.value).startswith("since=")


@pytest.mark.parametrize(
    "tz", [BERLIN, NEW_YORK, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12"), UTC]
)
def test_values_beyond_the_calendar_mean_no_bound(tz: tzinfo) -> None:
    """until=9999-12-31 is "no upper bound" and since=999999w "from the beginning": valid, not errors."""
    far_future = resolve_time("9999-12-31", now=NOW, tz=tz, bound="until")
    assert far_future.year == 9999 and far_future.tzinfo is tz
    assert resolve_time("9999-12-31T23:59:59Z", now=NOW, tz=tz, bound="until").year == 9999
    for value in ("999999w", "999999d", "0001-01-01"):
        assert resolve_time(value, now=NOW, tz=tz, bound="since").year == 1
    window = resolve_window("0001-01-01", "9999-12-31", now=NOW, tz=tz)
    assert window.contains(NOW) and window.active
    assert "until 9999-" in window.describe() and "(9999-12-31)" in window.describe()


def test_since_after_until_rejected() -> None:
    with pytest.raises(InvalidInput, match=r"since .* is after until"):
        resolve_window("today", "2026-11-20", now=NOW, tz=BERLIN)


def test_window_contains_is_half_open_and_describes_itself() -> None:
    w = resolve_window("yesterday", "today", now=NOW, tz=BERLIN)
    assert w.since == datetime(2026, 11, 22, tzinfo=BERLIN)
    assert w.until == datetime(2026, 11, 24, tzinfo=BERLIN)
    assert w.contains(datetime(2026, 11, 22, tzinfo=BERLIN))
    assert not w.contains(datetime(2026, 11, 24, tzinfo=BERLIN))
    assert w.contains(datetime(2026, 11, 21, 23, 0, tzinfo=UTC))  # 00:00 Berlin on the 22nd
    assert not w.contains(datetime(2026, 11, 21, 22, 59, 59, tzinfo=UTC))
    assert (
        w.describe()
        == "since 2026-11-22T00:00:00+01:00 (yesterday) · until 2026-11-24T00:00:00+01:00 (today)"
    )
    assert w.as_dict() == {
        "since": "2026-11-22T00:00:00+01:00",
        "since_input": "yesterday",
        "until": "2026-11-24T00:00:00+01:00",
        "until_input": "today",
    }
    assert not Window().active and Window().describe() == "" and Window().as_dict() == {}


def test_local_tz_is_usable() -> None:
    tz = local_tz()
    assert datetime(2026, 1, 1, tzinfo=tz).utcoffset() is not None
