"""Snapshots of what the client sees: tool schemas/annotations and one full response per tool mode.

Written when UPDATE_SNAPSHOTS=1, otherwise compared exactly. The sandbox clock is fixed
(SANDBOX_START) and the zone is Europe/Berlin, so the outputs are deterministic.
"""

from __future__ import annotations

import json

import pytest

from tests.mcp_support import Harness, text_of
from tests.snapshot_support import check_snapshot

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]


def no_leaks(h: Harness, content: str) -> None:
    for leak in (
        str(h.data_dir),
        "127.0.0.1",
        "localhost",
        str(h.srv.aftercare_url),
        h.sb.keys.aftercare,
        h.sb.keys.surveycoder,
    ):
        assert leak not in content


async def test_tools_schema_snapshot(h: Harness):
    async with h.client() as c:
        tools = sorted((await c.list_tools()).tools, key=lambda t: t.name)
    assert [t.name for t in tools] == [
        "compare_coding_results",
        "export_results",
        "get_coding_results",
        "get_job",
        "get_quality_results",
        "list_jobs",
        "wait_for_jobs",
    ]
    for t in tools:
        a = t.annotations
        writes = t.name == "export_results"  # a new file each call: not read-only, not idempotent
        assert (a.read_only_hint, a.open_world_hint, a.destructive_hint) == (not writes, True, False)
        assert a.idempotent_hint is (not writes)
        assert t.title and t.description
        assert t.output_schema and t.output_schema.get("type") == "object"
        assert "ctx" not in t.input_schema.get("properties", {})
    snap = {
        t.name: {
            "title": t.title,
            "description": t.description,
            "annotations": t.annotations.model_dump(mode="json", exclude_none=True),
            "input_schema": t.input_schema,
            "output_schema": t.output_schema,
        }
        for t in tools
    }
    check_snapshot("mcp_tools.json", json.dumps(snap, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


async def test_server_instructions_mention_list_jobs(h: Harness):
    server = h.server()
    assert "list_jobs" in (server.instructions or "")
    assert "get_job" in server.instructions


RESPONSES = [
    ("list_jobs", "list_jobs", {}),
    ("get_job", "get_job", {"job_id": "8d8e423d-47c4-4c67-869f-bc3b50931b51"}),
    ("coding_overview", "get_coding_results", {"job_id": "8d8e423d-47c4-4c67-869f-bc3b50931b51"}),
    (
        "coding_question",
        "get_coding_results",
        {"job_id": "8d8e423d-47c4-4c67-869f-bc3b50931b51", "question_id": "Q1_going_well"},
    ),
    (
        "coding_code",
        "get_coding_results",
        {
            "job_id": "8d8e423d-47c4-4c67-869f-bc3b50931b51",
            "question_id": "Q1_going_well",
            "code_id": "3",
            "max_tokens": 1000,
        },
    ),
    (
        "coding_surveycoder",
        "get_coding_results",
        {"job_id": "job_2d736ac2c935cc1c5631fb09", "max_tokens": 1000},
    ),
    (
        "quality",
        "get_quality_results",
        {"job_id": "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274", "max_tokens": 1500},
    ),
    (
        "quality_respondent",
        "get_quality_results",
        {
            "job_id": "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274",
            "respondent_id": "RESP-000127",
            "max_tokens": 1000,
        },
    ),
]


@pytest.mark.parametrize("name, tool, args", RESPONSES, ids=[r[0] for r in RESPONSES])
async def test_response_snapshot(h: Harness, name, tool, args):
    r = await h.call(tool, args)
    assert r.is_error is False, text_of(r)
    text = text_of(r)
    structured = json.dumps(r.structured_content, indent=2, ensure_ascii=False) + "\n"
    no_leaks(h, text + structured)
    check_snapshot(f"mcp_{name}.md", f"<!-- {tool} {json.dumps(args, sort_keys=True)} -->\n{text}\n")
    check_snapshot(f"mcp_{name}.json", structured)
