"""Aftercare client: fetch coding and data-quality batch jobs, page by page.

Aftercare has no list endpoint and one id space per job family, so a job of unknown kind is
resolved by asking the coding endpoint first and the data-quality endpoint second (404 means
"not this kind"). Pages are fetched with ``?cursor=<nextCursor>`` (an upstream assumption, see
README) until ``nextCursor`` is null; a cursor that repeats is a broken contract, not a loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from survey_jobs_mcp.tools.errors import InvalidInput, UpstreamError

from ...redact import clip
from ..transport import JsonGetter, Reply, unexpected_status, validated
from .wire import BatchCodingResponse, DataQualityBatchResponse

LABEL = "Aftercare"
MAX_PAGES = 20_000


class AftercareClient:
    def __init__(self, http: JsonGetter) -> None:
        self._http = http

    async def _get(self, path: str, cursor: str | None) -> Reply | None:
        reply = await self._http.get(path, {"cursor": cursor} if cursor else None)
        if reply.status == 404:
            return None
        if reply.status == 400:
            message = reply.body.get("message") if isinstance(reply.body, dict) else None
            raise InvalidInput(f"Aftercare rejected the request: {clip(message or 'bad request', 200)}.")
        if reply.status != 200:
            raise unexpected_status(LABEL, reply)
        return reply

    async def coding_page(self, job_id: str, cursor: str | None = None) -> BatchCodingResponse | None:
        reply = await self._get(f"/api/v1/coding/{job_id}", cursor)
        return None if reply is None else validated(LABEL, reply, BatchCodingResponse, "coding job")

    async def quality_page(self, job_id: str, cursor: str | None = None) -> DataQualityBatchResponse | None:
        reply = await self._get(f"/api/v1/data-quality/batch/{job_id}", cursor)
        return (
            None if reply is None else validated(LABEL, reply, DataQualityBatchResponse, "data-quality job")
        )

    async def coding_result_pages(self, job_id: str, first: BatchCodingResponse) -> AsyncIterator[Any]:
        """Yield the raw ``results`` body of ``first`` and of every following page, unvalidated.

        Validation of a page (the expensive part) is left to the consumer so it can run in a worker
        thread while this generator already fetches the next page; only the cursor is read here.
        """
        results: Any = first.results
        seen: set[str] = set()
        while True:
            yield results
            cursor = results.get("nextCursor") if isinstance(results, dict) else None
            if cursor is None:
                return
            if not isinstance(cursor, str) or not cursor:
                raise UpstreamError(
                    "Aftercare returned a page cursor that is not text; "
                    "the results cannot be read completely.",
                    provider="aftercare",
                )
            check_cursor(cursor, seen)
            page = await self.coding_page(job_id, cursor)
            if page is None:
                raise UpstreamError(
                    "Aftercare stopped recognising the job while paging its results; try again.",
                    provider="aftercare",
                )
            results = page.results

    async def quality_pages(
        self, job_id: str, first: DataQualityBatchResponse
    ) -> AsyncIterator[DataQualityBatchResponse]:
        """Yield ``first`` then every following page."""
        page: DataQualityBatchResponse | None = first
        seen: set[str] = set()
        while page is not None:
            yield page
            cursor = page.results.nextCursor if page.results else None
            if not cursor:
                return
            check_cursor(cursor, seen)
            page = await self.quality_page(job_id, cursor)
            if page is None:
                raise UpstreamError(
                    "Aftercare stopped recognising the job while paging its results; try again.",
                    provider="aftercare",
                )


def check_cursor(cursor: str, seen: set[str]) -> None:
    if cursor in seen or len(seen) >= MAX_PAGES:
        raise UpstreamError(
            "Aftercare returned a repeating page cursor; the results cannot be read completely.",
            provider="aftercare",
        )
    seen.add(cursor)
