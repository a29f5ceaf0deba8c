"""A call stopped at the tool deadline says which provider it waited for, what it had read, and why."""

from __future__ import annotations

import pytest

from survey_jobs_mcp.server.sandbox import Fault
from survey_jobs_mcp.tools.catalog import runtime
from tests.mcp_support import Harness, text_of

pytest_plugins = ["tests.mcp_support"]

SC_JOB_ROUTE = "surveycoder.jobs.get"


@pytest.mark.anyio
async def test_a_slow_provider_is_named_as_the_cause(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "TOOL_DEADLINE_S", 0.6)  # stands in for 44 s
    h.sb.faults.add(SC_JOB_ROUTE, Fault.latency(3.0))
    job_id = h.job("surveycoder", "one_call", "completed")
    async with h.client() as c:
        result = await c.call_tool("get_job", {"job_id": job_id})
    assert result.is_error is True
    text = text_of(result)
    assert f"Looking up job {job_id} took longer than 1 s and was stopped" in text
    assert "Provider: SurveyCoder. Nothing had been read yet." in text
    assert "Likely cause: SurveyCoder answered slowly" in text and "Try again in a minute." in text


def test_no_request_in_flight_blames_this_server_not_the_provider() -> None:
    text = runtime._diagnosis({"Aftercare": 3.0}, {"Aftercare": 3.0}, ["Read 4 page(s) of coding results"])
    assert text.startswith("Read so far: Read 4 page(s) of coding results.")
    assert "No provider request was in progress: this server was busy" in text
    assert "answered slowly" not in text


def test_little_waiting_means_local_contention() -> None:
    text = runtime._diagnosis({}, {"Aftercare": 2.0}, [])
    assert text.startswith("Provider: Aftercare. Nothing had been read yet.")
    assert "Likely cause: this server was busy (only 2 s of the 44 s went to waiting for Aftercare)" in text
