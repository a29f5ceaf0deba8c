"""Resources in-process through ``mcp.Client`` against the sandbox over HTTP.

Reads: each resource shows exactly what the matching tool shows (same views, same budget).
Subscriptions: when the server sees a job's status change (get_job, list_jobs), subscribers of the
job's resources are notified, on 2025-11-25 (``resources/subscribe``) and on 2026-07-28
(``subscriptions/listen``); the sandbox clock moves the job's lifecycle.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import mcp
import pytest
from mcp.client.subscriptions import ResourceUpdated
from mcp.types import INVALID_PARAMS, PromptReference, ResourceUpdatedNotification

from tests.mcp_support import Harness, text_of, tokens

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]

CODING = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
DQ = "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274"
SC_ONE_CALL = "job_d5425bb9cfa5229130ee77b4"
JOBS = "survey-jobs://jobs"
WAIT_S = 10  # a bound for a notification that must arrive, not a speed assertion


def job_uri(job_id: str) -> str:
    return f"survey-jobs://jobs/{job_id}"


async def read_text(c: mcp.Client, uri: str) -> str:
    result = await c.read_resource(uri)
    assert len(result.contents) == 1
    content = result.contents[0]
    assert (str(content.uri), content.mime_type) == (uri, "text/markdown")
    return content.text


# ---------------------------------------------------------------- listing and reading
async def test_resources_and_templates_are_listed(h: Harness):
    async with h.client() as c:
        resources = (await c.list_resources()).resources
        templates = (await c.list_resource_templates()).resource_templates
    assert [(str(r.uri), r.name, r.title, r.mime_type) for r in resources] == [
        (JOBS, "jobs", "Known jobs", "text/markdown")
    ]
    assert [(t.uri_template, t.name, t.mime_type) for t in templates] == [
        ("survey-jobs://jobs/{job_id}/summary", "job_summary", "text/markdown"),
        ("survey-jobs://jobs/{job_id}", "job", "text/markdown"),
    ]
    assert all(t.description for t in templates)


@pytest.mark.parametrize("job_id", [CODING, DQ, SC_ONE_CALL])
async def test_job_resource_is_the_get_job_view(h: Harness, job_id: str):
    async with h.client() as c:
        tool = await c.call_tool("get_job", {"job_id": job_id})
        assert await read_text(c, job_uri(job_id)) == text_of(tool)


@pytest.mark.parametrize(
    "job_id, tool",
    [(CODING, "get_coding_results"), (SC_ONE_CALL, "get_coding_results"), (DQ, "get_quality_results")],
)
async def test_summary_resource_is_the_default_results_overview(h: Harness, job_id: str, tool: str):
    async with h.client() as c:
        text = await read_text(c, f"{job_uri(job_id)}/summary")
        assert text == text_of(await c.call_tool(tool, {"job_id": job_id}))
    assert tokens(text) <= 3000


@pytest.mark.parametrize(
    "provider, kind, status",
    [
        ("aftercare", "coding", "processing"),
        ("surveycoder", "one_call", "failed"),
    ],
)
async def test_summary_of_a_job_without_results_is_its_status(h: Harness, provider, kind, status):
    job_id = h.job(provider, kind, status)
    async with h.client() as c:
        text = await read_text(c, f"{job_uri(job_id)}/summary")
        assert text == text_of(await c.call_tool("get_job", {"job_id": job_id}))
    assert text.startswith(f"# Job `{job_id}`")


async def test_summary_of_a_codebook_job_is_its_codebook(h: Harness):
    job_id = h.job("surveycoder", "codebook_generation", "completed")
    async with h.client() as c:
        text = await read_text(c, f"{job_uri(job_id)}/summary")
        assert text == text_of(await c.call_tool("get_coding_results", {"job_id": job_id}))
    assert "codebook" in text.lower() and tokens(text) <= 3000


async def test_jobs_resource_is_the_full_list_jobs_view(h: Harness):
    async with h.client() as c:
        text = await read_text(c, JOBS)
        assert text == text_of(await c.call_tool("list_jobs", {"max_tokens": 12_000}))
    assert "24 jobs — 3 queued, 3 running, 14 completed, 1 partially_failed, 3 failed" in text
    assert all(row["id"] in text for row in h.sb.jobs())


@pytest.mark.parametrize(
    "uri, message",
    [
        (job_uri("job_000000000000000000000000"), "SurveyCoder has no job job_000000000000000000000000"),
        (
            job_uri("00000000-0000-4000-8000-000000000000") + "/summary",
            "Aftercare has no coding or data-quality job",
        ),
        (job_uri("not-a-job"), "'not-a-job' is not a valid job id"),
    ],
)
async def test_unknown_or_malformed_job_is_invalid_params(h: Harness, uri: str, message: str):
    async with h.client() as c:
        with pytest.raises(mcp.MCPError) as caught:
            await c.read_resource(uri)
    assert caught.value.error.code == INVALID_PARAMS
    assert message in caught.value.error.message
    assert caught.value.error.data == {"uri": uri}


# ---------------------------------------------------------------- subscriptions
@asynccontextmanager
async def legacy_client(h: Harness) -> AsyncIterator[tuple[mcp.Client, list[str]]]:
    """A 2025-11-25 client and the URIs of the resource-updated notifications it receives."""
    updated: list[str] = []

    async def on_message(message: object) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            updated.append(str(message.params.uri))

    async with mcp.Client(h.server(), mode="legacy", message_handler=on_message) as c:
        yield c, updated


async def subscribe(c: mcp.Client, uri: str) -> None:
    with warnings.catch_warnings():  # deprecated for 2026-07-28, the method of 2025-11-25
        warnings.simplefilter("ignore")
        await c.subscribe_resource(uri)


async def unsubscribe(c: mcp.Client, uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        await c.unsubscribe_resource(uri)


async def until(updated: list[str], count: int) -> None:
    with anyio.fail_after(WAIT_S):
        while len(updated) < count:
            await anyio.sleep(0.01)


async def test_legacy_subscriber_hears_a_status_change_seen_by_get_job(h: Harness):
    queued = h.job("aftercare", "coding", "queued")
    other = h.job("aftercare", "coding", "processing")
    async with legacy_client(h) as (c, updated):
        await read_text(c, job_uri(queued))  # the server has now seen it queued
        await subscribe(c, job_uri(queued))
        await subscribe(c, f"{job_uri(other)}/summary")  # a job whose status will not be re-read
        assert (await c.call_tool("get_job", {"job_id": queued})).structured_content["status"] == "queued"
        h.sb.clock.advance(6 * 60)  # queued -> processing
        assert (await c.call_tool("get_job", {"job_id": queued})).structured_content["status"] == "running"
        await until(updated, 1)
        h.sb.clock.advance(24 * 3600)  # processing -> completed
        await unsubscribe(c, job_uri(queued))
        await c.call_tool("get_job", {"job_id": queued})
        await anyio.sleep(0.2)  # nothing more may arrive
    assert updated == [job_uri(queued)]


async def test_legacy_subscriber_of_the_list_hears_changes_seen_by_list_jobs(h: Harness):
    running = h.job("surveycoder", "one_call", "processing")
    async with legacy_client(h) as (c, updated):
        await read_text(c, JOBS)
        await subscribe(c, JOBS)
        await subscribe(c, f"{job_uri(running)}/summary")
        await subscribe(c, job_uri(DQ))  # finished long ago: never changes
        h.sb.clock.advance(24 * 3600)
        await c.call_tool("list_jobs", {})
        await until(updated, 2)
        await anyio.sleep(0.2)
    # Six jobs changed (three queued, three running); one notification per subscribed URI.
    assert sorted(updated) == sorted([JOBS, f"{job_uri(running)}/summary"])


async def test_legacy_subscription_matches_the_id_in_any_case(h: Harness):
    job_id = h.job("aftercare", "data_quality", "processing")
    async with legacy_client(h) as (c, updated):
        await c.call_tool("get_job", {"job_id": job_id})
        await subscribe(c, job_uri(job_id.upper()))
        h.sb.clock.advance(24 * 3600)
        await c.call_tool("get_job", {"job_id": job_id.upper()})
        await until(updated, 1)
    assert updated == [job_uri(job_id.upper())]  # as the client subscribed it


async def test_completions_never_report_an_older_status_as_a_change(h: Harness):
    """Completion reuses SurveyCoder's list for 30 s; that list must not move a job's status back."""
    job_id = h.job("surveycoder", "one_call", "processing")
    ref = PromptReference(type="ref/prompt", name="summarise_coding_job")
    async with legacy_client(h) as (c, updated):
        await c.complete(ref, {"name": "job_id", "value": ""})  # caches the list: job running
        await c.call_tool("get_job", {"job_id": job_id})
        await subscribe(c, job_uri(job_id))
        h.sb.clock.advance(24 * 3600)
        await c.call_tool("get_job", {"job_id": job_id})  # running -> completed: one notification
        await until(updated, 1)
        await c.complete(ref, {"name": "job_id", "value": ""})  # the cached list still says running
        await c.call_tool("get_job", {"job_id": job_id})
        await anyio.sleep(0.2)
    assert updated == [job_uri(job_id)]


async def test_first_sighting_is_not_a_change(h: Harness):
    job_id = h.job("surveycoder", "auto_coding", "queued")
    async with legacy_client(h) as (c, updated):
        await subscribe(c, job_uri(job_id))
        h.sb.clock.advance(24 * 3600)  # it completed before this server ever saw it
        assert (await c.call_tool("get_job", {"job_id": job_id})).structured_content["status"] == "completed"
        await c.call_tool("get_job", {"job_id": job_id})
        await anyio.sleep(0.2)
    assert updated == []


async def test_listen_stream_hears_a_status_change(h: Harness):
    job_id = h.job("surveycoder", "one_call", "processing")
    uris = [job_uri(job_id), f"{job_uri(job_id)}/summary"]
    async with mcp.Client(h.server()) as c:
        assert c.protocol_version == "2026-07-28"
        await c.call_tool("get_job", {"job_id": job_id})
        async with c.listen(resource_subscriptions=[*uris, job_uri(DQ)]) as sub:
            assert sub.honored.resource_subscriptions == [*uris, job_uri(DQ)]
            h.sb.clock.advance(24 * 3600)
            await c.call_tool("get_job", {"job_id": job_id})
            events = []
            with anyio.fail_after(WAIT_S):
                async for event in sub:
                    events.append(event)
                    if len(events) == 2:
                        break
    assert events == [ResourceUpdated(uri=uris[0]), ResourceUpdated(uri=uris[1])]
