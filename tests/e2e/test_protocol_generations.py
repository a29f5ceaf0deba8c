"""End to end on both transports and both protocol generations: every tool, prompt, resource and
completion, the advertised capabilities, and resource-update notifications.

The installed console script runs ``serve --sandbox`` (the embedded sandbox, seed 7, no keys):
over stdio one process per client, over streamable HTTP one process for both clients (which
send a bearer token from ``SURVEY_JOBS_HTTP_TOKENS``, as a shared deployment requires). Each
transport gets a 2025-11-25 client (the ``initialize`` handshake Claude Desktop and Claude Code use
today) and a 2026-07-28 client (``server/discover``). The four connections are opened once for the
module; tests are parametrized over them. Expected numbers come from a local ``Sandbox(seed=7)``,
which builds the same jobs and results as the embedded one.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import anyio
import httpx
import httpx2
import mcp
import pytest
from mcp import StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated
from mcp.types import PromptReference, ResourceTemplateReference, ResourceUpdatedNotification

from survey_jobs_mcp.server.sandbox import Sandbox
from tests.asgi_support import wait_until
from tests.protocol_support import LEGACY, MODERN, check_advertised_capabilities_answer

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

SCRIPT = Path(sys.executable).with_name("survey-jobs-mcp")
SANDBOX_URL = re.compile(r"embedded sandbox \(Aftercare (http://127\.0\.0\.1:\d+)")
MODES = {LEGACY: "legacy", MODERN: "auto"}
CONNECTIONS = [(transport, version) for transport in ("stdio", "http") for version in (LEGACY, MODERN)]
DQ = "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274"
SC_ONE_CALL = "job_d5425bb9cfa5229130ee77b4"
LATE_JOB = "fe086089-bd5e-4d84-b9f1-96de4d3d7695"
"""Queued at the sandbox's start, running from +3 min, done at +15 min: the job of the seed-7
catalog that stays unfinished longest, so a test can watch it change."""
WAIT_S = 30  # bounds for things that must happen, not speed assertions
HTTP_TOKEN = "e2e-" + "7" * 40
"""Sent on every HTTP request and accepted by the server (``SURVEY_JOBS_HTTP_TOKENS``), for
servers that require a bearer token on streamable HTTP; a server that does not check ignores it."""
HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)  # the SDK's own defaults (long-lived SSE reads)

SB = Sandbox(seed=7)


@dataclass
class Connection:
    client: mcp.Client
    sandbox_url: str
    """The embedded sandbox behind this connection's server (clock control)."""
    updated: list[str]
    """URIs of the resource-updated notifications this client received (2025-11-25)."""


def _recorder(updated: list[str]) -> Any:
    async def on_message(message: object) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            updated.append(str(message.params.uri))

    return on_message


def _env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "PATH": str(SCRIPT.parent),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def _sandbox_url(log: Path) -> str:
    """The embedded sandbox's URL, from the server's start-up line on stderr."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = SANDBOX_URL.search(log.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no sandbox URL in the server log:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``serve --sandbox --transport streamable-http``: (MCP endpoint, sandbox URL)."""
    home = tmp_path_factory.mktemp("http")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = home / "server.log"
    with log.open("w") as errlog:
        proc = subprocess.Popen(
            [str(SCRIPT), "serve", "--sandbox", "--transport", "streamable-http", "--port", str(port)],
            env=_env(home) | {"SURVEY_JOBS_HTTP_TOKENS": HTTP_TOKEN},
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
    try:
        sandbox_url = _sandbox_url(log)
        wait_until(
            lambda: proc.poll() is not None or socket.socket().connect_ex(("127.0.0.1", port)) == 0,
            f"the server on port {port}",
            tries=int(WAIT_S / 0.05),
            pause=0.05,
        )
        assert proc.poll() is None, log.read_text()[-2000:]
        yield f"http://127.0.0.1:{port}/mcp", sandbox_url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
async def connections(
    http_server: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[tuple[str, str], Connection]]:
    opened: dict[tuple[str, str], Connection] = {}
    async with AsyncExitStack() as stack:
        for version, mode in MODES.items():
            home = tmp_path_factory.mktemp(f"stdio-{mode}")
            errlog: TextIO = stack.enter_context((home / "server.log").open("w"))
            params = StdioServerParameters(command=str(SCRIPT), args=["serve", "--sandbox"], env=_env(home))
            updated: list[str] = []
            client = mcp.Client(
                stdio_client(params, errlog=errlog), mode=mode, message_handler=_recorder(updated)
            )
            await stack.enter_async_context(client)
            opened[("stdio", version)] = Connection(client, _sandbox_url(home / "server.log"), updated)
        url, sandbox_url = http_server
        for version, mode in MODES.items():
            updated = []
            headers = {"Authorization": f"Bearer {HTTP_TOKEN}"}
            http = await stack.enter_async_context(httpx2.AsyncClient(headers=headers, timeout=HTTP_TIMEOUT))
            transport = streamable_http_client(url, http_client=http)
            client = mcp.Client(transport, mode=mode, message_handler=_recorder(updated))
            await stack.enter_async_context(client)
            opened[("http", version)] = Connection(client, sandbox_url, updated)
        for (_, version), connection in opened.items():
            assert connection.client.protocol_version == version
        yield opened


@pytest.fixture(params=CONNECTIONS, ids=[f"{t}-{v}" for t, v in CONNECTIONS])
def c(request: pytest.FixtureRequest, connections: dict[tuple[str, str], Connection]) -> mcp.Client:
    return connections[request.param].client


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content)


async def test_advertised_capabilities_answer(c: mcp.Client) -> None:
    await check_advertised_capabilities_answer(c)


async def test_every_tool(c: mcp.Client) -> None:
    listed = await c.call_tool("list_jobs", {"limit": 100})
    assert not listed.is_error, _text(listed)
    assert listed.structured_content["total"] == len(SB.jobs()) == 24
    assert {j["id"] for j in listed.structured_content["jobs"]} == {r["id"] for r in SB.jobs()}

    job = await c.call_tool("get_job", {"job_id": DQ})
    assert (job.structured_content["status"], job.structured_content["kind"]) == ("completed", "data_quality")

    coding = await c.call_tool("get_coding_results", {"job_id": SC_ONE_CALL, "max_tokens": 800})
    assert not coding.is_error, _text(coding)
    assert f"**Base:** {len(SB.raw_surveycoder_job(SC_ONE_CALL)['result']['results'])} responses" in _text(
        coding
    )

    quality = await c.call_tool("get_quality_results", {"job_id": DQ, "max_tokens": 1200})
    assert f"**Respondents scored:** {len(SB.raw_quality(DQ)['results']['items'])}" in _text(quality)


@pytest.mark.parametrize(
    "name, args, first_call",
    [
        ("failed_jobs_today", {}, 'list_jobs(status="failed", since="today")'),
        ("summarise_coding_job", {"job_id": SC_ONE_CALL}, f'get_job(job_id="{SC_ONE_CALL}")'),
        ("data_quality_report", {"job_id": DQ}, f'get_job(job_id="{DQ}")'),
        ("compare_waves", {"job_id": SC_ONE_CALL, "baseline_job_id": SC_ONE_CALL}, "compare_coding_results("),
        ("clean_themes", {"coding_job_id": SC_ONE_CALL, "quality_job_id": DQ}, f'exclude_flagged_in="{DQ}"'),
    ],
)
async def test_every_prompt(c: mcp.Client, name: str, args: dict[str, str], first_call: str) -> None:
    assert name in {p.name for p in (await c.list_prompts()).prompts}
    result = await c.get_prompt(name, args)
    assert first_call in result.messages[0].content.text


async def test_every_resource(c: mcp.Client) -> None:
    jobs = (await c.read_resource("survey-jobs://jobs")).contents[0].text
    assert all(row["id"] in jobs for row in SB.jobs())
    job = (await c.read_resource(f"survey-jobs://jobs/{DQ}")).contents[0].text
    assert job.startswith(f"# Job `{DQ}`") and "**Status:** completed" in job
    summary = (await c.read_resource(f"survey-jobs://jobs/{SC_ONE_CALL}/summary")).contents[0]
    assert summary.mime_type == "text/markdown"
    assert f"job `{SC_ONE_CALL}`" in summary.text and "**Base:**" in summary.text


@pytest.mark.parametrize(
    "ref, kinds",
    [
        (
            PromptReference(type="ref/prompt", name="summarise_coding_job"),
            {"coding", "one_call", "auto_coding"},
        ),
        (PromptReference(type="ref/prompt", name="data_quality_report"), {"data_quality"}),
        (ResourceTemplateReference(type="ref/resource", uri="survey-jobs://jobs/{job_id}/summary"), None),
    ],
    ids=["coding", "quality", "any"],
)
async def test_every_completion(c: mcp.Client, ref: Any, kinds: set[str] | None) -> None:
    result = await c.complete(ref, {"name": "job_id", "value": ""})
    expected = {r["id"] for r in SB.jobs() if kinds is None or r["kind"] in kinds}
    assert sorted(result.completion.values) == sorted(expected)
    assert result.completion.total == len(expected)


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_status_change_notifies_subscribers_of_both_generations(
    connections: dict[tuple[str, str], Connection], transport: str
) -> None:
    """Over HTTP one server serves both clients: a change that one client's call reveals reaches
    the other client's subscription too."""
    legacy, modern = connections[(transport, LEGACY)], connections[(transport, MODERN)]
    uri = f"survey-jobs://jobs/{LATE_JOB}"
    for connection in (legacy, modern):
        before = await connection.client.call_tool("get_job", {"job_id": LATE_JOB})
        assert before.structured_content["status"] in ("queued", "running")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        await legacy.client.subscribe_resource(uri)
    async with modern.client.listen(resource_subscriptions=[uri]) as sub:
        async with httpx.AsyncClient() as http:
            for sandbox_url in {legacy.sandbox_url, modern.sandbox_url}:
                (
                    await http.post(f"{sandbox_url}/_sandbox/clock", json={"advance": 86_400})
                ).raise_for_status()
        for connection in (modern, legacy):
            after = await connection.client.call_tool("get_job", {"job_id": LATE_JOB})
            assert after.structured_content["status"] == "completed"
        with anyio.fail_after(WAIT_S):
            event = await sub.__anext__()
            while not legacy.updated:
                await anyio.sleep(0.02)
    assert event == ResourceUpdated(uri=uri)
    assert legacy.updated == [uri]
