"""Prototype wirings of the product's Aftercare coding reader, for measurement only (not a benchmark).

Gains that need a change in the Aftercare adapter's reader are prototyped here by replacing
``AftercareAdapter._page_coding`` (``server/providers/aftercare/adapter.py``) in the benchmark
process. Each variant is what the reader would look like after the change; bench/README.md says
what to change where.

- ``product``: the code as it is.
- ``typed``: pages after the first are fetched with ``ProviderHttp.get(..., decode=
  decode_coding_page)`` (msgspec structs straight from the bytes, no ``json`` + ``TypeAdapter``) and
  merged with ``CodingMerger.add_decoded``; same pipelining as ``consume_pipelined``.
- ``typed-inline``: as ``typed``, but each page is merged on the event loop (no worker-thread hop
  per page; ~0.4 ms of loop time per page, while the next page is still fetched concurrently).
- ``...-gate``: and each read runs in ``OldestFirst.reading()`` with each page's merge in a
  ``turn`` (one gate per adapter), so concurrent reads go oldest first instead of sharing the GIL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from pydantic import ValidationError

VARIANTS = ("product", "typed", "typed-inline", "typed-inline-gate", "typed-gate")


def install(variant: str) -> Callable[[], None]:
    """Patch ``AftercareAdapter._page_coding`` for ``variant``; returns the undo."""
    from survey_jobs_mcp.server.providers.aftercare.adapter import AftercareAdapter

    if variant == "product":
        return lambda: None
    original = AftercareAdapter._page_coding  # the reader before server/readers.py (perf branch)
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {VARIANTS}")
    gated = variant.endswith("-gate")
    inline = "-inline" in variant

    async def _page_coding(self: Any, job_id: str, first: Any, tracked: Any, progress: Any) -> Any:
        return await _typed_read(self, job_id, first, tracked, progress, gated, inline)

    AftercareAdapter._page_coding = _page_coding  # type: ignore[method-assign]

    def undo() -> None:
        AftercareAdapter._page_coding = original  # type: ignore[method-assign]

    return undo


async def _typed_read(
    adapter: Any, job_id: str, first: Any, tracked: Any, progress: Any, gated: bool, inline: bool
) -> Any:
    from survey_jobs_mcp.server.providers.aftercare.mapping import CodingMerger, coding_results
    from survey_jobs_mcp.server.providers.aftercare.wire import BATCH_CODING_SUCCESS
    from survey_jobs_mcp.server.providers.transport import contract_error
    from survey_jobs_mcp.server.read_gate import OldestFirst

    merger = CodingMerger()
    failure = tracked.error if tracked.last_status == "partial_failure" else None
    results = first.results

    def done(completed_at: Any) -> Any:
        return coding_results(
            job_id=job_id,
            survey=first.surveyIdentifier,
            completed_at=completed_at,
            merger=merger,
            failure=failure,
        )

    if not (isinstance(results, dict) and "questionCodes" in results):
        return done(None)
    try:
        page1 = BATCH_CODING_SUCCESS.validate_python(results)
    except ValidationError as exc:
        raise contract_error("Aftercare", "coding results page", exc, None) from None
    merger.add_page(page1["questionCodes"])
    gate = adapter.__dict__.setdefault("_bench_gate", OldestFirst()) if gated else None
    async with gate.reading() if gate else _no_gate() as ticket:
        await _consume(adapter, job_id, results.get("nextCursor"), merger, progress, gate, ticket, inline)
    return done(page1["completedAt"])


@asynccontextmanager
async def _no_gate() -> AsyncIterator[int]:
    yield 0


async def _consume(
    adapter: Any, job_id: str, cursor: Any, merger: Any, progress: Any, gate: Any, ticket: int, inline: bool
) -> None:
    pages = _typed_pages(adapter._client._http, job_id, cursor)
    send, receive = anyio.create_memory_object_stream[Any](max_buffer_size=1)
    count = 1

    async def produce() -> None:
        async with send:
            async for questions in pages:
                await send.send(questions)

    async with anyio.create_task_group() as tg:  # the product unwraps product errors here
        tg.start_soon(produce)
        async with receive:
            async for questions in receive:
                async with gate.turn(ticket) if gate else _no_gate():
                    if inline:
                        merger.add_decoded(questions)
                    else:
                        await anyio.to_thread.run_sync(merger.add_decoded, questions)
                count += 1
                await progress(count, None, f"Read {count} page(s) of coding results from Aftercare")


async def _typed_pages(http: Any, job_id: str, cursor: Any) -> AsyncIterator[Any]:
    """``questionCodes`` of every page after the first, decoded straight into the wire structs."""
    from survey_jobs_mcp.server.providers.aftercare.client import check_cursor
    from survey_jobs_mcp.server.providers.aftercare.wire import WireShapeError, decode_coding_page
    from survey_jobs_mcp.server.providers.transport import unexpected_status
    from survey_jobs_mcp.tools.errors import UpstreamError

    seen: set[str] = set()
    while cursor is not None:
        if not isinstance(cursor, str) or not cursor:
            raise UpstreamError("Aftercare returned a page cursor that is not text.", provider="aftercare")
        check_cursor(cursor, seen)
        try:
            reply = await http.get(f"/api/v1/coding/{job_id}", {"cursor": cursor}, decode=decode_coding_page)
        except WireShapeError as exc:
            raise UpstreamError(
                f"Aftercare returned a coding results page that does not match its published schema at "
                f"'{exc.where}': {exc.message}. The results cannot be trusted, so none are shown.",
                provider="aftercare",
            ) from None
        if reply.status != 200:
            raise unexpected_status("Aftercare", reply)
        yield reply.body.results.questionCodes
        cursor = reply.body.results.nextCursor
