"""Broken upstream contracts give a clear error, never a wrong number.

The sandbox serves only valid bodies, so these tests use the scripted local upstream of
``test_http`` (real HTTP on loopback) to serve bodies that are valid JSON but break the published
shapes, and drive the real provider adapters and the ``JobService`` against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from survey_jobs_mcp.server.http import open_provider_http
from survey_jobs_mcp.server.providers import aftercare, surveycoder
from survey_jobs_mcp.server.service import JobService
from survey_jobs_mcp.server.store import Store
from survey_jobs_mcp.tools.errors import UpstreamError
from survey_jobs_mcp.tools.source import no_progress
from tests.unit.server import test_http
from tests.unit.server.test_http import AC_KEY, FAST, KEY, Upstream, ok

pytestmark = pytest.mark.anyio

# The scripted loopback upstream of test_http, shared as fixtures of this module.
_server = test_http._server
upstream = test_http.upstream

JOB = "123e4567-e89b-12d3-a456-426614174000"
SC_JOB = "job_1a2b3c4d5e6f7a8b9c0d1e2f"
CODING_PATH = f"/api/v1/coding/{JOB}"


def _page(codes: list, cursor: str | None, status: str = "completed") -> dict:
    return {
        "batchJobId": JOB,
        "surveyIdentifier": "CSAT",
        "status": status,
        "results": {"completedAt": "2026-11-20T10:00:00Z", "questionCodes": codes, "nextCursor": cursor},
    }


def _question(code_id: object) -> dict:
    code = {"id": code_id, "label": "Delivery", "responses": [{"responseIdentifier": "r1", "answer": "ok"}]}
    return {"questionIdentifier": "Q1", "question": "Why?", "responseCodes": [code | {"subCodes": []}]}


@asynccontextmanager
async def live_source(up: Upstream, tmp_path: Path) -> AsyncIterator[JobService]:
    store = Store.open(tmp_path / "store.sqlite3")
    try:
        async with (
            open_provider_http("aftercare", up.base_url, settings=FAST, key_supplier=lambda: AC_KEY) as ac,
            open_provider_http("surveycoder", up.base_url, settings=FAST, key_supplier=lambda: KEY) as sc,
        ):
            now = lambda: datetime(2026, 11, 23, tzinfo=UTC)  # noqa: E731
            source = JobService(
                {
                    "aftercare": aftercare.create(ac, store=store, now=now),
                    "surveycoder": surveycoder.create(sc, store=store, now=now),
                },
                store=store,
            )
            async with anyio.create_task_group() as tg:  # what the server's lifespan does
                source.start(tg)
                yield source
                tg.cancel_scope.cancel()
            source.close()
    finally:
        store.close()


async def test_wrong_type_deep_in_a_later_page_names_the_place(upstream: Upstream, tmp_path: Path) -> None:
    upstream.script(
        CODING_PATH, ok(_page([_question(1)], "c2")), ok(_page([_question("not-a-number")], None))
    )
    async with live_source(upstream, tmp_path) as source:
        with pytest.raises(UpstreamError) as caught:
            await source.read_results(JOB, "coding", no_progress, 30)
    message = str(caught.value)
    assert "does not match its published schema at 'questionCodes.0.responseCodes.0.id'" in message
    assert "none are shown" in message
    assert len(upstream.calls_to(CODING_PATH)) == 2  # both pages were requested; nothing was summarised


async def test_unknown_status_is_a_clear_error(upstream: Upstream, tmp_path: Path) -> None:
    upstream.script(CODING_PATH, ok(_page([], None, status="exploded")))
    async with live_source(upstream, tmp_path) as source:
        with pytest.raises(UpstreamError, match="unexpected job status") as caught:
            await source.get_job(JOB)
    assert "exploded" in str(caught.value)


async def test_repeating_cursor_is_reported_not_looped(upstream: Upstream, tmp_path: Path) -> None:
    upstream.script(CODING_PATH, ok(_page([_question(1)], "same")))
    async with live_source(upstream, tmp_path) as source:
        with pytest.raises(UpstreamError, match="repeating page cursor"):
            await source.read_results(JOB, "coding", no_progress, 30)
    assert len(upstream.calls_to(CODING_PATH)) == 2  # first page, then "same" once: its repeat is caught


async def test_surveycoder_job_without_progress_is_a_contract_error(
    upstream: Upstream, tmp_path: Path
) -> None:
    body = {"success": True, "data": {"id": SC_JOB, "type": "one_call", "status": "completed"}}
    upstream.script(f"/v2/jobs/{SC_JOB}", ok(body))
    async with live_source(upstream, tmp_path) as source:
        with pytest.raises(UpstreamError) as caught:
            await source.get_job(SC_JOB)
    assert "SurveyCoder returned a job that does not match its published schema at 'data.progress'" in str(
        caught.value
    )
    assert "request id up-1" in str(caught.value)
