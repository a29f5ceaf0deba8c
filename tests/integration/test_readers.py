"""One shared, resumable reader per job: single-flight, never a dead end, resume after a restart.

Everything runs through a real MCP client against the sandbox over loopback HTTP; upstream work is
counted with the sandbox's per-route call counters. A short tool deadline (monkeypatched, as the
slow-provider tests do) and the sandbox's latency fault make a read outlast one call.
"""

from __future__ import annotations

import json
import math

import anyio
import pytest

from survey_jobs_mcp.server.sandbox import Fault
from survey_jobs_mcp.tools.catalog import runtime
from tests.mcp_support import Harness, eventually, text_of, tokens

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

CODING = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
DQ = "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274"
ROUTE = {"coding": "aftercare.coding.get", "quality": "aftercare.dq.get"}
TOOL = {"coding": "get_coding_results", "quality": "get_quality_results"}


def pages_of(h: Harness, job_id: str) -> int:
    """How many pages the sandbox serves for a job (from its data, without a request)."""
    data = h.sb.store.jobs[job_id].data()
    items = data.items if hasattr(data, "items") else data.respondents
    return math.ceil(len(items) / h.sb.page_size)


@pytest.fixture
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "TOOL_DEADLINE_S", 0.5)  # stands in for 44 s: a call waits 0.25 s


async def read_until_done(client, tool: str, job_id: str, *, max_calls: int = 200) -> tuple[object, list]:
    """Call ``tool`` until it stops answering "reading"; returns the answer and every reading answer."""
    readings = []
    for _ in range(max_calls):
        result = await client.call_tool(tool, {"job_id": job_id})
        assert result.is_error is False, text_of(result)
        if result.structured_content.get("state") != "reading":
            return result, readings
        readings.append(result)
    raise AssertionError(f"still reading after {max_calls} calls")


async def read_some(client, tool: str, job_id: str, pages: int) -> object:
    """Call until the reader has at least ``pages`` pages (and is still reading)."""
    for _ in range(200):
        result = await client.call_tool(tool, {"job_id": job_id})
        assert result.structured_content["state"] == "reading", text_of(result)
        if result.structured_content["reading"]["pages_read"] >= pages:
            return result
    raise AssertionError("the reader made no progress")


async def test_five_concurrent_cold_calls_cost_one_upstream_pass(h: Harness):
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.05))  # the calls overlap for sure
    results = []
    async with h.client() as client:

        async def call() -> None:
            results.append(await client.call_tool("get_coding_results", {"job_id": CODING}))

        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(call)
    assert [r.is_error for r in results] == [False] * 5
    assert all(r.structured_content == results[0].structured_content for r in results)
    assert results[0].structured_content["questions_total"] == 4
    # One pass: the first page doubles as the status check, so requests == pages exactly.
    assert h.sb.faults.calls("aftercare.coding.get") == pages_of(h, CODING) == 18
    assert h.requests() == 18


@pytest.mark.parametrize("kind, job_id", [("coding", CODING), ("quality", DQ)])
async def test_a_slow_read_answers_reading_and_the_next_call_continues(
    h: Harness, short_deadline: None, kind: str, job_id: str
):
    h.sb.faults.add(ROUTE[kind], Fault.latency(0.15))
    async with h.client() as client:
        first = await client.call_tool(TOOL[kind], {"job_id": job_id, "max_tokens": 300})
        assert first.is_error is False
        sc = first.structured_content
        assert (sc["state"], sc["mode"], sc["job_id"]) == ("reading", "reading", job_id)
        assert 0 <= sc["reading"]["pages_read"] < pages_of(h, job_id)
        assert sc["reading"]["next"] == {"tool": TOOL[kind], "arguments": {"job_id": job_id}}
        text = text_of(first)
        assert text.startswith(f"# Still reading the results of job {job_id}\n")
        assert f"{sc['reading']['pages_read']} page(s)" in text
        assert "does not say how many pages a job has" in text
        assert f'Next: call `{TOOL[kind]}(job_id="{job_id}")` again' in text
        assert tokens(text) <= 300 and tokens(json.dumps(sc)) <= 300
        done, readings = await read_until_done(client, TOOL[kind], job_id)
    seen = [first.structured_content["reading"]["pages_read"]] + [
        r.structured_content["reading"]["pages_read"] for r in readings
    ]
    assert seen == sorted(seen)  # every call picked up where the reader was
    assert "state" not in done.structured_content
    # Never page 1 again: one request per page over all the calls.
    assert h.sb.faults.calls(ROUTE[kind]) == pages_of(h, job_id)


async def test_the_reader_keeps_reading_after_the_call_returns(h: Harness, short_deadline: None):
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.1))
    pages = pages_of(h, CODING)
    async with h.client() as client:
        first = await client.call_tool("get_coding_results", {"job_id": CODING})
        assert first.structured_content["state"] == "reading"
        # no call is waiting now
        await eventually(lambda: h.sb.faults.calls("aftercare.coding.get") >= pages, "every page")
        await anyio.sleep(0.3)  # the last page is absorbed
        before = h.requests()
        done = await client.call_tool("get_coding_results", {"job_id": CODING})
    assert "state" not in done.structured_content
    assert done.structured_content["questions_total"] == 4
    assert h.requests() == before == pages


async def test_a_restart_resumes_from_the_stored_pages(h: Harness, short_deadline: None, tmp_path):
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.15))
    pages = pages_of(h, CODING)
    async with h.client() as client:  # first server: reads a few pages, then stops
        first = await read_some(client, "get_coding_results", CODING, 2)
    stored = first.structured_content["reading"]["pages_read"]
    assert 2 <= stored < pages
    async with h.client() as client:  # a new server on the same data dir
        resumed = await client.call_tool("get_coding_results", {"job_id": CODING})
        assert resumed.structured_content.get("state") == "reading"
        assert resumed.structured_content["reading"]["resumed_pages"] >= stored
        assert "came from the local store" in text_of(resumed)
        done, _ = await read_until_done(client, "get_coding_results", CODING)
    # At most the one page in flight when the first server stopped is fetched twice.
    assert pages <= h.sb.faults.calls("aftercare.coding.get") <= pages + 1
    fresh = Harness(h.sb, h.srv, tmp_path / "fresh")
    h.sb.faults.clear()
    assert (
        done.structured_content
        == (await fresh.call("get_coding_results", {"job_id": CODING})).structured_content
    )


async def test_a_refused_stored_cursor_starts_over_once_and_says_so(h: Harness, short_deadline: None):
    h.sb.faults.add("aftercare.coding.get", Fault.latency(0.15))
    pages = pages_of(h, CODING)
    async with h.client() as client:
        await read_some(client, "get_coding_results", CODING, 2)
    before = h.sb.faults.calls("aftercare.coding.get")
    h.sb.cursor_secret = "rotated"  # the provider no longer accepts its old cursors
    async with h.client() as client:
        again = await client.call_tool("get_coding_results", {"job_id": CODING})
        assert again.structured_content["reading"]["restarted"] is True
        assert "refused the stored page cursor, so reading started over from page 1" in text_of(again)
        done, _ = await read_until_done(client, "get_coding_results", CODING)
    assert done.structured_content["questions_total"] == 4
    # the refused request, then every page once from page 1
    assert h.sb.faults.calls("aftercare.coding.get") - before == 1 + pages


async def test_an_upstream_failure_mid_read_keeps_the_pages(h: Harness):
    pages = pages_of(h, CODING)
    h.sb.faults.add(
        "aftercare.coding.get", Fault.status(503), calls=set(range(5, 5 + h.settings.max_attempts))
    )
    async with h.client() as client:
        failed = await client.call_tool("get_coding_results", {"job_id": CODING})
        assert failed.is_error is True
        assert "Aftercare answered HTTP 503" in text_of(failed)
        assert "The 4 page(s) read so far are kept; calling again continues with page 5." in text_of(failed)
        done = await client.call_tool("get_coding_results", {"job_id": CODING})
    assert done.is_error is False and done.structured_content["questions_total"] == 4
    assert h.sb.faults.calls("aftercare.coding.get") == pages + h.settings.max_attempts


async def test_what_was_read_reaches_the_store_while_the_server_runs(h: Harness):
    """No shutdown needed: the pages (then the compacted result) are written shortly after the read."""
    from survey_jobs_mcp.server import read_state
    from survey_jobs_mcp.server.store import Store

    async with h.client() as client:
        answer = await client.call_tool("get_quality_results", {"job_id": DQ})
        assert answer.is_error is False
        for _ in range(200):  # polls for up to 10 s; written within about a second
            with Store.open(h.settings.store_path) as store:
                saved = read_state.load(store, DQ, "quality")
                if (saved is not None and saved.complete) or store.cache_size()[0]:
                    break
            await anyio.sleep(0.05)
        else:
            raise AssertionError("the read results never reached the store")


async def test_the_oldest_read_builds_its_index_before_younger_reads_absorb_more(
    h: Harness, monkeypatch: pytest.MonkeyPatch
):
    """Admission, not fair share: while the first of two concurrent cold reads builds its index, the
    younger read absorbs no page, so it can fetch at most the one page its pipeline buffers plus
    the one in flight. Without the turn it would read on through the build."""
    import time

    from survey_jobs_mcp.tools.catalog import get_coding_results as tool_module

    older, younger = CODING, "895bdb2a-11e0-4aba-b65c-c5a58cac39f0"  # 18 and 45+ pages of 50
    assert pages_of(h, younger) > pages_of(h, older) + 10
    route = "aftercare.coding.get"
    h.sb.faults.add(route, Fault.latency(0.01))
    during: dict[str, int] = {}
    real_build = tool_module.build_coding_index

    def observed_build(results):
        if results.job_id == older and not during:
            during["before"] = h.sb.faults.calls(route)
            time.sleep(0.4)  # in the build's worker thread: time for an ungated read to go on
            during["after"] = h.sb.faults.calls(route)
        return real_build(results)

    monkeypatch.setattr(tool_module, "build_coding_index", observed_build)
    answers: dict[str, object] = {}
    async with h.client() as client:

        async def call(job_id: str) -> None:
            answers[job_id] = await client.call_tool("get_coding_results", {"job_id": job_id})

        async with anyio.create_task_group() as tg:
            tg.start_soon(call, older)
            await eventually(lambda: h.sb.faults.calls(route) >= 2, "the older read's first pages")
            tg.start_soon(call, younger)
    assert [answers[j].is_error for j in (older, younger)] == [False, False]
    assert during["after"] - during["before"] <= 2, during
    total = pages_of(h, older) + pages_of(h, younger)
    assert h.sb.faults.calls(route) == total
    assert during["after"] < total  # the younger read was still going when the build began
