"""Fault injection over real HTTP, and the CLI fault-spec parser."""

from __future__ import annotations

import json
import time

import anyio
import httpx
import pytest

from survey_jobs_mcp.server.sandbox import Fault, Sandbox, SandboxServer, parse_fault_spec
from survey_jobs_mcp.server.sandbox.cli import add_sandbox_arguments
from tests.sandbox_support import CODING_SPEC, DQ_SPEC, component, validate_coding_body, validate_sc


def _coding_id(sb: Sandbox) -> str:
    return next(r["id"] for r in sb.jobs() if r["kind"] == "coding" and r["status"] == "completed")


def _sc_id(sb: Sandbox) -> str:
    return next(r["id"] for r in sb.jobs() if r["provider"] == "surveycoder")


def test_first_two_calls_fail_third_succeeds(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    job_id = _coding_id(sandbox)
    sandbox.faults.add("aftercare.coding.get", Fault.status(503), calls={1, 2})
    with httpx.Client(
        base_url=sandbox_server.aftercare_url, headers={"X-Aftercare-Key": sandbox.keys.aftercare}
    ) as c:
        statuses = [c.get(f"/api/v1/coding/{job_id}") for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].json() == {"code": "SERVICE_UNAVAILABLE", "message": "Service temporarily unavailable"}
    component(CODING_SPEC, "Error", statuses[0].json())
    validate_coding_body(statuses[2].json())


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_5xx_bodies_in_provider_shape(sandbox: Sandbox, sandbox_server: SandboxServer, code: int) -> None:
    sandbox.faults.add("*", Fault.status(code))
    r = httpx.get(
        f"{sandbox_server.aftercare_url}/api/v1/data-quality/batch/{_coding_id(sandbox)}",
        headers={"X-Aftercare-Key": sandbox.keys.aftercare},
    )
    assert r.status_code == code
    component(DQ_SPEC, "Error", r.json())
    r = httpx.get(
        f"{sandbox_server.surveycoder_url}/v2/jobs", headers={"x-api-key": sandbox.keys.surveycoder}
    )
    assert r.status_code == code
    validate_sc(code, "/v2/jobs", r.json())
    assert r.json()["error"]["doc_url"].startswith("https://docs.surveycoder.io/errors/")
    assert "x-ratelimit-remaining" in r.headers and "x-request-id" in r.headers


def test_429_has_retry_after(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    sandbox.faults.add("surveycoder.jobs.get", Fault.status(429, retry_after=5), calls={1})
    sandbox.faults.add("aftercare.coding.get", Fault.status(429))
    url = f"{sandbox_server.surveycoder_url}/v2/jobs/{_sc_id(sandbox)}"
    r = httpx.get(url, headers={"x-api-key": sandbox.keys.surveycoder})
    assert (r.status_code, r.headers["retry-after"]) == (429, "5")
    validate_sc(429, "/v2/jobs/{id}", r.json())
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    assert r.json()["error"]["message"] == "Rate limit exceeded. Retry after 5 seconds."
    assert httpx.get(url, headers={"x-api-key": sandbox.keys.surveycoder}).status_code == 200
    r = httpx.get(f"{sandbox_server.aftercare_url}/api/v1/coding/{_coding_id(sandbox)}")
    assert (r.status_code, r.headers["retry-after"]) == (429, "1")
    component(CODING_SPEC, "Error", r.json())


def test_truncated_invalid_json_and_drop(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    job_id = _coding_id(sandbox)
    sandbox.faults.add("aftercare.coding.get", Fault.truncated(), calls={1})
    sandbox.faults.add("aftercare.coding.get", Fault.invalid_json(), calls={2})
    sandbox.faults.add("aftercare.coding.get", Fault.drop(), calls={3})
    with httpx.Client(
        base_url=sandbox_server.aftercare_url, headers={"X-Aftercare-Key": sandbox.keys.aftercare}
    ) as c:
        full = sandbox.raw_coding(job_id)
        r = c.get(f"/api/v1/coding/{job_id}")
        assert r.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            r.json()
        assert r.text.startswith('{"batchJobId":"' + job_id)
        r = c.get(f"/api/v1/coding/{job_id}")
        assert r.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            r.json()
        with pytest.raises(httpx.TransportError):
            c.get(f"/api/v1/coding/{job_id}")
        body = c.get(f"/api/v1/coding/{job_id}").json()
        assert body["status"] == full["status"]
    assert sandbox.faults.calls("aftercare.coding.get") == 4
    sandbox.faults.clear()
    assert sandbox.faults.calls("aftercare.coding.get") == 0


@pytest.mark.anyio
async def test_latency_is_async(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    sandbox.faults.add("surveycoder.jobs.list", Fault.latency(0.5))
    async with httpx.AsyncClient(headers={"x-api-key": sandbox.keys.surveycoder}) as c:
        start = time.monotonic()
        results: dict[str, float] = {}

        async def call(name: str, path: str) -> None:
            await c.get(sandbox_server.surveycoder_url + path)
            results[name] = time.monotonic() - start

        async with anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(call, f"slow{i}", "/v2/jobs")
            tg.start_soon(call, "fast", f"/v2/jobs/{_sc_id(sandbox)}")
    assert all(0.5 <= results[f"slow{i}"] < 1.5 for i in range(5))  # five sleeps overlapped
    assert results["fast"] < 0.4


def test_faults_over_sandbox_routes(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    base = sandbox_server.base_url
    assert (
        httpx.post(base + "/_sandbox/faults", json={"fault": "surveycoder.jobs.list=502@1"}).status_code
        == 200
    )
    headers = {"x-api-key": sandbox.keys.surveycoder}
    assert httpx.get(sandbox_server.surveycoder_url + "/v2/jobs", headers=headers).status_code == 502
    assert httpx.get(sandbox_server.surveycoder_url + "/v2/jobs", headers=headers).status_code == 200
    assert httpx.post(base + "/_sandbox/faults", json={"fault": "nope=502"}).status_code == 400
    calls = httpx.get(base + "/_sandbox/faults").json()["calls"]
    assert calls["surveycoder.jobs.list"] == 2 and calls["aftercare.coding.get"] == 0
    assert httpx.delete(base + "/_sandbox/faults").json() == {"faults": "cleared"}


@pytest.mark.parametrize(
    ("text", "route", "fault", "calls"),
    [
        ("aftercare.coding.get=latency:0.1", "aftercare.coding.get", Fault.latency(0.1), None),
        ("surveycoder.jobs.get=503", "surveycoder.jobs.get", Fault.status(503), None),
        ("*=503@1,2", "*", Fault.status(503), {1, 2}),
        ("aftercare.dq.get=429:5", "aftercare.dq.get", Fault.status(429, 5), None),
        ("aftercare.dq.get=429", "aftercare.dq.get", Fault("status", code=429, retry_after=1), None),
        ("surveycoder.code.post=truncated", "surveycoder.code.post", Fault.truncated(), None),
        ("aftercare.coding.post=invalid_json@3", "aftercare.coding.post", Fault.invalid_json(), {3}),
        ("surveycoder.jobs.list=drop", "surveycoder.jobs.list", Fault.drop(), None),
    ],
)
def test_parse_fault_spec(text: str, route: str, fault: Fault, calls: set[int] | None) -> None:
    assert parse_fault_spec(text) == (route, fault, calls)


@pytest.mark.parametrize(
    "text",
    [
        "503",
        "nowhere=503",
        "aftercare.coding.get=",
        "aftercare.coding.get=200",
        "aftercare.coding.get=latency:x",
        "aftercare.coding.get=503@0",
        "aftercare.coding.get=503@a",
        "aftercare.coding.get=drop:1",
        "*=teapot",
    ],
)
def test_parse_fault_spec_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_fault_spec(text)


def test_cli_arguments() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_sandbox_arguments(parser)
    args = parser.parse_args([])
    assert (args.port, args.seed, args.scale, args.page_size, args.fault) == (8787, 7, None, 500, [])
    args = parser.parse_args(["--scale", "1000", "--fault", "*=503@1", "--fault", "aftercare.dq.get=drop"])
    assert args.scale == 1000 and args.fault == ["*=503@1", "aftercare.dq.get=drop"]
    with pytest.raises(ValueError):
        Sandbox().faults.add("bogus", Fault.drop())
