"""The narrow transport the provider clients need: one JSON GET that returns the status.

Retries, backoff, deadlines, key handling and the loopback/https rule live in ``server/http.py``;
a provider client only interprets statuses and bodies. Transient failures (429, 5xx, connection
errors, broken bodies) never reach a client: the HTTP layer has already retried them or raised
``UpstreamError``; 401/403 have become ``CredentialsError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from survey_jobs_mcp.tools.errors import UpstreamError

from ..http import Reply
from ..redact import clip


class JsonGetter(Protocol):
    async def get(
        self, path: str, params: dict[str, str] | None = None, *, decode: Callable[[bytes], Any] | None = None
    ) -> Reply: ...


M = TypeVar("M", bound=BaseModel)


def validated(provider_label: str, reply: Reply, model: type[M], what: str) -> M:
    """The reply's body as ``model``, or the provider's contract error naming where it broke."""
    try:
        return model.model_validate(reply.body)
    except ValidationError as exc:
        raise contract_error(provider_label, what, exc, reply.request_id) from None


def contract_error(
    provider_label: str, what: str, exc: ValidationError, request_id: str | None
) -> UpstreamError:
    """A body that breaks the provider's published contract: say where, never guess the numbers."""
    first = exc.errors()[0] if exc.errors() else {}
    # Locations and messages can carry upstream text (a dict key, a custom validator's message).
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    return schema_error(provider_label, what, where, first.get("msg", "invalid"), request_id)


def schema_error(
    provider_label: str, what: str, where: str, message: str, request_id: str | None
) -> UpstreamError:
    """The same broken-contract error, for a decoder that reports ``where`` and ``message`` itself."""
    rid = f" (request id {request_id})" if request_id else ""
    return UpstreamError(
        f"{provider_label} returned a {what} that does not match its published schema at "
        f"'{clip(where, 120) or 'body'}': {clip(message, 200)}{rid}. The results cannot be trusted, "
        "so none are shown; try again later or report it to the provider.",
        provider=provider_label.lower(),
        request_id=request_id,
    )


def unexpected_status(provider_label: str, reply: Reply) -> UpstreamError:
    rid = f", request id {reply.request_id}" if reply.request_id else ""
    detail = ""
    if isinstance(reply.body, dict):
        err = reply.body.get("error") if isinstance(reply.body.get("error"), dict) else reply.body
        code, message = err.get("code"), err.get("message")
        if isinstance(code, str) and isinstance(message, str):
            detail = f": {clip(code, 80)} {clip(message, 200)}"
    return UpstreamError(
        f"{provider_label} answered HTTP {reply.status}{detail}{rid}.",
        provider=provider_label.lower(),
        status=reply.status,
        request_id=reply.request_id,
    )
