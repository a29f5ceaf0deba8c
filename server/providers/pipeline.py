"""Reading a multi-page result: fetch page n+1 while a worker thread absorbs page n."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import anyio

from survey_jobs_mcp.tools.errors import SurveyJobsError
from survey_jobs_mcp.tools.source import ProgressFn

P = TypeVar("P")


async def consume_pipelined(
    pages: AsyncIterator[P], absorb: Callable[[P], None], progress: ProgressFn, what: str
) -> int:
    """Fetch page n+1 while a worker thread absorbs page n; report progress per page.

    Validating and merging a page is CPU work; doing it in a thread lets the event loop keep the
    next request in flight, so a 100-page job costs about the fetch time, not fetch + parse.
    Errors from either side surface as the product error they are (not an exception group).
    Progress carries the total number of pages once it is known.
    """
    send, receive = anyio.create_memory_object_stream[P](max_buffer_size=1)
    done = 0
    fetched = 0
    total: int | None = None
    """The number of pages, known once the producer has seen the last one (no upstream says it
    up front), so at least the last notifications carry it."""

    async def produce() -> None:
        nonlocal fetched, total
        async with send:
            async for page in pages:
                fetched += 1
                await send.send(page)
            total = fetched

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            async with receive:
                async for page in receive:
                    await anyio.to_thread.run_sync(absorb, page)
                    done += 1
                    read = f"{done} of {total} pages" if total else f"{done} page(s)"
                    await progress(done, total, f"Read {read} of {what}")
    except BaseExceptionGroup as group:
        raise first_product_error(group) from None
    return done


def first_product_error(group: BaseExceptionGroup) -> BaseException:
    matched = group.subgroup(lambda exc: isinstance(exc, SurveyJobsError))
    if matched is None:
        return group
    first: BaseException = matched
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first
