"""compare_coding_results and export_results over stdio: the installed console script, a real client."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from tests.e2e.test_stdio import SCRIPT, _env, _text

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


async def test_compare_and_export_over_stdio(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    rows = [r for r in sandbox.jobs() if r["survey"] == "BRAND-TRACKER-2026"]
    w1, w2 = (r["id"] for r in rows if r["kind"] == "coding")
    exports = tmp_path / "my exports"
    env = _env(sandbox_server, sandbox, tmp_path) | {"SURVEY_JOBS_EXPORT_DIR": str(exports)}
    async with Client(StdioServerParameters(command=str(SCRIPT), args=[], env=env)) as client:
        r = await client.call_tool(
            "compare_coding_results", {"job_id": w2, "baseline_job_id": w1, "max_tokens": 800}
        )
        assert not r.is_error, _text(r)
        assert (
            "| `Q2` | Delivery Problems › Late delivery `11` | 116/464 (25.0%) | 39/403 (9.7%) | +15.3 |"
            in _text(r)
        )
        assert -(-len(_text(r).encode()) // 4) <= 800
        r = await client.call_tool("export_results", {"job_id": w1, "format": "csv"})
        assert not r.is_error, _text(r)
    files = sorted(exports.iterdir())
    assert [f.name for f in files] == sorted(Path(f["path"]).name for f in r.structured_content["files"])
    assert len(files) == 5 and all(f.stat().st_size > 0 for f in files)
