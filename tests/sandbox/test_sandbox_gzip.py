"""The sandbox compresses like a real API: gzip when the client accepts it, identity otherwise."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from survey_jobs_mcp.server.cli import _parser
from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from tests.conftest import SANDBOX_START


def _coding_job(sb: Sandbox) -> str:
    return next(r["id"] for r in sb.jobs() if r["kind"] == "coding" and r["status"] == "completed")


def _raw_get(srv: SandboxServer, sb: Sandbox, path: str, accept_encoding: str | None) -> httpx.Response:
    """GET without httpx's own decoding, so the wire body and its headers are what we assert on."""
    headers = {"X-Aftercare-Key": sb.keys.aftercare}
    if accept_encoding is not None:
        headers["Accept-Encoding"] = accept_encoding
    with httpx.Client(base_url=srv.aftercare_url) as client:
        request = client.build_request("GET", path, headers=headers)
        if accept_encoding is None:
            del request.headers["Accept-Encoding"]  # httpx adds one by default
        response = client.send(request, stream=True)
        response.wire = b"".join(response.iter_raw())  # type: ignore[attr-defined]
        response.close()
    return response


@pytest.mark.parametrize("accept", [None, "identity", "gzip", "gzip, deflate, br"])
def test_a_page_is_gzipped_exactly_when_the_client_accepts_gzip(
    sandbox: Sandbox, sandbox_server: SandboxServer, accept: str | None
) -> None:
    path = f"/api/v1/coding/{_coding_job(sandbox)}"
    plain = _raw_get(sandbox_server, sandbox, path, "identity")
    response = _raw_get(sandbox_server, sandbox, path, accept)
    assert response.status_code == 200
    assert plain.headers.get("content-encoding") is None
    assert int(plain.headers["content-length"]) == len(plain.wire) > 500  # type: ignore[attr-defined]
    if accept is not None and "gzip" in accept:
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["vary"] == "Accept-Encoding"
        assert int(response.headers["content-length"]) == len(response.wire)  # type: ignore[attr-defined]
        assert len(response.wire) < len(plain.wire) // 3  # type: ignore[attr-defined]
        body = gzip.decompress(response.wire)  # type: ignore[attr-defined]
    else:
        assert response.headers.get("content-encoding") is None
        body = response.wire  # type: ignore[attr-defined]
    assert body == plain.wire  # type: ignore[attr-defined]
    assert json.loads(body)["status"] == "completed"


def test_small_error_bodies_stay_uncompressed(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    response = _raw_get(
        sandbox_server, sandbox, "/api/v1/coding/00000000-0000-4000-8000-000000000000", "gzip"
    )
    assert response.status_code == 404
    assert response.headers.get("content-encoding") is None
    assert json.loads(response.wire) == {"code": "NOT_FOUND", "message": "Batch job not found"}  # type: ignore[attr-defined]


def test_no_gzip_sandbox_never_compresses() -> None:
    sb = Sandbox(seed=7, page_size=50, start=SANDBOX_START, gzip=False)
    with SandboxServer(sb) as srv:
        response = _raw_get(srv, sb, f"/api/v1/coding/{_coding_job(sb)}", "gzip")
    assert response.status_code == 200
    assert response.headers.get("content-encoding") is None
    assert json.loads(response.wire)["status"] == "completed"  # type: ignore[attr-defined]


def test_same_json_through_a_decoding_client_with_and_without_gzip(
    sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    """What the MCP server's own client (httpx, which sends Accept-Encoding: gzip) reads is identical."""
    path = f"/api/v1/coding/{_coding_job(sandbox)}"
    key = {"X-Aftercare-Key": sandbox.keys.aftercare}
    with httpx.Client(base_url=sandbox_server.aftercare_url, headers=key) as client:
        zipped = client.get(path)
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert plain.headers.get("content-encoding") is None
    assert zipped.content == plain.content
    assert zipped.json() == plain.json()


def test_cli_no_gzip_switch() -> None:
    assert _parser().parse_args(["sandbox"]).gzip is True
    assert _parser().parse_args(["sandbox", "--no-gzip"]).gzip is False
