"""Aftercare wire models: the documented bodies of ``tests/specs/aftercare-*.openapi.yaml``, as published.

Tolerant by construction: unknown fields are ignored (pydantic's default), optional fields may be
missing. What is *required* upstream is required here, so a body that breaks the contract fails
validation and becomes a clear "Aftercare returned an unexpected body" error instead of a wrong
number. Status strings stay plain ``str``: an unknown status is reported by the mapping, with the
value, rather than as an opaque validation error.

The coding spec's ``results`` is a ``oneOf`` discriminated by the *parent's* ``status`` and is not
marked nullable although it is ``null`` while a job is queued or processing. We keep it untyped
here and read it by the parent's status (see ``adapter.py``), as docs/upstream.md explains.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NotRequired

import msgspec
from pydantic import BaseModel, ConfigDict, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs this TypedDict on Python < 3.12


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class ErrorBody(_Wire):
    code: str
    message: str
    details: dict[str, Any] | None = None


# The coding results tree is the one body that can hold 100,000 responses, so it is described with
# TypedDicts checked by a single TypeAdapter: the same strictness (required fields, types, unknown
# fields ignored) without building one pydantic object per response, which costs ~1 s per 100k.
class FollowupResponse(TypedDict):
    question: str
    answer: str


class ResponseEntry(TypedDict):
    responseIdentifier: str
    answer: str
    followupResponses: NotRequired[list[FollowupResponse] | None]


class ResponseCode(TypedDict):
    id: int
    label: str
    responses: list[ResponseEntry]
    subCodes: list[ResponseCode]


class QuestionCodeData(TypedDict):
    questionIdentifier: str
    question: str
    responseCodes: list[ResponseCode]


class BatchCodingSuccess(TypedDict):
    completedAt: datetime
    questionCodes: list[QuestionCodeData]
    nextCursor: NotRequired[str | None]


BATCH_CODING_SUCCESS: TypeAdapter[BatchCodingSuccess] = TypeAdapter(BatchCodingSuccess)


# The same results page as msgspec structs, decoded straight from the response bytes: parsing and
# checking in one C pass, ~2.5x faster than json + the TypeAdapter above on a 100k-response job
# (bench/README.md). Same contract: required fields required, unknown fields ignored, numbers given
# as numeric strings accepted (``strict=False``, like pydantic's lax mode). ``gc=False``: these
# hold no cycles, so the collector need not track ~180,000 of them per job.
class WireFollowup(msgspec.Struct, gc=False):
    question: str
    answer: str


class WireResponse(msgspec.Struct, gc=False):
    responseIdentifier: str
    answer: str
    followupResponses: list[WireFollowup] | None = None


class WireCode(msgspec.Struct, gc=False):
    id: int
    label: str
    responses: list[WireResponse]
    subCodes: list[WireCode]


class WireQuestion(msgspec.Struct, gc=False):
    questionIdentifier: str
    question: str
    responseCodes: list[WireCode]


class WireCodingResults(msgspec.Struct, gc=False):
    completedAt: datetime
    questionCodes: list[WireQuestion]
    nextCursor: str | None = None


class WireCodingPage(msgspec.Struct, gc=False):
    """A page of a completed coding job's results (every page after the first is one)."""

    batchJobId: str
    surveyIdentifier: str
    status: str
    results: WireCodingResults


class WireShapeError(Exception):
    """Valid JSON that breaks the published schema. Deliberately not a ``ValueError``: the HTTP
    layer retries bodies that are not JSON, but a broken contract is reported, not retried."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{message} at '{where}'")
        self.where = where
        self.message = message


_PAGE_DECODER = msgspec.json.Decoder(WireCodingPage, strict=False)


def decode_coding_page(body: bytes) -> WireCodingPage:
    """Decode a results page from its bytes (use as ``ProviderHttp.get(..., decode=...)``).

    ``ValueError`` for a body that is not JSON; ``WireShapeError`` (with the JSON path, e.g.
    ``results.questionCodes.0.responseCodes.3.id``) for one of the wrong shape.
    """
    try:
        return _PAGE_DECODER.decode(body)
    except msgspec.ValidationError as exc:
        raise _shape_error(exc, "") from None


def coding_results_of(results: Any) -> WireCodingResults:
    """The first page's ``results`` (already parsed while the job was resolved) as the same structs,
    so a reader handles every page alike. ``WireShapeError`` if it breaks the schema."""
    try:
        return msgspec.convert(results, WireCodingResults, strict=False)
    except msgspec.ValidationError as exc:
        raise _shape_error(exc, "results") from None


def _shape_error(exc: msgspec.ValidationError, root: str) -> WireShapeError:
    """``where`` in the product's dotted form (``results.questionCodes.0.responseCodes.3.id``), the
    same as pydantic's locations in the other contract errors."""
    message, _, path = str(exc).partition(" - at `$")
    path = re.sub(r"\[(\d+)\]", r".\1", path.rstrip("`")).lstrip(".")
    where = ".".join(p for p in (root, path) if p)
    return WireShapeError(where or "body", message)


class BatchCodingCompletion(_Wire):
    """Just the completion time of a success body: a status refresh need not validate the whole page."""

    completedAt: datetime


class BatchCodingErrorDetails(_Wire):
    code: str
    message: str


class BatchCodingResponse(_Wire):
    batchJobId: str
    surveyIdentifier: str
    status: str
    results: Any = None


class QualityIssueCheck(_Wire):
    type: str
    score: float
    isIssue: bool
    evidence: str | None = None


class SurveyEntry(_Wire):
    question: str
    answer: str
    questionContext: str | None = None
    questionIdentifier: str | None = None
    parentQuestionIdentifier: str | None = None


class SurveyEntryEvaluation(_Wire):
    surveyEntry: SurveyEntry
    numIssues: int
    hasIssues: bool | None = None
    qualityScore: float | None = None
    """Required by the spec but deprecated; tolerated when absent."""
    demeritScore: float
    qualityIssueChecks: list[QualityIssueCheck]


class RespondentEvaluation(_Wire):
    responseIdentifier: str | None = None
    numIssues: int
    qualityScore: float
    demeritScore: float
    evaluations: list[SurveyEntryEvaluation]


class BatchJobResults(_Wire):
    items: list[RespondentEvaluation]
    nextCursor: str | None = None


class DataQualityBatchHead(_Wire):
    """A data-quality page with ``results`` left raw: a status check validates no respondents
    (their validation runs in a worker thread when the results are read)."""

    batchJobId: str
    status: str
    results: Any = None
