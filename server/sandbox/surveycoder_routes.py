"""The emulated SurveyCoder v2 API: GET /v2/jobs/{id}, GET /v2/jobs, POST /v2/code.

Every response, errors included, carries the rate-limit headers and ``X-Request-Id``; bodies use
the ``{success, data, meta}`` / ``{success: false, error}`` envelope. Fewer than 50 responses are
coded synchronously; 50 or more become a ``one_call`` job that advances 100 responses per step on
the sandbox clock.
"""

from __future__ import annotations

import json
import math
import re
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .http_common import SURVEYCODER_FAULT_ERRORS, json_response, request_id, serve_route, surveycoder_error
from .jobs import SandboxJob
from .keyword_coder import code_answers, keyword_tree
from .surveycoder_data import coding_result

if TYPE_CHECKING:
    from .app import Sandbox

JOB_ID_RE = re.compile(r"job_[a-f0-9]{24}")
STATUSES = ("queued", "processing", "completed", "failed")
ASYNC_THRESHOLD = 50
MAX_RESPONSES = 10000
MAX_TEXT = 2000
SECONDS_PER_STEP = 3


class Credits:
    """The organization's credit balance (1 credit per coded response)."""

    def __init__(self, balance: int) -> None:
        self.balance = balance
        self._lock = threading.Lock()

    def charge(self, n: int) -> int:
        with self._lock:
            self.balance -= n
            return self.balance


def _validate_code(body: Any) -> str | None:
    """The first validation message for a POST /v2/code body, naming the field, or None."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    responses = body.get("responses")
    if not isinstance(responses, list) or not responses:
        return "responses array is required and must not be empty"
    if len(responses) > MAX_RESPONSES:
        return f"responses must contain at most {MAX_RESPONSES} items"
    for i, r in enumerate(responses):
        if not isinstance(r, dict):
            return f"responses[{i}] must be an object with id and text"
        if not isinstance(r.get("id"), str) or not r["id"]:
            return f"responses[{i}].id is required and must be a string"
        if not isinstance(r.get("text"), str):
            return f"responses[{i}].text is required and must be a string"
        if len(r["text"]) > MAX_TEXT:
            return f"responses[{i}].text must be at most {MAX_TEXT} characters"
    if body.get("coding_type") is not None and body["coding_type"] not in ("qualitative", "entity"):
        return "coding_type must be one of qualitative, entity"
    for field in ("language", "question_text", "project_name", "country", "category", "coding_guidance"):
        if body.get(field) is not None and not isinstance(body[field], str):
            return f"{field} must be a string"
    return None


def routes(sb: Sandbox, prefix: str) -> list[Route]:
    """Starlette routes for SurveyCoder under ``prefix``."""

    def fault_error(request: Request, status: int, retry_after: int | None) -> Response:
        code, message = SURVEYCODER_FAULT_ERRORS.get(
            status, ("INTERNAL_ERROR", "An unexpected error occurred")
        )
        if status == 429:
            message = f"Rate limit exceeded. Retry after {retry_after or 1} seconds."
        return surveycoder_error(request, status, code, message)

    def wrap(route: str, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            key = request.headers.get("x-api-key")
            rl_headers, retry_after = sb.rate_limiter.hit(key or "-", sb.clock.now())

            async def guarded(req: Request) -> Response:
                if not key:
                    return surveycoder_error(req, 401, "UNAUTHORIZED", "x-api-key header is required")
                if key != sb.keys.surveycoder:
                    return surveycoder_error(req, 401, "UNAUTHORIZED", "Invalid API key")
                if retry_after is not None:
                    resp = surveycoder_error(
                        req, 429, "RATE_LIMITED", f"Rate limit exceeded. Retry after {retry_after} seconds."
                    )
                    resp.headers["Retry-After"] = str(retry_after)
                    return resp
                return await handler(req)

            return await serve_route(request, route, sb.faults, guarded, fault_error, lambda r: rl_headers)

        return endpoint

    def meta(request: Request, **extra: Any) -> dict[str, Any]:
        return {"api_version": "v2", "request_id": request_id(request), **extra}

    async def get_job(request: Request) -> Response:
        job_id = request.path_params["id"]
        job = (
            sb.store.get(job_id, "surveycoder", ("one_call", "auto_coding", "codebook_generation"))
            if (JOB_ID_RE.fullmatch(job_id))
            else None
        )
        if job is None:
            return surveycoder_error(request, 404, "NOT_FOUND", "Job not found")
        return json_response(
            {"success": True, "data": job.surveycoder_body(sb.clock.now(), True), "meta": meta(request)}
        )

    async def list_jobs(request: Request) -> Response:
        status = request.query_params.get("status")
        if status is not None and status not in STATUSES:
            return surveycoder_error(
                request, 422, "VALIDATION_ERROR", f"status must be one of {', '.join(STATUSES)}"
            )
        raw_limit = request.query_params.get("limit", "20")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
            return surveycoder_error(
                request, 422, "VALIDATION_ERROR", "limit must be an integer between 1 and 100"
            )
        now = sb.clock.now()
        jobs = sorted(
            (j for j in sb.store.all() if j.provider == "surveycoder"),
            key=lambda j: j.created_at,
            reverse=True,
        )
        if status:
            jobs = [j for j in jobs if j.status(now) == status]
        data = [j.surveycoder_body(now, False) for j in jobs[: int(raw_limit)]]
        return json_response({"success": True, "data": data, "meta": meta(request, count=len(data))})

    async def post_code(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return surveycoder_error(request, 422, "VALIDATION_ERROR", "Invalid JSON")
        message = _validate_code(body)
        if message:
            return surveycoder_error(request, 422, "VALIDATION_ERROR", message)
        pairs = [(r["id"], r["text"]) for r in body["responses"]]
        question = body.get("question_text") or "Survey question"
        tree = keyword_tree()
        seed = f"{sb.seed}:code:{request_id(request)}"
        if len(pairs) < ASYNC_THRESHOLD:
            result = coding_result(tree, "pos", question, code_answers(tree, pairs), seed)
            remaining = sb.credits.charge(len(pairs))
            return json_response(
                {
                    "success": True,
                    "data": result,
                    "meta": meta(request, credits_used=len(pairs), credits_remaining=remaining),
                }
            )
        now = sb.clock.now()
        start = now + timedelta(seconds=2)
        done = start + timedelta(seconds=SECONDS_PER_STEP * math.ceil(len(pairs) / 100))
        job = sb.store.add(
            SandboxJob(
                "surveycoder",
                "one_call",
                sb.next_surveycoder_id(),
                str(body.get("project_name") or "API"),
                now,
                start,
                done,
                "completed",
                lambda: coding_result(tree, "pos", question, code_answers(tree, pairs), seed),
                total=len(pairs),
            )
        )
        remaining = sb.credits.charge(len(pairs))
        return json_response(
            {
                "success": True,
                "data": {"job_id": job.id, "status": "queued", "type": "one_call"},
                "meta": meta(request, credits_used=len(pairs), credits_remaining=remaining),
            },
            202,
        )

    return [
        Route(f"{prefix}/v2/jobs/{{id}}", wrap("surveycoder.jobs.get", get_job), methods=["GET"]),
        Route(f"{prefix}/v2/jobs", wrap("surveycoder.jobs.list", list_jobs), methods=["GET"]),
        Route(f"{prefix}/v2/code", wrap("surveycoder.code.post", post_code), methods=["POST"]),
    ]
