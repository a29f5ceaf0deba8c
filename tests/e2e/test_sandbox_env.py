"""``SURVEY_JOBS_SANDBOX`` end to end: the console script started as the MCP bundle starts it.

With "sandbox mode" on, the bundle's manifest sets ``SURVEY_JOBS_SANDBOX=true`` and passes no
``--sandbox`` flag. These tests spawn the installed console script with only that variable and talk
to it with a real MCP client. The value table: tests/unit/server/test_cli_sandbox_env.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from survey_jobs_mcp.server.sandbox import Sandbox

pytestmark = pytest.mark.e2e

SCRIPT = Path(sys.executable).with_name("survey-jobs-mcp")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "SURVEY_JOBS_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **extra,
    }


@pytest.mark.anyio
async def test_serve_with_sandbox_env_needs_no_flag_and_no_keys(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=str(SCRIPT), args=[], env=_env(tmp_path, SURVEY_JOBS_SANDBOX="true")
    )
    async with Client(params) as client:
        listed = await client.call_tool("list_jobs", {"limit": 3})
    assert not listed.is_error, listed.content
    jobs = Sandbox(seed=7).jobs()  # the embedded sandbox's default seed
    sc = listed.structured_content
    assert sc["total"] == len(jobs) >= 15
    assert sc["by_provider"] == {
        "aftercare": sum(1 for r in jobs if r["provider"] == "aftercare"),
        "surveycoder": sum(1 for r in jobs if r["provider"] == "surveycoder"),
    }
    assert sc.get("failures", []) == []


def test_serve_with_an_unreadable_sandbox_env_exits_with_the_reason(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(SCRIPT)],
        input="",
        capture_output=True,
        text=True,
        env=_env(tmp_path, SURVEY_JOBS_SANDBOX="sometimes"),
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""  # stdout belongs to the MCP protocol
    assert proc.stderr.strip() == (
        "survey-jobs-mcp: SURVEY_JOBS_SANDBOX must be true or false (also 1/0, yes/no, on/off), "
        "got 'sometimes'"
    )
