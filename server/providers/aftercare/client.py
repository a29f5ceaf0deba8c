"""Aftercare client: fetch coding and data-quality batch jobs, page by page.

Aftercare has no list endpoint and one id space per job family, so a job of unknown kind is
resolved by asking the coding endpoint first and the data-quality endpoint second (404 means
"not this kind"). Pages are fetched with ``?cursor=<nextCursor>`` (an upstream assumption, see
README) until ``nextCursor`` is null; the server's shared reader drives the paging.
"""

from __future__ import annotations

from typing import Any

from survey_jobs_mcp.tools.errors import InvalidInput, UpstreamError

from ...redact import clip
from ..transport import JsonGetter, Reply, schema_error, unexpected_status, validated
from .wire import (
    BatchCodingResponse,
    DataQualityBatchHead,
    WireCodingResults,
    WireShapeError,
    decode_coding_page,
)

LABEL = "Aftercare"


class AftercareClient:
    def __init__(self, http: JsonGetter) -> None:
        self._http = http

    async def _get(self, path: str, cursor: str | None, decode: Any = None) -> Reply | None:
        params = {"cursor": cursor} if cursor else None
        reply = await self._http.get(path, params, decode=decode)
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

    async def quality_page(self, job_id: str, cursor: str | None = None) -> DataQualityBatchHead | None:
        reply = await self._get(f"/api/v1/data-quality/batch/{job_id}", cursor)
        return None if reply is None else validated(LABEL, reply, DataQualityBatchHead, "data-quality job")

    async def results_page(self, kind: str, job_id: str, cursor: str) -> Any:
        """The raw ``results`` of the page at ``cursor``, unvalidated (validated where it is absorbed).

        A 400 (the provider refuses the cursor) is ``InvalidInput``; a job that stops being found
        while paging is an ``UpstreamError``.
        """
        path = f"/api/v1/coding/{job_id}" if kind == "coding" else f"/api/v1/data-quality/batch/{job_id}"
        reply = await self._get(path, cursor)
        if reply is None:
            raise UpstreamError(
                "Aftercare stopped recognising the job while paging its results; try again.",
                provider="aftercare",
            )
        body = reply.body
        return body.get("results") if isinstance(body, dict) else None

    async def coding_results_page(self, job_id: str, cursor: str) -> tuple[WireCodingResults, bytes]:
        """The ``results`` of the coding page at ``cursor``, decoded and checked from the bytes, and
        the bytes (the whole reply body, which is what the reader stores: no re-encoding).

        ``decode_coding_page`` builds msgspec structs in one C pass (about a quarter of ``json.loads``
        plus pydantic's cost on a 100k job). A broken contract is the provider's contract error with
        ``where`` relative to ``results``, the same place the dict path (first and stored pages) names.
        """
        try:
            reply = await self._get(f"/api/v1/coding/{job_id}", cursor, _decoded_with_bytes)
        except WireShapeError as exc:
            where = exc.where.removeprefix("results.") if exc.where != "results" else "body"
            raise schema_error(LABEL, "coding results page", where, exc.message, None) from None
        if reply is None:
            raise UpstreamError(
                "Aftercare stopped recognising the job while paging its results; try again.",
                provider="aftercare",
            )
        page, raw = reply.body
        return page.results, raw


def _decoded_with_bytes(raw: bytes) -> tuple[Any, bytes]:
    return decode_coding_page(raw), raw


def next_cursor(results: Any) -> str | None:
    """``results.nextCursor`` (None on the last page); a cursor that is not text is a broken contract.

    ``results`` is a plain dict (the first page, stored pages) or a decoded ``WireCodingResults``."""
    if isinstance(results, WireCodingResults):
        cursor: Any = results.nextCursor
    else:
        cursor = results.get("nextCursor") if isinstance(results, dict) else None
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not cursor:
        raise UpstreamError(
            "Aftercare returned a page cursor that is not text; the results cannot be read completely.",
            provider="aftercare",
        )
    return cursor
