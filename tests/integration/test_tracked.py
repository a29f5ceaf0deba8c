"""Tracked jobs stay cheap: 404s drop out, list_jobs refreshes within a budget, CLI list/untrack."""

from __future__ import annotations

import dataclasses
import subprocess
import uuid
from pathlib import Path

import pytest

from survey_jobs_mcp.server.providers import tracked as tracked_module
from survey_jobs_mcp.server.sandbox import Fault
from survey_jobs_mcp.server.store import Store
from tests.mcp_support import Harness, text_of
from tests.unit.server.test_cli import SCRIPT

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

GONE = "0badc0de-0000-4000-8000-00000000dead"


def track(h: Harness, *job_ids: str) -> None:
    with Store.open(h.settings.store_path) as store:
        for job_id in job_ids:
            store.track(job_id, "aftercare")


def tracked_ids(h: Harness) -> set[str]:
    with Store.open(h.settings.store_path) as store:
        return {t.job_id for t in store.list_tracked("aftercare")}


async def test_an_id_unknown_on_two_checks_an_hour_apart_stops_being_tracked(h: Harness):
    track(h, GONE)
    async with h.client() as client:
        first = await client.call_tool("list_jobs", {"provider": "aftercare", "limit": 100})
        notes = first.structured_content["notes"]
        assert any(
            n.startswith("1 tracked id(s) are unknown to Aftercare (HTTP 404), e.g. " + GONE) for n in notes
        )
        h.sb.clock.advance(59 * 60)
        await client.call_tool("list_jobs", {"provider": "aftercare", "limit": 100})
        assert GONE in tracked_ids(h)  # not yet an hour since the first 404
        h.sb.clock.advance(61)
        dropped = await client.call_tool("list_jobs", {"provider": "aftercare", "limit": 100})
        assert (
            f"Stopped tracking 1 job id(s) the provider no longer knows (HTTP 404 on two checks at least an "
            f"hour apart): {GONE}." in dropped.structured_content["notes"]
        )
        assert GONE not in tracked_ids(h)
        after = await client.call_tool("list_jobs", {"provider": "aftercare", "limit": 100})
    assert not any(GONE in n for n in after.structured_content.get("notes", []))
    own = sum(1 for j in h.sb.jobs() if j["provider"] == "aftercare")
    assert after.structured_content["total"] == own  # the sandbox's own Aftercare jobs, all still there


async def test_an_answer_between_two_404s_keeps_the_id(h: Harness):
    job = h.job("aftercare", "coding", "completed")
    h.sb.faults.add("aftercare.coding.get", Fault.status(404), calls={1})
    async with h.client() as client:
        await client.call_tool("get_job", {"job_id": job})  # 404 (coding), then data-quality 404
        h.sb.clock.advance(2 * 3600)
        ok = await client.call_tool("get_job", {"job_id": job})
        assert ok.is_error is False
        h.sb.clock.advance(2 * 3600)
        await client.call_tool("list_jobs", {"provider": "aftercare"})
    assert job in tracked_ids(h)


async def test_list_jobs_refreshes_oldest_checked_first_within_its_budget(
    h: Harness, monkeypatch: pytest.MonkeyPatch
):
    running = [r["id"] for r in h.sb.jobs() if r["provider"] == "aftercare" and r["status"] == "processing"]
    queued = [r["id"] for r in h.sb.jobs() if r["provider"] == "aftercare" and r["status"] == "queued"]
    order = running + queued  # checked in this order, a minute apart: the first is the oldest
    async with h.client() as client:
        await client.call_tool("list_jobs", {})  # every tracked job checked once
        for job_id in order:
            h.sb.clock.advance(60)
            await client.call_tool("get_job", {"job_id": job_id})
    checked_before = {t.job_id: t.last_checked_at for t in _tracked(h)}
    monkeypatch.setattr(tracked_module, "REFRESH_CONCURRENCY", 1)
    h.sb.clock.advance(3600)
    for route in ("aftercare.coding.get", "aftercare.dq.get"):
        h.sb.faults.add(route, Fault.latency(0.3))
    settings = dataclasses.replace(h.settings, list_refresh_budget_s=0.45)
    r = await h.call("list_jobs", {"limit": 100}, settings=settings)
    assert r.is_error is False
    sc = r.structured_content
    assert sc["by_provider"]["surveycoder"] == sum(1 for j in h.sb.jobs() if j["provider"] == "surveycoder")
    tracked = sum(1 for j in h.sb.jobs() if j["provider"] == "aftercare")
    assert sc["by_provider"]["aftercare"] == tracked  # refreshed or not, every tracked job is listed
    refreshed = [j for j in order if _checked(h, j) != checked_before[j]]
    assert refreshed == order[: len(refreshed)] and len(refreshed) < len(order)  # oldest first, in budget
    stale = len(order) - len(refreshed)
    note = next(n for n in sc["notes"] if "not refreshed within the time budget" in n)
    assert note.startswith(f"{stale} unfinished tracked Aftercare job(s) were not refreshed")
    oldest = min(checked_before[j] for j in order[len(refreshed) :])
    expected = tracked_module.age(oldest, h.sb.clock.now())  # on the sandbox clock: e.g. "62 min"
    assert f"show their last known status (oldest check {expected} ago)" in note


async def test_thousands_of_unknown_tracked_ids_never_cost_the_other_provider(h: Harness):
    track(h, *(str(uuid.UUID(int=i, version=4)) for i in range(1, 2001)))
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.05))
    settings = dataclasses.replace(h.settings, list_refresh_budget_s=0.5)
    r = await h.call("list_jobs", {"limit": 100}, settings=settings)
    assert r.is_error is False, text_of(r)
    sc = r.structured_content
    assert sc["by_provider"]["surveycoder"] == sum(1 for j in h.sb.jobs() if j["provider"] == "surveycoder")
    assert "failures" not in sc
    assert any("not refreshed within the time budget" in n for n in sc["notes"])
    assert h.sb.faults.calls("aftercare.coding.get") < 2012  # the budget stopped the refreshes


def _tracked(h: Harness):
    with Store.open(h.settings.store_path) as store:
        return store.list_tracked("aftercare")


def _checked(h: Harness, job_id: str):
    return next(t.last_checked_at for t in _tracked(h) if t.job_id == job_id)


def test_cli_track_list_and_untrack(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "SURVEY_JOBS_DATA_DIR": str(tmp_path / "data"), "PATH": str(SCRIPT.parent)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)

    first, second = GONE, "123e4567-e89b-42d3-a456-426614174000"
    assert run("track", "--no-check", first, second.upper()).returncode == 0
    listed = run("track", "--list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[-1] == "2 tracked job(s)"
    assert sorted(line.split()[0] for line in lines[:-1]) == sorted([first, second])
    assert all(line.endswith("unknown  (never checked)") for line in lines[:-1])
    gone = run("untrack", second)
    assert (gone.returncode, gone.stdout) == (0, f"{second}: no longer tracked\n")
    again = run("untrack", second, "not-an-id")
    assert again.returncode == 2
    assert f"{second}: was not tracked" in again.stderr and "is not a valid job id" in again.stderr
    assert run("track", "--list").stdout.splitlines()[-1] == "1 tracked job(s)"
    bare = run("track")
    assert bare.returncode == 2 and "track needs JOB_ID... or --list" in bare.stderr


async def test_list_jobs_reports_refresh_progress_with_its_total(h: Harness):
    """Every tracked job not known to be finished is refreshed; progress says how many of how many,
    about every tenth of them, ending at the total."""
    unknown = [str(uuid.UUID(int=i, version=4)) for i in range(1, 41)]
    track(h, *unknown)
    never_checked = sum(1 for j in h.sb.jobs() if j["provider"] == "aftercare") + len(unknown)
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done, total, message):
        seen.append((done, total, message))

    async with h.client() as client:
        r = await client.call_tool("list_jobs", {"provider": "aftercare"}, progress_callback=on_progress)
    assert r.is_error is False, text_of(r)
    assert {total for _, total, _ in seen} == {never_checked}
    assert seen[-1][0] == never_checked
    assert seen[-1][2] == f"Refreshed {never_checked} of {never_checked} unfinished tracked Aftercare jobs"
    dones = [done for done, _, _ in seen]
    assert dones == sorted(dones) and len(dones) <= 11
