"""HTTP plumbing shared by both emulated APIs: JSON bodies, error shapes, request ids, faults.

Each route handler is wrapped by ``serve_route`` which applies injected faults, adds the
provider's headers (``X-Request-Id`` for both, rate-limit headers for SurveyCoder) and turns the
handler's result into bytes exactly once, so truncation and invalid-JSON faults act on the real
body.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .faults import Fault, FaultRegistry

_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

AFTERCARE_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_REQUEST", "Invalid request parameters"),
    401: ("INVALID_API_KEY", "Invalid or missing API key"),
    403: ("INVALID_API_KEY", "Invalid or missing API key"),
    404: ("NOT_FOUND", "Requested resource not found"),
    429: ("RATE_LIMITED", "Too many requests"),
    500: ("INTERNAL_ERROR", "An unexpected error occurred"),
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
    504: ("GATEWAY_TIMEOUT", "The server took too long to respond"),
}
SURVEYCODER_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("VALIDATION_ERROR", "Bad request"),
    401: ("UNAUTHORIZED", "Invalid API key"),
    402: ("INSUFFICIENT_CREDITS", "Your organization has 0 credits remaining."),
    403: ("INSUFFICIENT_SCOPE", "API key lacks the required scope"),
    404: ("NOT_FOUND", "Job not found"),
    409: ("INVALID_STATE", "Resource state forbids this operation"),
    422: ("VALIDATION_ERROR", "Validation failed"),
    429: ("RATE_LIMITED", "Rate limit exceeded."),
    500: ("INTERNAL_ERROR", "An unexpected error occurred"),
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
    504: ("GATEWAY_TIMEOUT", "Upstream request timed out"),
}


def json_bytes(body: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII kept as is, like most real APIs)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(body), status_code=status, headers=headers, media_type="application/json")


def new_request_id() -> str:
    """``req_`` + 26 Crockford base32 characters (ULID-like), as SurveyCoder's examples show."""
    return "req_" + "".join(secrets.choice(_ULID_ALPHABET) for _ in range(26))


def request_id(request: Request) -> str:
    """The client's X-Request-Id (echoed) or a fresh one; remembered on the request."""
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.headers.get("x-request-id") or new_request_id()
        request.state.request_id = rid
    return rid


def aftercare_error(status: int, code: str, message: str, details: dict[str, str] | None = None) -> Response:
    """A bare Aftercare ``Error`` body."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return json_response(body, status)


def doc_url(code: str) -> str:
    return "https://docs.surveycoder.io/errors/" + code.lower().replace("_", "-")


def surveycoder_error(request: Request, status: int, code: str, message: str) -> Response:
    """SurveyCoder's ``{success:false,error:{...}}`` envelope."""
    return json_response(
        {
            "success": False,
            "error": {
                "code": code,
                "message": message,
                "request_id": request_id(request),
                "doc_url": doc_url(code),
            },
        },
        status,
    )


class ConnectionDropped(Exception):
    """Raised mid-response so uvicorn aborts the connection (the ``drop`` fault)."""


class DropResponse(Response):
    """Starts a response that promises more bytes than it sends, then aborts the connection."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"batchJobId":', "more_body": True})
        raise ConnectionDropped("sandbox fault: connection dropped")


class _DropFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, ConnectionDropped):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


logging.getLogger("uvicorn.error").addFilter(_DropFilter())


class RateLimiter:
    """Fixed one-minute windows per key on the sandbox clock (SurveyCoder's per-key RPM)."""

    def __init__(self, rpm: int | None) -> None:
        self.rpm = rpm
        self.limit = rpm or 60
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: datetime) -> tuple[dict[str, str], int | None]:
        """Count a request; return the rate-limit headers and Retry-After seconds if over the limit."""
        ts = now.timestamp()
        window = int(ts // 60)
        with self._lock:
            n = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = n
        reset = (window + 1) * 60
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - n)),
            "X-RateLimit-Reset": str(reset),
        }
        if self.rpm is not None and n > self.rpm:
            return headers, max(1, math.ceil(reset - ts))
        return headers, None


Handler = Callable[[Request], Awaitable[Response]]
ErrorFactory = Callable[[Request, int, int | None], Response]


async def serve_route(
    request: Request,
    route: str,
    faults: FaultRegistry,
    handler: Handler,
    fault_error: ErrorFactory,
    extra_headers: Callable[[Request], dict[str, str]],
) -> Response:
    """Run ``handler`` under the faults registered for ``route`` and add provider headers."""
    active: list[Fault] = faults.hit(route)
    for fault in active:
        if fault.kind == "latency":
            await anyio.sleep(fault.seconds)
    response: Response | None = None
    for fault in active:
        if fault.kind == "drop":
            return DropResponse()
        if fault.kind == "status":
            response = fault_error(request, fault.code, fault.retry_after)
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(fault.retry_after)
            break
    if response is None:
        response = await handler(request)
        for fault in active:
            if fault.kind == "truncated":
                body = bytes(response.body)
                response = Response(
                    body[: len(body) // 2], response.status_code, media_type="application/json"
                )
                break
            if fault.kind == "invalid_json":
                response = Response(
                    b"<html><body><h1>502 Bad Gateway</h1>upstream said: {not json",
                    200,
                    media_type="application/json",
                )
                break
    for name, value in extra_headers(request).items():
        response.headers.setdefault(name, value)
    response.headers["X-Request-Id"] = request_id(request)
    return response
