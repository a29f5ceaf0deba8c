"""End to end: the installed console script, spawned over stdio as a host app would.

The sandbox runs in this test process on a loopback port; the server subprocess reaches it over
real HTTP with the base URLs and keys passed through its environment (the stdio client passes only
an allow-list of the parent's variables, so everything is explicit here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from tests.protocol_support import INITIALIZE, INITIALIZED, TOOL_NAMES

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

SCRIPT = Path(sys.executable).with_name("survey-jobs-mcp")
TOOLS = set(TOOL_NAMES)


def _first(sb: Sandbox, **match: str) -> str:
    return next(r["id"] for r in sb.jobs() if all(r[k] == v for k, v in match.items()))


def _env(srv: SandboxServer, sb: Sandbox, tmp_path: Path, *, keys: bool = True) -> dict[str, str]:
    env = {
        "AFTERCARE_BASE_URL": srv.aftercare_url,
        "SURVEYCODER_BASE_URL": srv.surveycoder_url,
        "SURVEY_JOBS_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    if keys:
        env |= {"AFTERCARE_API_KEY": sb.keys.aftercare, "SURVEYCODER_API_KEY": sb.keys.surveycoder}
    return env


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_console_script_lists_tools_and_calls_each(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path, mode: str
) -> None:
    assert SCRIPT.exists(), f"console script missing at {SCRIPT}; install with pip install -e ."
    params = StdioServerParameters(command=str(SCRIPT), args=[], env=_env(sandbox_server, sandbox, tmp_path))
    quality = _first(sandbox, provider="aftercare", kind="data_quality", status="completed")
    one_call = _first(sandbox, provider="surveycoder", kind="one_call", status="completed")
    processing = _first(sandbox, provider="surveycoder", status="processing")
    async with Client(params, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(t.annotations.open_world_hint for t in tools.values())
        writers = {name for name, t in tools.items() if not t.annotations.read_only_hint}
        assert writers == {"export_results"}

        listed = await client.call_tool("list_jobs", {"provider": "surveycoder", "limit": 100})
        assert not listed.is_error, _text(listed)
        expected = sum(1 for r in sandbox.jobs() if r["provider"] == "surveycoder")
        assert listed.structured_content["total"] == expected

        job = await client.call_tool("get_job", {"job_id": processing})
        assert not job.is_error, _text(job)
        assert job.structured_content["status"] == "running"
        assert job.structured_content["provider_status"] == "processing"

        coding = await client.call_tool("get_coding_results", {"job_id": one_call, "max_tokens": 800})
        assert not coding.is_error, _text(coding)
        assert -(-len(_text(coding).encode()) // 4) <= 800
        raw = sandbox.raw_surveycoder_job(one_call)["result"]["results"]
        assert f"**Base:** {len(raw)} responses" in _text(coding)

        # Aftercare: untracked until a tool sees the id; get_quality_results resolves and tracks it.
        report = await client.call_tool("get_quality_results", {"job_id": quality, "max_tokens": 1200})
        assert not report.is_error, _text(report)
        items = sandbox.raw_quality(quality)["results"]["items"]
        assert f"**Respondents scored:** {len(items)}" in _text(report)

        after = await client.call_tool("list_jobs", {"provider": "aftercare"})
        assert [j["id"] for j in after.structured_content["jobs"]] == [quality]

        bad = await client.call_tool("get_job", {"job_id": "../../etc/passwd"})
        assert bad.is_error and "is not a valid job id" in _text(bad)


async def test_no_keyring_backend_and_no_keys_says_what_to_do(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    env = _env(sandbox_server, sandbox, tmp_path, keys=False)
    params = StdioServerParameters(command=str(SCRIPT), args=[], env=env)
    one_call = _first(sandbox, provider="surveycoder", kind="one_call", status="completed")
    async with Client(params) as client:
        result = await client.call_tool("get_job", {"job_id": one_call})
        text = _text(result)
        assert result.is_error
        assert "SURVEYCODER_API_KEY" in text and "survey-jobs-mcp auth set surveycoder" in text
        assert "Traceback" not in text
        listed = await client.call_tool("list_jobs", {})
        assert not listed.is_error
        failures = {f["provider"] for f in listed.structured_content.get("failures", [])}
        assert failures == {"surveycoder"}, listed.structured_content


def test_stdout_carries_only_protocol(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """Raw JSON-RPC over the pipe: every stdout line is a JSON-RPC message, logs go to stderr."""
    env = _env(sandbox_server, sandbox, tmp_path)
    env["PATH"] = str(SCRIPT.parent)
    one_call = _first(sandbox, provider="surveycoder", kind="one_call", status="completed")
    messages = [
        INITIALIZE,
        INITIALIZED,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "get_job", "arguments": {"job_id": one_call}},
        },
    ]
    proc = subprocess.Popen(
        [str(SCRIPT), "--log-level", "DEBUG"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
    proc.stdin.flush()
    parsed: list[dict[str, Any]] = []
    # Keep stdin open until the tool answer arrives: EOF cancels in-flight requests (by design).
    while not any(m.get("id") == 3 for m in parsed):
        line = proc.stdout.readline()
        assert line, "server closed stdout before answering"
        parsed.append(json.loads(line))
    rest, stderr = proc.communicate(timeout=30)
    parsed += [json.loads(line) for line in rest.splitlines() if line.strip()]
    assert proc.returncode == 0, stderr[-2000:]
    assert all(m.get("jsonrpc") == "2.0" for m in parsed)
    by_id = {m.get("id"): m for m in parsed}
    assert {t["name"] for t in by_id[2]["result"]["tools"]} == TOOLS
    assert by_id[3]["result"]["isError"] is False
    assert by_id[3]["result"]["structuredContent"]["provider_status"] == "completed"
    assert "survey_jobs_mcp" in stderr  # our DEBUG logs went to stderr
    for key in (sandbox.keys.aftercare, sandbox.keys.surveycoder):
        assert key not in json.dumps(parsed) and key not in stderr


def test_python_dash_m_server_is_the_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "survey_jobs_mcp.server", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    via_script = subprocess.run(
        [str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == via_script.stdout.strip() == "survey-jobs-mcp 0.1.0"


async def test_serve_sandbox_over_stdio_needs_no_keys(tmp_path: Path) -> None:
    """What a host app runs from the `--sandbox` entry of claude_desktop_config.example.json."""
    env = {"HOME": str(tmp_path), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    params = StdioServerParameters(command=str(SCRIPT), args=["serve", "--sandbox"], env=env)
    async with Client(params) as client:
        listed = await client.call_tool("list_jobs", {"limit": 5})
        assert not listed.is_error, _text(listed)
        sandbox_jobs = Sandbox(seed=7).jobs()  # the embedded sandbox's default seed
        providers = ("aftercare", "surveycoder")
        expected = {p: sum(1 for r in sandbox_jobs if r["provider"] == p) for p in providers}
        sc = listed.structured_content
        assert sc["by_provider"] == expected  # Aftercare jobs are pre-tracked, SurveyCoder listed upstream
        assert sc["total"] == len(sandbox_jobs) >= 15
        assert len(sc["jobs"]) == 5 and sc["next_cursor"]


def test_streamable_http_transport(tmp_path: Path) -> None:
    """`serve --transport streamable-http` for a shared deployment: a bearer token on every request,
    reached by the MCP client over HTTP; Ctrl-C (SIGINT) stops it cleanly, exit code 0, no traceback."""
    import signal
    import socket
    import time

    import anyio
    import httpx
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    token = "e2e-token-0123456789abcdefghij"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "HOME": str(tmp_path),
        "PATH": str(SCRIPT.parent),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "SURVEY_JOBS_HTTP_TOKENS": token,
    }
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", "--sandbox", "--transport", "streamable-http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)

        async def call(headers: dict[str, str]) -> Any:
            async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
                transport = streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
                async with Client(transport) as client:
                    names = {t.name for t in (await client.list_tools()).tools}
                    result = await client.call_tool("list_jobs", {"provider": "surveycoder"})
                    return names, result

        names, result = anyio.run(call, {"Authorization": f"Bearer {token}"})
        assert names == TOOLS
        assert not result.is_error and result.structured_content["total"] >= 5
        refused = httpx.post(f"http://127.0.0.1:{port}/mcp", json={}, timeout=30)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    assert f"serving MCP on http://127.0.0.1:{port}/mcp" in err and "stopped" in err
    assert token not in err and out == ""
