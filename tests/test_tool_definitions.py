"""What a host pays for our tools on every turn, measured through a real MCP client (tools/list).

Measured as ceil(UTF-8 bytes / 4) of compact JSON: what a host forwards to the model (name, title,
description, input schema, annotations) at most 450 tokens per tool on average, and every output
schema at most 600. Lean must not mean loose: every output schema still types every field, lists
the required ones, and real answers validate against it while broken ones do not.
"""

from __future__ import annotations

import json
import math

import jsonschema
import pytest

from tests.mcp_support import Harness, text_of

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

FORWARDED_AVG_MAX = 450
OUTPUT_SCHEMA_MAX = 600


def compact_tokens(value: object) -> int:
    return math.ceil(len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()) / 4)


def forwarded(tool) -> dict:
    wire = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
    return {k: wire[k] for k in ("name", "title", "description", "inputSchema", "annotations") if k in wire}


def _walk(schema: object):
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from _walk(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _walk(value)


async def test_tool_definitions_stay_lean(h: Harness):
    async with h.client() as c:
        tools = (await c.list_tools()).tools
    costs = {t.name: compact_tokens(forwarded(t)) for t in tools}
    outputs = {t.name: compact_tokens(t.output_schema) for t in tools}
    assert sum(costs.values()) / len(costs) <= FORWARDED_AVG_MAX, costs
    assert all(cost <= OUTPUT_SCHEMA_MAX for cost in outputs.values()), outputs
    assert len(tools) == 7


async def test_lean_output_schemas_still_validate(h: Harness):
    async with h.client() as c:
        schemas = {t.name: t.output_schema for t in (await c.list_tools()).tools}
        for schema in schemas.values():
            nodes = list(_walk(schema))
            assert not any(node.get("type") == "null" for node in nodes)  # we never send null
            objects = [n for n in nodes if "properties" in n]
            assert all(n.get("type") == "object" for n in objects)
            assert all(
                "type" in p or "$ref" in p or "anyOf" in p for n in objects for p in n["properties"].values()
            )
            assert schema.get("required")
        job = h.job("aftercare", "coding", "completed")
        dq = h.job("aftercare", "data_quality", "completed")
        tracker = [r for r in h.sb.jobs() if r["survey"] == "BRAND-TRACKER-2026"]
        w1, w2 = (r["id"] for r in tracker if r["kind"] == "coding")
        tdq = next(r["id"] for r in tracker if r["kind"] == "data_quality")
        for name, args in (
            ("list_jobs", {}),
            ("get_job", {"job_id": job}),
            ("get_coding_results", {"job_id": job}),
            ("get_quality_results", {"job_id": dq}),
            ("compare_coding_results", {"job_id": w2, "baseline_job_id": w1, "exclude_flagged_in": tdq}),
            ("export_results", {"job_id": w2}),
            ("wait_for_jobs", {"job_ids": [job]}),
        ):
            r = await c.call_tool(name, args)
            assert r.is_error is False, text_of(r)
            jsonschema.validate(r.structured_content, schemas[name])
            broken = dict(r.structured_content)
            broken.pop(schemas[name]["required"][0])
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(broken, schemas[name])
            wrong = dict(r.structured_content) | {schemas[name]["required"][-1]: None}
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(wrong, schemas[name])
