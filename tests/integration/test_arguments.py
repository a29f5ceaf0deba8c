"""Tool arguments through a real MCP client: unknown names, numbers as ids, plain sentences.

The server is ``build_server`` with ``install_argument_checks`` (what ``build_server`` itself will
call), on the sandbox over real HTTP, on both protocol generations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp
import pytest

from survey_jobs_mcp.server.arguments import check_arguments, install_argument_checks
from tests.mcp_support import Harness, text_of

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

CODING = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
DQ = "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274"
LIMIT = "limit takes a whole number from 1 to 1000 or null (or leave it out)."
LIBRARY_TEXT = ("validation error", "pydantic", "http://", "https://", "input_value", "type=")


@asynccontextmanager
async def checked(h: Harness, mode: str = "auto") -> AsyncIterator[mcp.Client]:
    server = h.server()
    install_argument_checks(server)
    install_argument_checks(server)  # idempotent
    async with mcp.Client(server, mode=mode) as client:
        yield client


def error_text(result: Any, tool: str) -> str:
    assert result.is_error is True, text_of(result)
    text = text_of(result)
    prefix = f"Error executing tool {tool}: "
    assert text.startswith(prefix), text
    body = text[len(prefix) :]
    for library in LIBRARY_TEXT:
        assert library not in body, body
    return body


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_misspelled_argument_names_the_closest_valid_one(h: Harness, mode: str) -> None:
    before = h.requests()
    async with checked(h, mode) as c:
        r = await c.call_tool("get_coding_results", {"job_id": CODING, "questionId": "Q1_going_well"})
        body = error_text(r, "get_coding_results")
        assert body == (
            "questionId is not an argument of get_coding_results: did you mean question_id? it takes "
            "job_id, question_id, code_id, max_tokens, examples_per_code, cursor, exclude_flagged_in, "
            "exclude."
        )
        r = await c.call_tool("list_jobs", {"stauts": "failed", "limitt": 5, "zzz": 1})
        body = error_text(r, "list_jobs")
        assert "stauts is not an argument of list_jobs: did you mean status?" in body
        assert "limitt is not an argument of list_jobs: did you mean limit?" in body
        assert (
            "zzz is not an argument of list_jobs: it takes status, provider, since, until, limit, "
            "max_tokens, cursor." in body
        )
        r = await c.call_tool("get_quality_results", {"job_id": DQ, "respondentID": "RESP-000127"})
        assert "did you mean respondent_id?" in error_text(r, "get_quality_results")
    assert h.requests() == before  # refused before any upstream call


async def test_number_ids_are_accepted_as_strings(h: Harness) -> None:
    async with checked(h) as c:
        as_int = await c.call_tool(
            "get_coding_results", {"job_id": CODING, "question_id": "Q1_going_well", "code_id": 3}
        )
        as_str = await c.call_tool(
            "get_coding_results", {"job_id": CODING, "question_id": "Q1_going_well", "code_id": "3"}
        )
        assert not as_int.is_error, text_of(as_int)
        assert text_of(as_int) == text_of(as_str)
        assert as_int.structured_content == as_str.structured_content
        # An integral float is the same id; a lax integer (a digit string) is the same limit.
        as_float = await c.call_tool(
            "get_coding_results", {"job_id": CODING, "question_id": "Q1_going_well", "code_id": 3.0}
        )
        assert text_of(as_float) == text_of(as_str)
        limited = await c.call_tool("list_jobs", {"limit": "3", "status": "FAILED"})
        assert not limited.is_error and len(limited.structured_content["jobs"]) <= 3


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("list_jobs", {"limit": 0}, f"limit=0 is not accepted: {LIMIT}"),
        ("list_jobs", {"limit": 1001}, f"limit=1001 is not accepted: {LIMIT}"),
        ("list_jobs", {"limit": "lots"}, f'limit="lots" is not accepted: {LIMIT}'),
        ("list_jobs", {"limit": True}, f"limit=true is not accepted: {LIMIT}"),
        (
            "list_jobs",
            {"status": "nope"},
            'status="nope" is not accepted: status takes one of queued, running, completed, '
            "partially_failed, failed, any.",
        ),
        (
            "list_jobs",
            {"provider": 3},
            "provider=3 is not accepted: provider takes one of all, aftercare, surveycoder.",
        ),
        (
            "get_coding_results",
            {"job_id": CODING, "max_tokens": 299},
            "max_tokens=299 is not accepted: max_tokens takes a whole number from 300 to 20000.",
        ),
        (
            "get_coding_results",
            {"job_id": CODING, "examples_per_code": 2.5},
            "examples_per_code=2.5 is not accepted: examples_per_code takes a whole number from 0 to 5.",
        ),
        (
            "get_quality_results",
            {"job_id": DQ, "min_demerit": -1},
            "min_demerit=-1 is not accepted: min_demerit takes a number from 0 to 100 "
            "or null (or leave it out).",
        ),
        (
            "get_job",
            {"job_id": "y" * 200},
            "job_id=a text of 200 characters is not accepted: job_id takes text of 1 to 100 characters.",
        ),
        ("get_job", {"job_id": ""}, 'job_id="" is not accepted: job_id takes text of 1 to 100 characters.'),
        ("get_job", {}, "job_id is missing: get_job needs text of 1 to 100 characters."),
        (
            "get_coding_results",
            {"job_id": CODING, "code_id": [3]},
            "code_id=[3] is not accepted: code_id takes text of at most 200 characters "
            "or null (or leave it out).",
        ),
    ],
)
async def test_each_validation_error_is_one_plain_sentence(
    h: Harness, tool: str, args: dict[str, Any], expected: str
) -> None:
    before = h.requests()
    async with checked(h) as c:
        assert error_text(await c.call_tool(tool, args), tool) == expected
    assert h.requests() == before


async def test_several_problems_give_one_sentence_each(h: Harness) -> None:
    async with checked(h) as c:
        r = await c.call_tool("list_jobs", {"limit": 0, "status": "nope", "sincee": "today"})
    body = error_text(r, "list_jobs")
    assert body.count(".") >= 3
    assert body.startswith("limit=0 is not accepted") and 'status="nope" is not accepted' in body
    assert "sincee is not an argument of list_jobs: did you mean since?" in body


async def test_far_future_until_is_accepted(h: Harness) -> None:
    async with checked(h) as c:
        r = await c.call_tool("list_jobs", {"until": "9999-12-31", "since": "0001-01-01"})
        plain = await c.call_tool("list_jobs", {})
    assert not r.is_error, text_of(r)
    assert r.structured_content["total"] == plain.structured_content["total"]
    assert "until 9999-" in text_of(r)


def test_check_arguments_leaves_unknown_schema_shapes_to_the_sdk() -> None:
    schema = {"properties": {"x": {"type": "object"}, "flag": {"type": "boolean"}}, "required": ["x"]}
    fixed, problems = check_arguments("t", schema, {"x": {"a": 1}, "flag": False})
    assert fixed == {"x": {"a": 1}, "flag": False} and problems == []
    _, problems = check_arguments("t", schema, {"flag": "yes"})
    assert problems == [
        'flag="yes" is not accepted: flag takes true or false.',
        "x is missing: t needs a value of the documented type.",
    ]
