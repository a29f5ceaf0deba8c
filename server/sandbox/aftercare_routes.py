"""The emulated Aftercare API: GET/POST coding and data-quality batch jobs.

Bodies follow the published OpenAPI files exactly, including the quirk that a failed coding job's
``results`` holds the error details, and that ``results`` is null while a job is queued or
processing. Errors are bare ``{code, message, details?}`` bodies; a bad key is a 403.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .answers import Answer
from .clock import iso
from .coding_data import CodedQuestion, CodingData
from .http_common import AFTERCARE_FAULT_ERRORS, aftercare_error, json_response, serve_route
from .jobs import SandboxJob
from .keyword_coder import code_answers, keyword_tree
from .paging import decode_cursor, encode_cursor, page
from .quality_data import quality_from_request

if TYPE_CHECKING:
    from .app import Sandbox

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MAX_LIMIT = 10000


def _fault_error(request: Request, status: int, retry_after: int | None) -> Response:
    code, message = AFTERCARE_FAULT_ERRORS.get(status, ("INTERNAL_ERROR", "An unexpected error occurred"))
    return aftercare_error(status, code, message)


def _page_params(sb: Sandbox, request: Request, job_id: str) -> tuple[int, int] | Response:
    """(offset, limit) from ``cursor``/``nextCursor`` and ``limit``, or a 400 response."""
    limit = sb.page_size
    raw_limit = request.query_params.get("limit")
    if raw_limit is not None:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            return aftercare_error(
                400,
                "INVALID_REQUEST",
                "Invalid request parameters",
                {"limit": f"limit must be an integer between 1 and {MAX_LIMIT}"},
            )
        limit = int(raw_limit)
    cursor = request.query_params.get("cursor") or request.query_params.get("nextCursor")
    offset = 0
    if cursor is not None:
        decoded = decode_cursor(sb.cursor_secret, job_id, cursor)
        if decoded is None:
            return aftercare_error(400, "INVALID_REQUEST", "Invalid cursor")
        offset = decoded
    return offset, limit


def coding_body(sb: Sandbox, job: SandboxJob, offset: int | None, limit: int | None) -> dict[str, Any]:
    """A ``BatchCodingResponse``; ``offset=None`` gives the whole unpaged tree."""
    status = job.status(sb.clock.now())
    results: dict[str, Any] | None = None
    if status == "completed":
        data: CodingData = job.data()
        if offset is None:
            start, stop, nxt = 0, len(data.items), None
        else:
            start, stop, nxt = page(len(data.items), offset, limit or sb.page_size)
        results = {
            "completedAt": iso(job.done_at),
            "questionCodes": data.render(start, stop),
            "nextCursor": encode_cursor(sb.cursor_secret, job.id, nxt) if nxt is not None else None,
        }
    elif status in ("partial_failure", "total_failure") and job.error:
        results = {"code": job.error[0], "message": job.error[1]}
    return {"batchJobId": job.id, "surveyIdentifier": job.survey, "status": status, "results": results}


def quality_body(sb: Sandbox, job: SandboxJob, offset: int | None, limit: int | None) -> dict[str, Any]:
    """A ``DataQualityBatchResponse``; ``offset=None`` gives every respondent."""
    status = job.status(sb.clock.now())
    results: dict[str, Any] = {"items": [], "nextCursor": None}
    if status == "completed":
        data = job.data()
        if offset is None:
            start, stop, nxt = 0, len(data.respondents), None
        else:
            start, stop, nxt = page(len(data.respondents), offset, limit or sb.page_size)
        results = {
            "items": data.render(start, stop),
            "nextCursor": encode_cursor(sb.cursor_secret, job.id, nxt) if nxt is not None else None,
        }
    return {"batchJobId": job.id, "status": status, "results": results}


def _new_job_id() -> str:
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None


def _missing(body: Any, fields: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "Request body must be a JSON object"}
    return {f: f"{f} is required" for f in fields if body.get(f) in (None, "", [])}


def _validate_coding(body: Any) -> dict[str, str]:
    details = _missing(body, ("surveyIdentifier", "surveyResponses"))
    if details:
        return details
    if not isinstance(body["surveyResponses"], list):
        return {"surveyResponses": "surveyResponses must be an array"}
    for i, q in enumerate(body["surveyResponses"]):
        for f in ("questionIdentifier", "question", "responseEntries"):
            if not isinstance(q, dict) or q.get(f) in (None, ""):
                return {f"surveyResponses[{i}].{f}": f"{f} is required"}
        if not isinstance(q["responseEntries"], list):
            return {f"surveyResponses[{i}].responseEntries": "responseEntries must be an array"}
        for j, e in enumerate(q["responseEntries"]):
            for f in ("responseIdentifier", "answer"):
                if not isinstance(e, dict) or not isinstance(e.get(f), str):
                    return {f"surveyResponses[{i}].responseEntries[{j}].{f}": f"{f} is required"}
    return {}


def _validate_quality(body: Any) -> dict[str, str]:
    details = _missing(body, ("surveyName", "responses", "callbackUrl"))
    if details:
        return details
    if not isinstance(body["responses"], list):
        return {"responses": "responses must be an array"}
    for i, r in enumerate(body["responses"]):
        entries = r.get("surveyEntries") if isinstance(r, dict) else None
        if not isinstance(entries, list) or not entries:
            return {f"responses[{i}].surveyEntries": "surveyEntries is required"}
        for j, e in enumerate(entries):
            for f in ("question", "answer"):
                if not isinstance(e, dict) or not isinstance(e.get(f), str):
                    return {f"responses[{i}].surveyEntries[{j}].{f}": f"{f} is required"}
    return {}


def routes(sb: Sandbox, prefix: str) -> list[Route]:
    """Starlette routes for the Aftercare API under ``prefix``."""

    def wrap(route: str, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            async def guarded(req: Request) -> Response:
                if req.headers.get("x-aftercare-key") != sb.keys.aftercare:
                    return aftercare_error(403, "INVALID_API_KEY", "Invalid or missing API key")
                return await handler(req)

            return await serve_route(request, route, sb.faults, guarded, _fault_error, lambda r: {})

        return endpoint

    def get_job(
        kind: str, not_found: str, body: Callable[..., Any]
    ) -> Callable[[Request], Awaitable[Response]]:
        """GET of one batch job of ``kind``, with the spec's own 400/404 messages for that endpoint."""

        async def handler(request: Request) -> Response:
            job_id = request.path_params["batchJobId"]
            if not UUID_RE.fullmatch(job_id):
                return aftercare_error(400, "INVALID_REQUEST", "Invalid batch job ID format")
            job = sb.store.get(job_id.lower(), "aftercare", (kind,))
            if job is None:
                return aftercare_error(404, "NOT_FOUND", not_found)
            params = _page_params(sb, request, job.id)
            if isinstance(params, Response):
                return params
            return json_response(body(sb, job, *params))

        return handler

    get_coding = get_job("coding", "Batch job not found", coding_body)
    get_quality = get_job("data_quality", "Requested resource not found", quality_body)

    async def post_coding(request: Request) -> Response:
        body = await _json_body(request)
        details = _validate_coding(body)
        if details:
            return aftercare_error(400, "INVALID_REQUEST", "Invalid request parameters", details)
        tree = keyword_tree()
        questions = []
        for q in body["surveyResponses"]:
            answers: list[Answer] = []
            for (rid, text, codes, _), e in zip(
                code_answers(tree, [(e["responseIdentifier"], e["answer"]) for e in q["responseEntries"]]),
                q["responseEntries"],
                strict=True,
            ):
                fu = tuple(
                    (f["question"], f["answer"])
                    for f in e.get("followupResponses") or ()
                    if isinstance(f, dict) and "question" in f and "answer" in f
                )
                answers.append((rid, text, codes, fu or None))
            questions.append(CodedQuestion(str(q["questionIdentifier"]), str(q["question"]), tree, answers))
        now = sb.clock.now()
        job = sb.store.add(
            SandboxJob(
                "aftercare",
                "coding",
                _new_job_id(),
                str(body["surveyIdentifier"]),
                now,
                now + timedelta(seconds=5),
                now + timedelta(seconds=35),
                "completed",
                lambda: CodingData.build(questions, also_at_parent=False),
            )
        )
        return json_response(
            {"batchJobId": job.id, "surveyIdentifier": job.survey, "status": "queued", "results": None}, 202
        )

    async def post_quality(request: Request) -> Response:
        body = await _json_body(request)
        details = _validate_quality(body)
        if details:
            return aftercare_error(400, "INVALID_REQUEST", "Invalid request parameters", details)
        responses = body["responses"]
        now = sb.clock.now()
        job_id = _new_job_id()
        job = sb.store.add(
            SandboxJob(
                "aftercare",
                "data_quality",
                job_id,
                str(body.get("surveyIdentifier") or body["surveyName"]),
                now,
                now + timedelta(seconds=5),
                now + timedelta(seconds=35),
                "completed",
                lambda: quality_from_request(responses, f"{sb.seed}:{job_id}"),
                total=len(responses),
            )
        )
        return json_response(
            {"batchJobId": job.id, "status": "queued", "results": {"items": [], "nextCursor": None}}, 202
        )

    return [
        Route(
            f"{prefix}/api/v1/coding/{{batchJobId}}",
            wrap("aftercare.coding.get", get_coding),
            methods=["GET"],
        ),
        Route(f"{prefix}/api/v1/coding", wrap("aftercare.coding.post", post_coding), methods=["POST"]),
        Route(
            f"{prefix}/api/v1/data-quality/batch/{{batchJobId}}",
            wrap("aftercare.dq.get", get_quality),
            methods=["GET"],
        ),
        Route(
            f"{prefix}/api/v1/data-quality/batch", wrap("aftercare.dq.post", post_quality), methods=["POST"]
        ),
    ]
