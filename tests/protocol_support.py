"""What the server advertises, per protocol generation, and the check that each advertised feature answers.

Shared by the in-process capability test and the end-to-end suite (stdio and streamable HTTP), so
the same contract is checked on every transport and both generations: 2025-11-25 (``initialize``,
what Claude Desktop and Claude Code speak today) and 2026-07-28 (``server/discover``).
"""

from __future__ import annotations

import warnings
from typing import Any

import mcp
from mcp.types import METHOD_NOT_FOUND, PromptReference

LEGACY = "2025-11-25"
MODERN = "2026-07-28"

TOOL_NAMES = [
    "list_jobs",
    "get_job",
    "get_coding_results",
    "get_quality_results",
    "compare_coding_results",
    "export_results",
    "wait_for_jobs",
]
"""Every tool, in the order the server lists them (written out, not read from the catalog)."""

INITIALIZE: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
"""The raw JSON-RPC ``initialize`` request of a 2025-11-25 client (id 1), for tests below the SDK client."""
INITIALIZED: dict[str, Any] = {"jsonrpc": "2.0", "method": "notifications/initialized"}

EXPECTED_CAPABILITIES: dict[str, dict[str, Any]] = {
    # 2025-11-25: resources/subscribe is served; lists never change, so no listChanged.
    LEGACY: {
        "tools": {"listChanged": False},
        "prompts": {"listChanged": False},
        "resources": {"subscribe": True, "listChanged": False},
        "completions": {},
    },
    # 2026-07-28: every change kind rides subscriptions/listen, which is served (the SDK derives
    # all four flags from it; our lists are static, so the list-changed kinds simply never fire).
    MODERN: {
        "tools": {"listChanged": True},
        "prompts": {"listChanged": True},
        "resources": {"subscribe": True, "listChanged": True},
        "completions": {},
    },
}


async def _answers(call: Any) -> bool:
    """True if the request answers, False if the server says it does not serve the method."""
    try:
        await call()
    except mcp.MCPError as exc:
        assert exc.error.code == METHOD_NOT_FOUND, exc.error
        return False
    return True


async def check_advertised_capabilities_answer(c: mcp.Client) -> None:
    """Advertised capabilities are exactly the expected ones, and each one answers with content."""
    version = c.protocol_version
    advertised = c.server_capabilities.model_dump(by_alias=True, exclude_none=True)
    assert advertised == EXPECTED_CAPABILITIES[version], advertised

    assert len((await c.list_tools()).tools) >= 4
    assert len((await c.list_prompts()).prompts) >= 3
    assert [str(r.uri) for r in (await c.list_resources()).resources] == ["survey-jobs://jobs"]
    assert len((await c.list_resource_templates()).resource_templates) == 2
    completion = await c.complete(
        PromptReference(type="ref/prompt", name="summarise_coding_job"), {"name": "job_id", "value": ""}
    )
    assert completion.completion.values, "completions advertised but nothing completes"
    assert not await _answers(lambda: c.set_logging_level("info")), "logging answers but is not advertised"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resources/subscribe is deprecated from 2026-07-28 on
        subscribe_answers = await _answers(lambda: c.subscribe_resource("survey-jobs://jobs"))
        if version == LEGACY:
            assert subscribe_answers
            assert await _answers(lambda: c.unsubscribe_resource("survey-jobs://jobs"))
            return
    assert not subscribe_answers  # the 2025 method is gone on 2026-07-28: listen replaces it
    async with c.listen(
        tools_list_changed=True,
        prompts_list_changed=True,
        resources_list_changed=True,
        resource_subscriptions=["survey-jobs://jobs"],
    ) as sub:
        honored = sub.honored.model_dump(by_alias=True, exclude_none=True)
    assert honored == {
        "toolsListChanged": True,
        "promptsListChanged": True,
        "resourcesListChanged": True,
        "resourceSubscriptions": ["survey-jobs://jobs"],
    }
