"""``wait_for_jobs``, the shared status refresh and prefetch, through a real MCP client.

Jobs finish during a wait because the test moves the sandbox clock once the first poll has been
reported; the poll interval is a setting shrunk here, so nothing sleeps longer than it.
"""

from __future__ import annotations

import dataclasses
import json

import anyio
import pytest

from survey_jobs_mcp.server.sandbox import Fault
from survey_jobs_mcp.tools.catalog import runtime
from tests.mcp_support import Harness, eventually, text_of, tokens

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

UNKNOWN = "00000000-1111-4222-8333-444444444444"
UNFINISHED = ("queued", "processing")


def fast(h: Harness, **changes):
    return dataclasses.replace(h.settings, poll_interval_s=0.05, poll_rate_per_provider=200.0, **changes)


def unfinished(h: Harness) -> list[str]:
    return [r["id"] for r in h.sb.jobs() if r["status"] in ("queued", "processing")]


async def test_interim_answer_is_tiny_and_says_call_again(h: Harness, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(runtime, "TOOL_DEADLINE_S", 0.5)  # the wait ends at 0.45 s, nothing finishes
    ids = unfinished(h)[:5]
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done, total, message):
        seen.append((done, total, message))

    async with h.client(settings=fast(h)) as client:
        r = await client.call_tool("wait_for_jobs", {"job_ids": ids}, progress_callback=on_progress)
    assert r.is_error is False, text_of(r)
    sc = r.structured_content
    assert (sc["state"], sc["finished"], sc["watched"]) == ("waiting", 0, 5)
    assert [j["id"] for j in sc["jobs"]] == ids
    assert {j["status"] for j in sc["jobs"]} <= {"queued", "running"}
    assert sc["next"] == {"tool": "wait_for_jobs", "arguments": {"job_ids": ids}}
    text = text_of(r)
    assert text.startswith("# Waiting: 0 of 5 job(s) finished after")
    assert "after about 10 calls in a row, stop and tell the user" in text
    assert tokens(text) < 300 and tokens(json.dumps(sc)) < 300
    assert len(seen) >= 2  # the start, then every poll
    assert all(total == 5 and done == 0 for done, total, _ in seen)
    assert seen[0][2].startswith("0 of 5 job(s) finished after")


async def test_first_finished_returns_when_a_job_finishes_and_its_results_are_prefetched(h: Harness):
    job = h.job("surveycoder", "one_call", "processing")
    seen: list[float] = []
    moved = anyio.Event()

    async def on_progress(done, total, message):
        seen.append(done)
        if not moved.is_set():
            h.sb.clock.advance(15 * 60)  # the job finishes upstream after the first report
            moved.set()

    async with h.client(settings=fast(h)) as client:
        r = await client.call_tool(
            "wait_for_jobs", {"job_ids": [job], "timeout_s": 40}, progress_callback=on_progress
        )
        sc = r.structured_content
        assert r.is_error is False and sc["state"] == "finished"
        assert sc["jobs"] == [
            {
                "id": job,
                "status": "completed",
                "provider_status": "completed",
                "next": {"tool": "get_coding_results", "arguments": {"job_id": job}},
            }
        ]
        assert sc["prefetching"] == [job]
        assert sc["next"] == {"tool": "get_coding_results", "arguments": {"job_id": job}}
        assert f'Next: `get_coding_results(job_id="{job}")`.' in text_of(r)
        assert "already being read in the background" in text_of(r)
        assert seen[0] == 0 and seen[-1] == 1
        polled = h.sb.faults.calls("surveycoder.jobs.get")
        await anyio.sleep(0.2)
        results = await client.call_tool("get_coding_results", {"job_id": job})
    assert results.is_error is False and "state" not in results.structured_content
    # the prefetch read the job (one request, or none if it joined the last poll's body: at most one)
    assert h.sb.faults.calls("surveycoder.jobs.get") - polled <= 1


async def test_all_finished_waits_for_every_job(h: Harness):
    coding = h.job("aftercare", "coding", "processing")
    quality = h.job("aftercare", "data_quality", "queued")
    moved = anyio.Event()

    async def on_progress(done, total, message):
        assert total == 2
        if not moved.is_set():
            h.sb.clock.advance(20 * 60)
            moved.set()

    async with h.client(settings=fast(h)) as client:
        r = await client.call_tool(
            "wait_for_jobs",
            {"job_ids": [coding, quality], "return_when": "all_finished"},
            progress_callback=on_progress,
        )
    sc = r.structured_content
    assert (sc["state"], sc["finished"], sc["watched"]) == ("finished", 2, 2)
    nexts = {j["id"]: j["next"]["tool"] for j in sc["jobs"]}
    assert nexts == {coding: "get_coding_results", quality: "get_quality_results"}
    assert sorted(sc["prefetching"]) == sorted([coding, quality])


async def test_a_failed_job_reports_its_error_and_no_results_call(h: Harness):
    failed = h.job("surveycoder", "one_call", "failed")
    r = await h.call("wait_for_jobs", {"job_ids": [failed]}, settings=fast(h))
    (item,) = r.structured_content["jobs"]
    assert item == {
        "id": failed,
        "status": "failed",
        "provider_status": "failed",
        "error": {"code": "CODING_FAILED", "message": "Coding pipeline failed after 3 retries"},
    }
    assert "prefetching" not in r.structured_content and "next" not in r.structured_content
    assert "CODING_FAILED" in text_of(r)


async def test_bad_or_unknown_ids_fail_before_any_waiting(h: Harness):
    r = await h.call("wait_for_jobs", {"job_ids": ["../etc/passwd"]}, settings=fast(h))
    assert r.is_error is True
    assert "Not valid job id(s): '../etc/passwd'" in text_of(r)
    assert "a SurveyCoder job id is 'job_' followed by 24 lowercase hex digits" in text_of(r)
    assert h.requests() == 0
    known = h.job("surveycoder", "one_call", "processing")
    r = await h.call("wait_for_jobs", {"job_ids": [known, UNKNOWN]}, settings=fast(h))
    assert r.is_error is True
    assert f"Unknown job id(s): {UNKNOWN}." in text_of(r) and "Nothing was waited for" in text_of(r)
    # one status request each (Aftercare: coding then data-quality for an unknown id), no polls
    assert h.sb.faults.calls("surveycoder.jobs.get") == 1
    assert h.sb.faults.calls("aftercare.coding.get") == h.sb.faults.calls("aftercare.dq.get") == 1


async def test_omitted_ids_watch_every_unfinished_job(h: Harness, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(runtime, "TOOL_DEADLINE_S", 0.5)
    r = await h.call("wait_for_jobs", {}, settings=fast(h))
    sc = r.structured_content
    assert sc["state"] == "waiting"
    assert sorted(j["id"] for j in sc["jobs"]) == sorted(unfinished(h))
    assert sc["next"] == {"tool": "wait_for_jobs", "arguments": {}}


async def test_two_waits_share_one_poller_per_job(h: Harness, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(runtime, "TOOL_DEADLINE_S", 0.5)  # each wait lasts 0.45 s
    job = h.job("surveycoder", "one_call", "processing")
    settings = dataclasses.replace(h.settings, poll_interval_s=0.2, poll_rate_per_provider=200.0)
    async with h.client(settings=settings) as client, anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(client.call_tool, "wait_for_jobs", {"job_ids": [job]})
    # one shared check at the start, then one poller: at most one request per 0.2 s of the 0.45 s
    assert 2 <= h.sb.faults.calls("surveycoder.jobs.get") <= 4


async def test_concurrent_status_checks_of_one_job_are_one_request(h: Harness):
    job = h.job("aftercare", "coding", "processing")
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.3))
    answers = []
    async with h.client() as client:

        async def get_job() -> None:
            answers.append(await client.call_tool("get_job", {"job_id": job}))

        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(get_job)
            tg.start_soon(client.call_tool, "list_jobs", {"provider": "aftercare"})
    assert [a.structured_content["status"] for a in answers] == ["running"] * 5
    # list_jobs refreshes every tracked job it does not know to be finished (here all: never
    # checked), one request each; the five get_job calls share the listing's request for `job`.
    kinds = [r["kind"] for r in h.sb.jobs() if r["provider"] == "aftercare"]
    assert h.sb.faults.calls("aftercare.coding.get") == kinds.count("coding")
    assert h.sb.faults.calls("aftercare.dq.get") == kinds.count("data_quality")


async def test_a_job_seen_finishing_by_get_job_is_prefetched(h: Harness):
    job = h.job("aftercare", "data_quality", "processing")
    async with h.client(settings=fast(h)) as client:
        first = await client.call_tool("get_job", {"job_id": job})
        assert first.structured_content["status"] == "running"
        h.sb.clock.advance(20 * 60)
        done = await client.call_tool("get_job", {"job_id": job})
        assert done.structured_content["status"] == "completed"
        # the prefetch reader reads every page in the background
        await eventually(lambda: h.sb.faults.calls("aftercare.dq.get") >= 2 + pages(h, job), "the prefetch")
        before = h.requests()
        r = await client.call_tool("get_quality_results", {"job_id": job})
    assert r.is_error is False and r.structured_content["respondents_scored"] == 250
    assert h.requests() == before  # answered warm


async def test_prefetch_off_reads_nothing_in_the_background(h: Harness):
    job = h.job("aftercare", "data_quality", "processing")
    async with h.client(settings=fast(h, prefetch=0)) as client:
        await client.call_tool("get_job", {"job_id": job})
        h.sb.clock.advance(20 * 60)
        await client.call_tool("get_job", {"job_id": job})
        await anyio.sleep(0.3)
    assert h.sb.faults.calls("aftercare.dq.get") == 2  # the two status checks only


def pages(h: Harness, job_id: str) -> int:
    data = h.sb.store.jobs[job_id].data()
    return -(-len(data.respondents) // h.sb.page_size)


def coding_pages(h: Harness, job_id: str) -> int:
    return -(-len(h.sb.store.jobs[job_id].data().items) // h.sb.page_size)


async def test_list_jobs_prefetches_jobs_seen_finishing_at_most_n_at_a_time(h: Harness):
    coding = h.job("aftercare", "coding", "processing")
    quality = h.job("aftercare", "data_quality", "processing")
    total = {"aftercare.coding.get": coding_pages(h, coding), "aftercare.dq.get": pages(h, quality)}
    for route in total:
        h.sb.faults.add(route, Fault.latency(0.05))
    async with h.client(settings=fast(h, prefetch=1)) as client:
        await client.call_tool("list_jobs", {"provider": "aftercare"})  # both seen running
        # The second listing refreshes each job still unfinished (one request on its kind's route);
        # the readers' requests are what comes on top (a reader may start before the listing returns).
        unfinished = [r for r in h.sb.jobs() if r["provider"] == "aftercare" and r["status"] in UNFINISHED]
        route_of = {"coding": "aftercare.coding.get", "data_quality": "aftercare.dq.get"}
        base = {r: h.sb.faults.calls(r) + sum(route_of[u["kind"]] == r for u in unfinished) for r in total}
        h.sb.clock.advance(11 * 60)  # these two finish (the other unfinished ones later)
        listed = await client.call_tool("list_jobs", {"provider": "aftercare", "status": "completed"})
        assert {coding, quality} <= {j["id"] for j in listed.structured_content["jobs"]}
        reading_both = False

        def both_read() -> bool:
            nonlocal reading_both
            fetched = {r: h.sb.faults.calls(r) - base[r] for r in total}
            reading_both |= all(0 < fetched[r] < total[r] for r in total)
            return all(fetched[r] >= total[r] for r in total)

        await eventually(both_read, "both prefetch readers")
        before = h.requests()
        assert (await client.call_tool("get_coding_results", {"job_id": coding})).is_error is False
        assert (await client.call_tool("get_quality_results", {"job_id": quality})).is_error is False
    assert not reading_both  # prefetch=1: one reader after the other
    assert h.requests() == before  # both answered from the prefetched results


async def test_a_prefetch_reader_pauses_while_a_caller_waits_on_another(h: Harness):
    quality = h.job("aftercare", "data_quality", "processing")
    coding = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
    h.sb.faults.add("aftercare.dq.get", Fault.latency(0.1))
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.05))
    async with h.client(settings=fast(h)) as client:
        await client.call_tool("get_job", {"job_id": quality})
        h.sb.clock.advance(20 * 60)
        await client.call_tool("get_job", {"job_id": quality})  # seen finishing: prefetch starts
        # its first page (the status check) is in
        await eventually(lambda: h.sb.faults.calls("aftercare.dq.get") >= 3, "the prefetch's first page")
        before = h.sb.faults.calls("aftercare.dq.get")
        answer = await client.call_tool("get_coding_results", {"job_id": coding})  # 18 pages, ~1 s
        during = h.sb.faults.calls("aftercare.dq.get") - before
        assert answer.is_error is False
        # then it goes on
        await eventually(lambda: h.sb.faults.calls("aftercare.dq.get") >= 2 + pages(h, quality), "the rest")
    assert during <= 1  # at most the page in flight when the caller's reader started


async def test_a_second_wait_reuses_the_poller_without_spinning(h: Harness, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(runtime, "TOOL_DEADLINE_S", 0.5)  # each wait lasts 0.45 s
    ids = unfinished(h)
    # A low provider rate keeps pollers queued for a request when a wait ends and the next begins.
    settings = dataclasses.replace(h.settings, poll_interval_s=0.2, poll_rate_per_provider=3.0)
    reports: list[float] = []

    async def on_progress(done, total, message):
        reports.append(done)

    async with h.client(settings=settings) as client:
        for _ in range(4):  # back to back, as an agent calls it
            r = await client.call_tool("wait_for_jobs", {"job_ids": ids}, progress_callback=on_progress)
            assert r.structured_content["state"] == "waiting", text_of(r)
    # every wait: one report at the start and one per poll (each provider at most 3 a second)
    assert 4 <= len(reports) <= 4 * 20
    assert h.sb.faults.calls("surveycoder.jobs.get") <= 4 * 6
