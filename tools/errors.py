"""Errors the assistant reads.

Every expected failure is a ``SurveyJobsError`` subclass whose message says what happened and what
to do next. They are plain exceptions: the one boundary in ``tools.catalog.spec`` turns them into
``ToolError`` (in mcp 2.x the only exception whose text reaches the model). Subclasses exist so
callers can react by type (for example ``list_jobs`` turns one provider's ``UpstreamError`` into a
note and keeps the other's jobs) without parsing messages. No message may ever contain an API key.
"""

from __future__ import annotations


class SurveyJobsError(Exception):
    """Base of every error this product raises on purpose."""


class InvalidInput(SurveyJobsError):
    """A parameter is malformed (bad id format, bad date, bad cursor)."""


class JobNotFound(SurveyJobsError):
    """The provider does not know the job."""


class CredentialsError(SurveyJobsError):
    """No key configured, or the provider rejected it."""


class UpstreamError(SurveyJobsError):
    """The provider failed (5xx, 429, timeout, broken body) after retries."""

    def __init__(
        self, message: str, *, provider: str, status: int | None = None, request_id: str | None = None
    ):
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.request_id = request_id


class WrongJobKind(SurveyJobsError):
    """The tool does not apply to this kind of job; the message names the right tool."""


class NotReady(SurveyJobsError):
    """The job has no results yet (queued / running) or none at all (failed)."""


class StoreError(SurveyJobsError):
    """The local store (tracked jobs, cached results) failed at run time; the message says how to fix it."""


class CodebookOnly(WrongJobKind):
    """The job produced a codebook, not coded responses: read it with the codebook view."""
