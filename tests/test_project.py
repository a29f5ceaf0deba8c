"""Project hygiene that a newcomer relies on: lint, the example config, CI == README command."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "server", "tools", "tests", "bench", "bundle"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_claude_desktop_example_is_valid_with_real_and_sandbox_entries() -> None:
    config = json.loads((ROOT / "claude_desktop_config.example.json").read_text())
    servers = config["mcpServers"]
    assert len(servers) == 2
    args = sorted(tuple(entry.get("args", [])) for entry in servers.values())
    assert args == [(), ("serve", "--sandbox")]
    assert all(entry["command"].endswith("survey-jobs-mcp") for entry in servers.values())


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    marker = readme.index("<!-- test-command -->")
    block = readme[marker:].split("```", 2)[1]
    command = block.removeprefix("bash").strip()
    extracted = subprocess.run(
        ["awk", "/<!-- test-command -->/{getline; while ($0 ~ /^```/) getline; print; exit}", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted == command
    assert "pip install -e '.[test]'" in command and "pytest" in command
    assert "awk '/<!-- test-command -->/" in (ROOT / ".ci" / "run").read_text()


def test_dependencies_are_the_product_card() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("<")[0].split("=")[0].strip() for dep in project["dependencies"]}
    # regex: Unicode property tables for tools/quoting.py (issue 10: nothing invisible gets through).
    # sniffio and msgspec were each added for a measured gain (bench/README.md, coding_100k).
    assert names == {
        "mcp",
        "httpx",
        "pydantic",
        "anyio",
        "keyring",
        "regex",
        "XlsxWriter",
        "sniffio",
        "msgspec",
    }
    assert "mcp>=2.3,<3" in project["dependencies"]
    assert project["scripts"]["survey-jobs-mcp"] == "survey_jobs_mcp.server.cli:main"


def test_tools_never_imports_server() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tools").rglob("*.py")
        if "survey_jobs_mcp.server" in path.read_text() or "from server" in path.read_text()
    ]
    assert offenders == []
