"""Canary keys through a real MCP client: a hostile upstream echoes the key everywhere it can.

One tiny upstream (Starlette over real HTTP) answers each job id with the HTTP status its id ends
in, echoing the key it received in the body (raw, URL-encoded, JSON-escaped) and in the headers
(request id, Location, WWW-Authenticate). Every status 300-599, an unknown job status and a job
error message containing the key, and a key with CR/LF: the key must appear in no text, no
structured content, no error and no log line captured at DEBUG (through the CLI's log filter).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import mcp
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.redact import REDACTED, install_log_redaction, install_result_scrubbing
from survey_jobs_mcp.server.settings import Settings
from tests.asgi_support import serve_asgi
from tests.mcp_support import all_output

pytestmark = pytest.mark.anyio

AC_KEY = "ac-CANARY-leak-7f3e9b2d4c1a8e6f5d0b"
SC_KEY = "scp_live_CANARYleak0123456789abcdefXY"
STATUSES = list(range(300, 600))
NOW = "2026-11-23T12:00:00Z"


def sc_id(n: int) -> str:
    return f"job_{n:024d}"


def ac_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _echo(key: str) -> dict[str, Any]:
    text = f"bad key {key} / {quote(key, safe='')} / {quote_plus(key)} / {json.dumps(key)}"
    return {
        "success": False,
        "error": {"code": f"E_{key}", "message": text},
        "code": f"E_{key}",
        "message": text,
        "echo": key,
    }


def _job_body(path: str, n: int, key: str) -> dict[str, Any]:
    """A well-formed job whose status (n=200) or error message (n=201) carries the key."""
    status, error = (f"weird {key}", None) if n == 200 else ("failed", {"code": "E", "message": f"key {key}"})
    if path.startswith("/v2/"):
        return {
            "success": True,
            "data": {
                "id": sc_id(n),
                "type": "one_call",
                "status": status,
                "progress": {"processed": 1, "total": 2, "percentage": 50},
                "created_at": NOW,
                "updated_at": NOW,
                "error": error,
            },
        }
    return {
        "batchJobId": ac_id(n),
        "surveyIdentifier": f"survey {key}",
        "status": "total_failure" if n == 201 else status,
        "results": error,
    }


async def _endpoint(request: Request) -> Response:
    key = request.headers.get("x-api-key") or request.headers.get("x-aftercare-key") or ""
    path = request.url.path
    n = int(path.rsplit("/", 1)[-1][-3:]) if path[-3:].isdigit() else int(request.query_params.get("n", 500))
    if n in (200, 201):
        return JSONResponse(_job_body(path, n, key), headers={"X-Request-Id": key})
    headers = {
        "X-Request-Id": key,
        "Location": f"https://evil.example/?k={quote(key, safe='')}",
        "WWW-Authenticate": f'Bearer realm="{key}"',
        "Retry-After": "0",
    }
    if n in (304,):  # no body allowed
        return Response(b"", status_code=n, headers=headers)
    return JSONResponse(_echo(key), status_code=n, headers=headers)


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    app = Starlette(routes=[Route("/{path:path}", _endpoint, methods=["GET", "POST"])])
    with serve_asgi(app) as url:
        yield url


def _settings(url: str, data_dir: Path) -> Settings:
    settings = Settings.from_env(
        {"AFTERCARE_BASE_URL": url, "SURVEYCODER_BASE_URL": url, "SURVEY_JOBS_DATA_DIR": str(data_dir)}
    )
    return dataclasses.replace(
        settings, max_attempts=2, backoff_base=0.001, backoff_max=0.002, request_deadline=5.0
    )


def _server(url: str, data_dir: Path, env: dict[str, str]):
    server = build_server(_settings(url, data_dir), env=env)
    install_result_scrubbing(server)
    return server


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    install_log_redaction()  # what the CLI does on its stderr handler; here on the capturing handlers
    yield caplog


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''} {r.stack_info or ''}"
        for r in caplog.records
    )


def assert_clean(text: str, *keys: str) -> None:
    for key in keys:
        for form in (key, quote(key, safe=""), json.dumps(key)[1:-1], key[:12], key[-12:], key[9:21]):
            assert form not in text, (form, text[:2000])


async def test_every_status_300_to_599_echoing_the_key(echo_url: str, tmp_path: Path, logs) -> None:
    env = {"AFTERCARE_API_KEY": AC_KEY, "SURVEYCODER_API_KEY": SC_KEY}
    outputs: list[str] = []
    errors = 0
    async with mcp.Client(_server(echo_url, tmp_path, env)) as client:
        for n in STATUSES:
            for job_id in (sc_id(n), ac_id(n)):
                result = await client.call_tool("get_job", {"job_id": job_id})
                errors += bool(result.is_error)
                outputs.append(all_output(result))
    joined = "\n".join(outputs)
    assert errors == 2 * len(STATUSES)  # no status in 300-599 is a job
    assert REDACTED in joined  # the echoes were there and were scrubbed, not silently dropped
    assert "HTTP 418" in joined and "HTTP 503" in joined and "HTTP 302" in joined
    assert_clean(joined, AC_KEY, SC_KEY)
    assert logs.records and "giving up" in _log_text(logs)
    assert_clean(_log_text(logs), AC_KEY, SC_KEY)


@pytest.mark.parametrize("n", [200, 201])
async def test_unknown_status_or_error_message_containing_the_key(
    echo_url: str, tmp_path: Path, logs, n: int
) -> None:
    env = {"AFTERCARE_API_KEY": AC_KEY, "SURVEYCODER_API_KEY": SC_KEY}
    outputs = []
    async with mcp.Client(_server(echo_url, tmp_path, env)) as client:
        for job_id in (sc_id(n), ac_id(n)):
            result = await client.call_tool("get_job", {"job_id": job_id})
            assert result.is_error is (n == 200), all_output(result)
            outputs.append(all_output(result))
        listed = await client.call_tool("list_jobs", {})  # the Aftercare job is tracked now
        outputs.append(all_output(listed))
    joined = "\n".join(outputs)
    assert ("unknown job status" in joined) if n == 200 else ("key [redacted]" in joined)
    assert_clean(joined, AC_KEY, SC_KEY)
    assert_clean(_log_text(logs), AC_KEY, SC_KEY)


async def test_a_key_with_cr_lf_is_refused_and_never_shown(echo_url: str, tmp_path: Path, logs) -> None:
    env = {
        "AFTERCARE_API_KEY": AC_KEY + "\r\nX-Evil: 1",
        "SURVEYCODER_API_KEY": SC_KEY[:20] + "\n" + SC_KEY[20:],
    }
    async with mcp.Client(_server(echo_url, tmp_path, env)) as client:
        ac = await client.call_tool("get_job", {"job_id": ac_id(418)})
        sc = await client.call_tool("get_job", {"job_id": sc_id(418)})
    for result, var in ((ac, "AFTERCARE_API_KEY"), (sc, "SURVEYCODER_API_KEY")):
        text = all_output(result)
        assert result.is_error
        assert f"The environment variable {var} is not a usable" in text and "a line break" in text
        assert "HTTP 418" not in text  # refused before any request
        assert_clean(text, AC_KEY, SC_KEY)
    assert_clean(_log_text(logs), AC_KEY, SC_KEY)


async def test_arguments_echoing_a_key_are_scrubbed_at_the_boundary(
    echo_url: str, tmp_path: Path, logs
) -> None:
    """A model that pastes a key into an argument: the error quoting the argument shows no key."""
    from survey_jobs_mcp.server.arguments import install_argument_checks

    server = _server(echo_url, tmp_path, {"AFTERCARE_API_KEY": AC_KEY, "SURVEYCODER_API_KEY": SC_KEY})
    install_argument_checks(server)
    async with mcp.Client(server) as client:
        bad_limit = await client.call_tool("list_jobs", {"limit": SC_KEY})
        bad_since = await client.call_tool("list_jobs", {"since": AC_KEY})
        bad_id = await client.call_tool("get_job", {"job_id": SC_KEY})
    for result in (bad_limit, bad_since, bad_id):
        assert result.is_error
        assert REDACTED in all_output(result), all_output(result)
        assert_clean(all_output(result), AC_KEY, SC_KEY)
    assert "limit=" in all_output(bad_limit) and "is not accepted" in all_output(bad_limit)
    assert_clean(_log_text(logs), AC_KEY, SC_KEY)
