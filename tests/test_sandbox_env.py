"""``SURVEY_JOBS_SANDBOX``: the MCP bundle's "sandbox mode" switch, as ``serve`` reads it.

A bundle manifest maps a boolean setting to an environment variable ("true"/"false"); it cannot add
``--sandbox`` to the command line. These tests spawn the installed console script with that variable,
exactly as Claude Desktop launches the bundle's server, and talk to it with a real MCP client.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from survey_jobs_mcp.server.cli import sandbox_from_env
from survey_jobs_mcp.server.sandbox import Sandbox

SCRIPT = Path(sys.executable).with_name("survey-jobs-mcp")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "SURVEY_JOBS_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **extra,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" 1 ", True),
        ("yes", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_sandbox_env_values(raw: str, expected: bool) -> None:
    assert sandbox_from_env({"SURVEY_JOBS_SANDBOX": raw}) is expected


def test_sandbox_env_unset_means_real_services() -> None:
    assert sandbox_from_env({}) is False


def test_sandbox_env_rejects_a_value_it_cannot_read() -> None:
    with pytest.raises(ValueError) as err:
        sandbox_from_env({"SURVEY_JOBS_SANDBOX": "maybe"})
    assert str(err.value) == (
        "SURVEY_JOBS_SANDBOX must be true or false (also 1/0, yes/no, on/off), got 'maybe'"
    )


@pytest.mark.anyio
@pytest.mark.e2e
async def test_serve_with_sandbox_env_needs_no_flag_and_no_keys(tmp_path: Path) -> None:
    """What the bundle runs with "sandbox mode" on: no `--sandbox`, no keys, the embedded sandbox."""
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
    assert "failures" not in sc or sc["failures"] == []


@pytest.mark.e2e
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
