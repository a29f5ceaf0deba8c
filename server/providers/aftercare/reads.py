"""Reading a finished Aftercare job's results page by page (driven by the server's shared reader).

Coding pages after the first are decoded into checked msgspec structs by the HTTP layer and merged
on the event loop (about 0.4 ms a page; one GIL gains nothing from a thread hop), one read at a time
oldest first (``gate``: the adapter's ``OldestFirst``). The first page and stored pages are plain
dicts, validated where they are absorbed; both shapes merge into one tree. Data-quality pages are
fetched raw and validated in a worker thread, so the event loop keeps the next request in flight.
``meta`` holds what the status check learnt (survey, the failure of a partially failed job): with
it and the stored pages a read resumes after a restart without asking Aftercare anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from survey_jobs_mcp.tools.models import CodingResults, JobError, QualityReport, RespondentQuality

from ...read_gate import OldestFirst
from ..transport import contract_error
from . import mapping
from .client import AftercareClient, next_cursor
from .wire import BATCH_CODING_SUCCESS, BatchJobResults, WireCodingResults


class _AftercareRead:
    kind = "coding"
    inline = False
    """Absorb on the event loop (cheap typed pages) rather than in a worker thread."""
    gate: OldestFirst | None = None
    """Concurrent reads of one adapter take their absorb turns oldest first (``server/read_gate.py``)."""

    def __init__(self, client: AftercareClient, job_id: str, meta: dict[str, Any], first: Any | None) -> None:
        self._client = client
        self.job_id = job_id
        self.meta = meta
        self.first = first

    async def fetch(self, cursor: str) -> Any:
        return await self._client.results_page(self.kind, self.job_id, cursor)

    def next_cursor(self, page: Any) -> str | None:
        return next_cursor(page)


class CodingRead(_AftercareRead):
    """Coding results: pages may split one question's tree, so they are merged (``CodingMerger``)."""

    what = "coding results from Aftercare"
    kind = "coding"
    inline = True

    def __init__(
        self,
        client: AftercareClient,
        job_id: str,
        meta: dict[str, Any],
        first: Any | None,
        gate: OldestFirst | None = None,
    ) -> None:
        super().__init__(client, job_id, meta, first)
        self.gate = gate
        self._merger = mapping.CodingMerger()
        self._completed_at: datetime | None = None
        self._bodies: dict[int, bytes] = {}

    async def fetch(self, cursor: str) -> WireCodingResults:
        page, body = await self._client.coding_results_page(self.job_id, cursor)
        self._bodies[id(page)] = body
        return page

    def stored(self, page: Any) -> Any:
        """What to store for ``page``: the reply body as the provider sent it (the JSON bytes), so
        storing costs a zlib pass and no encoding; the first page (a dict) as it is."""
        body = self._bodies.pop(id(page), None)
        return page if body is None else body

    def absorb(self, page: Any) -> int:
        if page is self.first:
            self.first = None  # merged: the read need not hold the parsed page (~0.5 MB) any longer
        before = self._merger.response_count()
        if isinstance(page, dict) and "questionCodes" not in page and isinstance(page.get("results"), dict):
            page = page["results"]  # a stored reply body (``stored``)
        if isinstance(page, WireCodingResults):
            completed_at = page.completedAt
            self._merger.add_decoded(page.questionCodes)
        else:
            try:
                valid = BATCH_CODING_SUCCESS.validate_python(page)
            except ValidationError as exc:
                raise contract_error("Aftercare", "coding results page", exc, None) from None
            completed_at = valid["completedAt"]
            self._merger.add_page(valid["questionCodes"])
        if self._completed_at is None:
            self._completed_at = completed_at
        return self._merger.response_count() - before

    def result(self) -> CodingResults:
        failure = self.meta.get("failure")
        return mapping.coding_results(
            job_id=self.job_id,
            survey=self.meta.get("survey"),
            completed_at=self._completed_at,
            merger=self._merger,
            failure=JobError(code=failure[0], message=failure[1]) if failure else None,
        )


class QualityRead(_AftercareRead):
    """Data-quality results: respondents in page order (a missing id gets its position)."""

    what = "data-quality results from Aftercare"
    kind = "quality"

    def __init__(self, client: AftercareClient, job_id: str, meta: dict[str, Any], first: Any | None) -> None:
        super().__init__(client, job_id, meta, first)
        self._respondents: list[RespondentQuality] = []

    def absorb(self, page: Any) -> int:
        try:
            valid = BatchJobResults.model_validate(page)
        except ValidationError as exc:
            raise contract_error("Aftercare", "data-quality results page", exc, None) from None
        respondents = self._respondents
        for item in valid.items:
            respondents.append(mapping.respondent_quality(item, len(respondents) + 1))
        return len(valid.items)

    def result(self) -> QualityReport:
        return QualityReport(
            job_id=self.job_id, survey=self.meta.get("survey"), respondents=self._respondents
        )
