"""Errors the model reads: wrong tool for the job, unfinished jobs, bad inputs, keys (and key leaks)."""

from __future__ import annotations

import json
import logging

import pytest

from tests.mcp_support import Harness, all_output, text_of

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

CODING = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
DQ = "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274"
SC_ONE_CALL = "job_d5425bb9cfa5229130ee77b4"
PREFIX = "Error executing tool {}: "


def err(r, tool: str) -> str:
    assert r.is_error is True, text_of(r)
    text = text_of(r)
    assert text.startswith(PREFIX.format(tool)), text
    return text[len(PREFIX.format(tool)) :]


# ---------------------------------------------------------------- wrong kind / not finished
async def test_wrong_kind_names_the_right_tool(h: Harness):
    async with h.client() as c:
        msg = err(await c.call_tool("get_quality_results", {"job_id": CODING}), "get_quality_results")
        assert f'get_coding_results(job_id="{CODING}")' in msg
        assert "coding job" in msg
        msg = err(await c.call_tool("get_coding_results", {"job_id": DQ}), "get_coding_results")
        assert f'get_quality_results(job_id="{DQ}")' in msg
        assert "data-quality job" in msg
        msg = err(await c.call_tool("get_quality_results", {"job_id": SC_ONE_CALL}), "get_quality_results")
        assert f'get_coding_results(job_id="{SC_ONE_CALL}")' in msg


@pytest.mark.parametrize(
    "provider, kind, status, tool",
    [
        ("aftercare", "coding", "queued", "get_coding_results"),
        ("aftercare", "coding", "processing", "get_coding_results"),
        ("aftercare", "data_quality", "queued", "get_quality_results"),
        ("aftercare", "data_quality", "processing", "get_quality_results"),
        ("surveycoder", "one_call", "processing", "get_coding_results"),
        ("surveycoder", "auto_coding", "queued", "get_coding_results"),
    ],
)
async def test_not_finished(h: Harness, provider, kind, status, tool):
    job_id = h.job(provider, kind, status)
    msg = err(await h.call(tool, {"job_id": job_id}), tool)
    normalized = "running" if status == "processing" else "queued"
    assert f"Job {job_id} is {normalized} ({status}" in msg
    assert "results are available once it completes" in msg
    assert f'get_job(job_id="{job_id}")' in msg


@pytest.mark.parametrize(
    "provider, kind, status, tool, detail",
    [
        (
            "aftercare",
            "coding",
            "total_failure",
            "get_coding_results",
            "PROCESSING_ERROR: Failed to process survey responses",
        ),
        ("aftercare", "data_quality", "failed", "get_quality_results", "FAILED"),
        ("surveycoder", "one_call", "failed", "get_coding_results", None),
    ],
)
async def test_failed_job_has_no_results(h: Harness, provider, kind, status, tool, detail):
    job_id = h.job(provider, kind, status)
    msg = err(await h.call(tool, {"job_id": job_id}), tool)
    assert f"Job {job_id} failed" in msg
    assert "it has no results" in msg
    if detail:
        assert detail in msg
    else:
        code, message = h.sb.raw_surveycoder_job(job_id)["error"].values()
        assert f"{code}: {message[:200]}" in msg


async def test_codebook_generation_takes_no_drill_down(h: Harness):
    job_id = h.job("surveycoder", "codebook_generation", "completed")
    msg = err(await h.call("get_coding_results", {"job_id": job_id, "code_id": "1"}), "get_coding_results")
    assert "produced a codebook" in msg and "only job_id" in msg


async def test_partial_failure_is_not_an_error(h: Harness):
    job_id = h.job("aftercare", "coding", "partial_failure")
    raw = h.sb.raw_coding(job_id)["results"]
    r = await h.call("get_coding_results", {"job_id": job_id})
    assert r.is_error is False
    assert r.structured_content["failure"] == {"code": raw["code"], "message": raw["message"]}
    assert f"{raw['code'].replace('_', chr(92) + '_')} — {raw['message']}" in text_of(r)
    assert "Partially failed" in text_of(r)
    assert r.structured_content["questions"] == [] and "**Next:**" not in text_of(r)
    job = await h.call("get_job", {"job_id": job_id})
    assert "next" not in job.structured_content and job.structured_content["results"] == "none"
    assert "kept no results" in text_of(job)
    listed = await h.call("list_jobs", {"status": "partially_failed"})
    assert listed.structured_content["next"]["tool"] == "get_job"


# ---------------------------------------------------------------- bad inputs
BAD_IDS = [
    "../x",
    "%2e%2e",
    "a/b",
    " 123e4567-e89b-12d3-a456-426614174000",
    "job_XYZ",
    "job_1A2B3C4D5E6F7A8B9C0D1E2F",
    "123e4567-e89b-12d3-a456-426614174000/../x",
    "x" * 100,
]


@pytest.mark.parametrize("tool", ["get_job", "get_coding_results", "get_quality_results"])
async def test_malformed_ids_never_reach_upstream(h: Harness, tool):
    async with h.client() as c:
        before = h.requests()
        for bad in BAD_IDS:
            msg = err(await c.call_tool(tool, {"job_id": bad}), tool)
            assert "is not a valid job id" in msg
            assert "123e4567-e89b-12d3-a456-426614174000" in msg and "job_1a2b3c4d5e6f7a8b9c0d1e2f" in msg
            assert "list_jobs" in msg
        for bad in ("", "y" * 200):  # schema-level: min_length 1 / max_length 100
            r = await c.call_tool(tool, {"job_id": bad})
            assert r.is_error is True
            # one plain sentence naming the argument, no library text or links
            assert "is not accepted" in text_of(r) and "job_id" in text_of(r)
            assert "validation error" not in text_of(r) and "http" not in text_of(r)
        assert h.requests() == before


async def test_unknown_ids_not_found(h: Harness):
    async with h.client() as c:
        ghost = "00000000-0000-4000-8000-000000000000"
        for tool in ("get_job", "get_coding_results", "get_quality_results"):
            msg = err(await c.call_tool(tool, {"job_id": ghost}), tool)
            assert f"Aftercare has no coding or data-quality job with id {ghost}" in msg
            assert "list_jobs" in msg
        ghost_sc = "job_000000000000000000000000"
        for tool in ("get_job", "get_coding_results"):
            msg = err(await c.call_tool(tool, {"job_id": ghost_sc}), tool)
            assert f"SurveyCoder has no job {ghost_sc}" in msg
            assert "list_jobs" in msg


async def test_bad_cursor(h: Harness):
    async with h.client() as c:
        msg = err(await c.call_tool("list_jobs", {"cursor": "not-a-cursor"}), "list_jobs")
        assert "invalid cursor" in msg
        r = await c.call_tool("list_jobs", {"limit": 2})
        other = r.structured_content["next_cursor"]
        msg = err(await c.call_tool("list_jobs", {"cursor": other, "status": "completed"}), "list_jobs")
        assert "invalid cursor" in msg
        msg = err(
            await c.call_tool("get_quality_results", {"job_id": DQ, "cursor": "zzz"}), "get_quality_results"
        )
        assert "invalid cursor" in msg
        msg = err(
            await c.call_tool(
                "get_coding_results",
                {"job_id": CODING, "question_id": "Q1_going_well", "code_id": "1", "cursor": "zzz"},
            ),
            "get_coding_results",
        )
        assert "invalid cursor" in msg


async def test_unknown_handles_name_valid_ones(h: Harness):
    async with h.client() as c:
        msg = err(
            await c.call_tool("get_coding_results", {"job_id": CODING, "question_id": "Q9"}),
            "get_coding_results",
        )
        assert "Unknown question_id" in msg
        for qid in ("Q1_going_well", "Q2_change", "Q3_tools", "Q4_wellbeing"):
            assert qid in msg
        msg = err(
            await c.call_tool(
                "get_coding_results", {"job_id": CODING, "question_id": "Q1_going_well", "code_id": "999"}
            ),
            "get_coding_results",
        )
        assert "Unknown code_id" in msg and "Q1_going_well" in msg
        assert "`3`" in msg  # the top-level code ids are named
        msg = err(
            await c.call_tool("get_quality_results", {"job_id": DQ, "respondent_id": "RESP-999999"}),
            "get_quality_results",
        )
        assert "Unknown respondent_id" in msg
        worst = max(h.sb.raw_quality(DQ)["results"]["items"], key=lambda i: i["demeritScore"])
        assert worst["responseIdentifier"] in msg
        msg = err(
            await c.call_tool("get_quality_results", {"job_id": DQ, "issue_type": "spam"}),
            "get_quality_results",
        )
        assert "Unknown issue_type" in msg
        for t in (
            "nonsensical",
            "irrelevant",
            "low_effort",
            "llm_generated",
            "self_duplicate",
            "shared_duplicate",
        ):
            assert t in msg


@pytest.mark.parametrize("budget", [299, 20001])
async def test_max_tokens_bounds(h: Harness, budget):
    before = h.requests()
    async with h.client() as c:
        for tool, job in (("get_coding_results", CODING), ("get_quality_results", DQ)):
            r = await c.call_tool(tool, {"job_id": job, "max_tokens": budget})
            assert r.is_error is True
            assert "is not accepted" in text_of(r) and "max_tokens" in text_of(r)
            assert "validation error" not in text_of(r) and "http" not in text_of(r)
    assert h.requests() == before


# ---------------------------------------------------------------- keys
@pytest.mark.parametrize("backend", ["mem_keyring", "no_keyring"])
async def test_missing_key_names_auth_set(h: Harness, backend, request):
    request.getfixturevalue(backend)
    async with h.client(env={}) as c:
        msg = err(await c.call_tool("get_job", {"job_id": CODING}), "get_job")
        assert "survey-jobs-mcp auth set aftercare" in msg
        msg = err(await c.call_tool("get_coding_results", {"job_id": SC_ONE_CALL}), "get_coding_results")
        assert "survey-jobs-mcp auth set surveycoder" in msg
        # every provider unavailable: an error (an empty listing would read as "there are no jobs")
        msg = err(await c.call_tool("list_jobs", {}), "list_jobs")
        assert msg.startswith("No jobs could be listed: every provider failed.")
        assert "survey-jobs-mcp auth set aftercare" in msg and "survey-jobs-mcp auth set surveycoder" in msg
        # one provider asked, and it failed: an error too
        msg = err(await c.call_tool("list_jobs", {"provider": "surveycoder"}), "list_jobs")
        assert "every provider failed" in msg and "auth set surveycoder" in msg
    assert h.requests() == 0


CANARY = "scp_test_CANARY0123456789abcdefCANARY01"


async def test_rejected_key_from_keyring_names_auth_set(h: Harness, mem_keyring):
    mem_keyring.set_password("survey-jobs-mcp", "aftercare", CANARY)
    mem_keyring.set_password("survey-jobs-mcp", "surveycoder", CANARY)
    async with h.client(env={}) as c:
        msg = err(await c.call_tool("get_job", {"job_id": CODING}), "get_job")
        assert "Aftercare rejected the API key" in msg and "HTTP 403" in msg and "request id" in msg
        assert "survey-jobs-mcp auth set aftercare" in msg
        msg = err(await c.call_tool("get_job", {"job_id": SC_ONE_CALL}), "get_job")
        assert "SurveyCoder rejected the API key" in msg
        assert "survey-jobs-mcp auth set surveycoder" in msg
        assert CANARY not in msg


async def test_rejected_key_from_env_says_rejected(h: Harness):
    async with h.client(env={"AFTERCARE_API_KEY": CANARY, "SURVEYCODER_API_KEY": CANARY}) as c:
        msg = err(await c.call_tool("get_job", {"job_id": CODING}), "get_job")
        assert "Aftercare rejected the API key" in msg and "AFTERCARE_API_KEY" in msg
        msg = err(await c.call_tool("get_job", {"job_id": SC_ONE_CALL}), "get_job")
        assert "SurveyCoder rejected the API key" in msg and "SURVEYCODER_API_KEY" in msg


async def test_rejected_env_key_names_auth_set(h: Harness):
    msg = err(
        await h.call(
            "get_job", {"job_id": CODING}, env={"AFTERCARE_API_KEY": CANARY, "SURVEYCODER_API_KEY": CANARY}
        ),
        "get_job",
    )
    assert "survey-jobs-mcp auth set aftercare" in msg
    assert "AFTERCARE_API_KEY" in msg and "environment variable" in msg


EVERY_CALL = [
    ("list_jobs", {}),
    ("list_jobs", {"status": "failed"}),
    ("get_job", {"job_id": CODING}),
    ("get_job", {"job_id": SC_ONE_CALL}),
    ("get_coding_results", {"job_id": CODING}),
    ("get_coding_results", {"job_id": CODING, "question_id": "Q1_going_well", "code_id": "3"}),
    ("get_coding_results", {"job_id": SC_ONE_CALL, "question_id": "Q1"}),
    ("get_quality_results", {"job_id": DQ}),
    ("get_quality_results", {"job_id": DQ, "respondent_id": "RESP-000127"}),
    ("get_quality_results", {"job_id": CODING}),
    ("get_job", {"job_id": "../x"}),
]


async def test_keys_never_leak(h: Harness, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="survey_jobs_mcp")
    secrets = (CANARY, h.sb.keys.aftercare, h.sb.keys.surveycoder)
    outputs: list[str] = []
    for env in (h.env, {"AFTERCARE_API_KEY": CANARY, "SURVEYCODER_API_KEY": CANARY}):
        async with h.client(env=env) as c:
            for name, args in EVERY_CALL:
                outputs.append(all_output(await c.call_tool(name, args)))
    joined = "\n".join(outputs)
    assert "rejected the API key" in joined  # the canary run really was rejected
    assert "Coding results" in joined  # and the valid run really produced results
    logs = "\n".join(
        f"{rec.name} {rec.getMessage()} {rec.args!r} {rec.exc_text or ''}" for rec in caplog.records
    )
    assert caplog.records, "no log records captured"
    for secret in secrets:
        assert secret not in joined
        assert secret not in logs
        assert secret[-12:] not in joined and secret[-12:] not in logs
    assert json.dumps(joined)  # sanity
