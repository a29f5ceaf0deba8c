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
    """
    send, receive = anyio.create_memory_object_stream[P](max_buffer_size=1)
    done = 0

    async def produce() -> None:
        async with send:
            async for page in pages:
                await send.send(page)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            async with receive:
                async for page in receive:
                    await anyio.to_thread.run_sync(absorb, page)
                    done += 1
                    await progress(done, None, f"Read {done} page(s) of {what}")
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
