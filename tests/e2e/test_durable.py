"""Durability through the installed console script: what was read survives how hosts stop servers.

The MCP SDK's stdio client (and hosts like it) closes the server's stdin and, about 2 s later,
sends SIGTERM. Pages are stored as they are read and queued writes are flushed on stdin EOF and
on SIGTERM, so a restart right after an answer asks the provider nothing.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from survey_jobs_mcp.server.sandbox import Fault, Sandbox, SandboxServer
from survey_jobs_mcp.server.sandbox.faults import ROUTES
from tests.asgi_support import wait_until
from tests.e2e.test_stdio import SCRIPT, _env, _first
from tests.protocol_support import INITIALIZE, INITIALIZED

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def _requests(sb: Sandbox) -> int:
    return sum(sb.faults.calls(r) for r in ROUTES)


def _handshake(call: dict[str, Any]) -> str:
    messages = [
        INITIALIZE,
        INITIALIZED,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call},
    ]
    return "".join(json.dumps(m) + "\n" for m in messages)


def _spawn(env: dict[str, str], call: dict[str, Any], *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [str(SCRIPT), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(_handshake(call))
    proc.stdin.flush()
    return proc


def _close(proc: subprocess.Popen[str]) -> str:
    """Close stdin (what a host does) and wait for the process; its stderr."""
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.close()
    proc.wait(timeout=30)
    return proc.stderr.read()


def _answer(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        assert line, "server closed stdout before answering"
        message = json.loads(line)
        if message.get("id") == 2:
            return message["result"]


async def _call_again(env: dict[str, str], name: str, args: dict[str, Any]) -> Any:
    async with Client(StdioServerParameters(command=str(SCRIPT), args=[], env=env)) as client:
        return await client.call_tool(name, args)


async def test_restart_right_after_an_answer_needs_no_request(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """The SDK client's own shutdown: stdin closed, SIGTERM ~2 s later."""
    env = _env(sandbox_server, sandbox, tmp_path)
    job = _first(sandbox, provider="aftercare", kind="data_quality", status="completed")
    first = await _call_again(env, "get_quality_results", {"job_id": job})
    assert first.is_error is False
    before = _requests(sandbox)
    pages = -(-len(sandbox.raw_quality(job)["results"]["items"]) // sandbox.page_size)
    assert sandbox.faults.calls("aftercare.dq.get") == pages
    again = await _call_again(env, "get_quality_results", {"job_id": job})
    assert again.is_error is False
    assert again.structured_content == first.structured_content
    assert _requests(sandbox) == before  # not even a status request


def test_sigterm_right_after_an_answer_loses_nothing(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    env = _env(sandbox_server, sandbox, tmp_path)
    job = _first(sandbox, provider="aftercare", kind="coding", status="completed")
    proc = _spawn(env, {"name": "get_coding_results", "arguments": {"job_id": job}}, "--log-level", "INFO")
    answer = _answer(proc)
    assert answer["isError"] is False
    proc.send_signal(signal.SIGTERM)  # stdin still open: only the signal stops it
    _, stderr = proc.communicate(timeout=30)
    assert "SIGTERM: flushing pending store writes" in stderr
    assert proc.returncode == -signal.SIGTERM  # flushed, then died of the signal as usual
    before = _requests(sandbox)
    proc = _spawn(env, {"name": "get_coding_results", "arguments": {"job_id": job}})
    again = _answer(proc)
    _close(proc)
    assert again["structuredContent"] == answer["structuredContent"]
    assert _requests(sandbox) == before


def test_stdin_eof_mid_read_exits_and_the_next_start_resumes(
    sandbox: Sandbox, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    env = _env(sandbox_server, sandbox, tmp_path)
    job = _first(sandbox, provider="aftercare", kind="coding", status="completed")
    sandbox.faults.add("aftercare.coding.get", Fault.latency(0.2))
    proc = _spawn(env, {"name": "get_coding_results", "arguments": {"job_id": job}})
    wait_until(lambda: sandbox.faults.calls("aftercare.coding.get") >= 4, "the server to read a few pages")
    stderr = _close(proc)  # the host goes away mid-read
    assert proc.returncode == 0, stderr[-2000:]  # it stopped on its own, the reader with it
    read = sandbox.faults.calls("aftercare.coding.get")
    sandbox.faults.clear()
    proc = _spawn(env, {"name": "get_coding_results", "arguments": {"job_id": job}})
    answer = _answer(proc)
    _close(proc)
    assert answer["isError"] is False and answer["structuredContent"]["questions_total"] >= 1
    pages = -(-len(sandbox.store.jobs[job].data().items) // sandbox.page_size)
    # The stored pages were not fetched again (at most the one in flight at EOF).
    assert pages <= read + sandbox.faults.calls("aftercare.coding.get") <= pages + 1
