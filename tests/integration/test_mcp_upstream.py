"""Upstream faults (retries, give-up messages, partial listings), caching, progress, lifecycles."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest

from survey_jobs_mcp.server.sandbox import Fault
from tests.mcp_support import Harness, text_of

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

CODING = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
DQ = "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274"
SC = "job_d5425bb9cfa5229130ee77b4"
PREFIX = "Error executing tool {}: "

CASES = [  # (route, tool, args)
    ("surveycoder.jobs.get", "get_job", {"job_id": SC}),
    ("aftercare.coding.get", "get_job", {"job_id": CODING}),
    ("aftercare.dq.get", "get_job", {"job_id": DQ}),
]


@pytest.mark.parametrize("route, tool, args", CASES)
async def test_two_503_then_success(h: Harness, route, tool, args):
    h.sb.faults.add(route, Fault.status(503), calls={1, 2})
    r = await h.call(tool, args)
    assert r.is_error is False, text_of(r)
    assert r.structured_content["id"] == args["job_id"]
    assert r.structured_content["status"] == "completed"
    assert h.sb.faults.calls(route) == 3


async def test_429_retry_after_is_honoured(h: Harness, caplog: pytest.LogCaptureFixture):
    h.sb.faults.add("surveycoder.jobs.get", Fault.status(429, retry_after=1), calls={1})
    with caplog.at_level(logging.INFO, logger="survey_jobs_mcp.http"):
        r = await h.call("get_job", {"job_id": SC})
    assert r.is_error is False, text_of(r)
    assert r.structured_content["provider_status"] == "completed"
    assert h.sb.faults.calls("surveycoder.jobs.get") == 2
    retries = [m for m in caplog.messages if "retrying in" in m]
    assert len(retries) == 1 and retries[0].endswith(": 429 on attempt 1, retrying in 1.00s"), retries


@pytest.mark.parametrize(
    "route, tool, args, label",
    [
        ("surveycoder.jobs.get", "get_coding_results", {"job_id": SC}, "SurveyCoder"),
        ("aftercare.coding.get", "get_coding_results", {"job_id": CODING}, "Aftercare"),
        ("aftercare.dq.get", "get_quality_results", {"job_id": DQ}, "Aftercare"),
    ],
)
async def test_permanent_503_gives_up_with_facts(h: Harness, route, tool, args, label):
    h.sb.faults.add(route, Fault.status(503))
    settings = dataclasses.replace(h.settings, request_deadline=3.0)
    r = await h.call(tool, args, settings=settings)
    assert r.is_error is True
    msg = text_of(r)
    assert msg.startswith(PREFIX.format(tool))
    assert f"{label} answered HTTP 503" in msg
    assert "request id " in msg
    rid = msg.split("request id ", 1)[1].split(".", 1)[0].split(")", 1)[0]
    assert len(rid) >= 8 and rid != "None"
    # bounded by attempts, not by wall-clock time (CI machines are small and shared)
    assert h.sb.faults.calls(route) == h.settings.max_attempts


@pytest.mark.parametrize(
    "fault", [Fault.invalid_json(), Fault.truncated()], ids=["invalid_json", "truncated"]
)
@pytest.mark.parametrize(
    "route, tool, args, label",
    [
        ("surveycoder.jobs.get", "get_job", {"job_id": SC}, "SurveyCoder"),
        ("aftercare.coding.get", "get_coding_results", {"job_id": CODING}, "Aftercare"),
    ],
)
async def test_broken_json_every_call(h: Harness, fault, route, tool, args, label):
    h.sb.faults.add(route, fault)
    r = await h.call(tool, args, settings=dataclasses.replace(h.settings, request_deadline=3.0))
    assert r.is_error is True
    assert f"{label} returned invalid JSON" in text_of(r)
    assert "request id" in text_of(r)


@pytest.mark.parametrize("route, tool, args", CASES)
async def test_drop_once_then_success(h: Harness, route, tool, args):
    h.sb.faults.add(route, Fault.drop(), calls={1})
    r = await h.call(tool, args)
    assert r.is_error is False, text_of(r)
    assert r.structured_content["provider_status"] == "completed"
    assert h.sb.faults.calls(route) == 2


async def test_list_jobs_survives_surveycoder_down(h: Harness):
    h.sb.faults.add("surveycoder.jobs.list", Fault.status(503))
    r = await h.call(
        "list_jobs", {"limit": 100}, settings=dataclasses.replace(h.settings, request_deadline=3.0)
    )
    assert r.is_error is False
    sc = r.structured_content
    want = {row["id"] for row in h.sb.jobs() if row["provider"] == "aftercare"}
    assert {j["id"] for j in sc["jobs"]} == want
    assert sc["by_provider"] == {"aftercare": 15}
    (failure,) = sc["failures"]
    assert failure["provider"] == "surveycoder" and "HTTP 503" in failure["message"]
    assert "SurveyCoder could not be read" in text_of(r)


async def test_list_jobs_survives_aftercare_down(h: Harness):
    h.sb.faults.add("aftercare.coding.get", Fault.status(503))
    h.sb.faults.add("aftercare.dq.get", Fault.status(503))
    r = await h.call(
        "list_jobs", {"limit": 100}, settings=dataclasses.replace(h.settings, request_deadline=3.0)
    )
    assert r.is_error is False
    sc = r.structured_content
    want = {row["id"] for row in h.sb.jobs() if row["provider"] == "surveycoder"}
    assert {j["id"] for j in sc["jobs"]} == want
    assert [f["provider"] for f in sc["failures"]] == ["aftercare"]
    assert "HTTP 503" in sc["failures"][0]["message"]
    assert "Aftercare could not be read" in text_of(r)


# ---------------------------------------------------------------- caching & progress
def _page_count(h: Harness, job_id: str) -> int:
    n, cursor = 0, None
    with httpx.Client(headers={"X-Aftercare-Key": h.sb.keys.aftercare}) as http:
        while True:
            body = http.get(
                f"{h.srv.aftercare_url}/api/v1/coding/{job_id}", params={"cursor": cursor} if cursor else {}
            ).json()
            n += 1
            cursor = body["results"]["nextCursor"]
            if not cursor:
                return n


async def test_drilldown_and_restart_make_no_page_requests(h: Harness):
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    async with h.client() as c:
        r = await c.call_tool("get_coding_results", {"job_id": CODING}, progress_callback=on_progress)
        assert r.is_error is False
        first = r.structured_content
        fetched = h.sb.faults.calls("aftercare.coding.get")
        before = h.requests()
        for args in (
            {"question_id": "Q1_going_well"},
            {"question_id": "Q2_change", "code_id": "1"},
            {"max_tokens": 20000},
        ):
            r = await c.call_tool("get_coding_results", {"job_id": CODING} | args)
            assert r.is_error is False
        assert h.requests() == before
    pages = _page_count(h, CODING)
    assert fetched == pages  # one request per page, the first one doubling as the status check
    assert len(seen) >= pages
    assert [p for p, _, _ in seen] == sorted({p for p, _, _ in seen})  # strictly increasing
    assert seen[-1][0] == pages
    # No upstream says how many pages there are; once the last one is fetched, progress says it.
    assert seen[-1][1] == pages and f"Read {pages} of {pages} pages" in seen[-1][2]
    assert all(total in (None, pages) for _, total, _ in seen)
    # A fresh server over the same data dir: the SQLite result cache answers, no page requests.
    before = h.sb.faults.calls("aftercare.coding.get")
    async with h.client() as c:
        r2 = await c.call_tool("get_coding_results", {"job_id": CODING})
    assert r2.is_error is False
    assert r2.structured_content == first
    assert h.sb.faults.calls("aftercare.coding.get") - before == 0


async def test_quality_progress_and_cache(h: Harness):
    seen: list[float] = []
    totals: list[float | None] = []

    async def on_progress(progress, total, message):
        seen.append(progress)
        totals.append(total)

    async with h.client() as c:
        r = await c.call_tool("get_quality_results", {"job_id": DQ}, progress_callback=on_progress)
        assert r.is_error is False
        calls = h.sb.faults.calls("aftercare.dq.get")
        items = len(h.sb.raw_quality(DQ)["results"]["items"])
        pages = -(-items // h.sb.page_size)
        assert calls == pages
        assert seen == list(range(1, pages + 1))
        assert totals[-1] == pages
        r = await c.call_tool("get_quality_results", {"job_id": DQ, "min_demerit": 50})
        assert r.is_error is False
    async with h.client() as c:
        r = await c.call_tool("get_quality_results", {"job_id": DQ, "issue_type": "low_effort"})
        assert r.is_error is False
    assert h.sb.faults.calls("aftercare.dq.get") == calls


# ---------------------------------------------------------------- lifecycle on the sandbox clock
async def test_queued_aftercare_job_completes_when_clock_advances(h: Harness):
    job_id = h.job("aftercare", "coding", "queued")
    async with h.client() as c:
        r = await c.call_tool("list_jobs", {"provider": "aftercare", "limit": 100})
        (j,) = [x for x in r.structured_content["jobs"] if x["id"] == job_id]
        assert (j["status"], j["provider_status"], j["dated_by"]) == (
            "queued",
            "queued",
            "first_seen_in_status",
        )
        h.sb.clock.advance(6 * 3600)
        assert next(row for row in h.sb.jobs() if row["id"] == job_id)["status"] == "completed"
        r = await c.call_tool("list_jobs", {"provider": "aftercare", "limit": 100})
        (j,) = [x for x in r.structured_content["jobs"] if x["id"] == job_id]
        assert (j["status"], j["provider_status"], j["dated_by"]) == (
            "completed",
            "completed",
            "completed_at",
        )
        completed_at = h.sb.raw_coding(job_id)["results"]["completedAt"]
        from datetime import datetime

        assert datetime.fromisoformat(j["dated_at"]) == datetime.fromisoformat(
            completed_at.replace("Z", "+00:00")
        )
        r = await c.call_tool("get_coding_results", {"job_id": job_id})
        assert r.is_error is False
        assert r.structured_content["questions_total"] == len(
            h.sb.raw_coding(job_id)["results"]["questionCodes"]
        )


async def test_surveycoder_progress_advances(h: Harness):
    job_id = h.job("surveycoder", "one_call", "processing")
    async with h.client() as c:
        r1 = (await c.call_tool("get_job", {"job_id": job_id})).structured_content
        h.sb.clock.advance(300)
        r2 = (await c.call_tool("get_job", {"job_id": job_id})).structured_content
    raw = h.sb.raw_surveycoder_job(job_id)["progress"]
    assert r1["status"] == "running"
    assert r2["progress"]["processed"] > r1["progress"]["processed"]
    assert r2["progress"] == {
        "processed": raw["processed"],
        "total": raw["total"],
        "percent": raw["percentage"],
    }


async def test_surveycoder_results_survive_restart_without_requests(h: Harness):
    """SurveyCoder jobs expire upstream after 24 h: finished results are kept in the local store."""
    job_id = "job_d5425bb9cfa5229130ee77b4"  # a completed one_call job of seed 7
    async with h.client() as c:
        first = await c.call_tool("get_coding_results", {"job_id": job_id, "question_id": "Q1"})
    assert first.is_error is False
    before = h.requests()
    async with h.client() as c:  # fresh server, same data dir
        again = await c.call_tool("get_coding_results", {"job_id": job_id, "question_id": "Q1"})
    assert again.is_error is False
    assert h.requests() == before  # not even a status request
    assert again.structured_content == first.structured_content


async def test_a_codebook_survives_restart_without_requests(h: Harness):
    """A codebook is a SurveyCoder result too: after a restart it is read from the store."""
    from survey_jobs_mcp.server import result_codec
    from survey_jobs_mcp.server.store import Store
    from tests.mcp_support import eventually

    job_id = h.job("surveycoder", "codebook_generation", "completed")
    async with h.client() as c:
        first = await c.call_tool("get_coding_results", {"job_id": job_id, "max_tokens": 20000})
    assert first.is_error is False
    assert first.structured_content["codebook"]["codes_total"] > 0

    def stored() -> bool:
        with Store.open(h.settings.store_path) as store:
            return store.cache_get_decoded(job_id, result_codec.decode_codebook) is not None

    await eventually(stored, "the codebook in the result cache")
    before = h.requests()
    async with h.client() as c:  # fresh server, same data dir
        again = await c.call_tool("get_coding_results", {"job_id": job_id, "max_tokens": 20000})
    assert again.is_error is False
    assert h.requests() == before  # not even a status request
    assert again.structured_content == first.structured_content
