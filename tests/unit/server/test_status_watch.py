"""StatusWatch: a status change is reported once, a first sighting never, and a failing listener
never fails the caller."""

from __future__ import annotations

import logging

import pytest

from survey_jobs_mcp.server.status_watch import StatusWatch

pytestmark = pytest.mark.anyio


async def test_first_sighting_is_a_baseline_and_a_change_is_reported_once():
    heard: list[list[str]] = []

    async def listener(job_ids: list[str]) -> None:
        heard.append(job_ids)

    watch = StatusWatch(listener)
    assert await watch.seen([("a", "queued"), ("b", "running")]) == []
    assert await watch.seen([("a", "queued"), ("b", "completed")]) == ["b"]
    assert await watch.seen([("b", "completed")]) == []
    assert await watch.seen([("a", "running"), ("a", "completed"), ("b", "failed")]) == ["a", "b"]
    assert heard == [["b"], ["a", "b"]]


async def test_listener_failure_is_logged_not_raised(caplog: pytest.LogCaptureFixture):
    async def broken(job_ids: list[str]) -> None:
        raise RuntimeError("transport gone")

    watch = StatusWatch(broken)
    await watch.seen([("a", "queued")])
    with caplog.at_level(logging.WARNING, logger="survey_jobs_mcp.status_watch"):
        assert await watch.seen([("a", "running")]) == ["a"]
    assert [r.getMessage() for r in caplog.records] == ["could not notify subscribers about 1 job(s)"]


async def test_oldest_seen_jobs_are_forgotten_beyond_the_bound():
    watch = StatusWatch(max_remembered=2)
    await watch.seen([("a", "queued"), ("b", "queued"), ("c", "queued")])
    # "a" was forgotten: seeing it again is a new baseline, not a change.
    assert await watch.seen([("a", "running"), ("c", "running")]) == ["c"]
