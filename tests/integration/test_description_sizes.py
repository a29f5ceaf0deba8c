"""What the model reads first stays under 2 KB, read as a host reads it: through an MCP client.

Claude Code cuts tool descriptions and server instructions at 2 KB (2,048 bytes of UTF-8); anything
past that never reaches the model. Checked on both protocol generations, since the instructions
travel in ``initialize`` on 2025-11-25 and in ``server/discover`` on 2026-07-28.
"""

from __future__ import annotations

from pathlib import Path

import mcp
import pytest

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.settings import Settings

LIMIT = 2048  # bytes of UTF-8


@pytest.mark.anyio
@pytest.mark.parametrize(("mode", "protocol"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
async def test_instructions_and_each_tool_description_are_under_2_kb(
    tmp_path: Path, mode: str, protocol: str
) -> None:
    server = build_server(Settings.from_env({"SURVEY_JOBS_DATA_DIR": str(tmp_path)}), env={})
    async with mcp.Client(server, mode=mode) as client:
        assert client.protocol_version == protocol
        instructions = client.instructions or ""
        tools = (await client.list_tools()).tools
    assert instructions, "the server sends no instructions"
    assert len(instructions.encode("utf-8")) < LIMIT, len(instructions.encode("utf-8"))
    assert len(tools) >= 4
    sizes = {t.name: len((t.description or "").encode("utf-8")) for t in tools}
    assert all(size > 0 for size in sizes.values()), sizes
    assert {name: size for name, size in sizes.items() if size >= LIMIT} == {}
