"""Job-id validation and provider detection.

Ids end up in URL paths, so they are checked against the two exact formats before any request is
built: a SurveyCoder job id (``job_`` + 24 lowercase hex) or an Aftercare batch job id (a UUID).
Anything else, including ``../x``, ``%2e%2e``, slashes and whitespace, is rejected with a message
that shows both formats.
"""

from __future__ import annotations

import re

from .errors import InvalidInput
from .models import Provider

SURVEYCODER_JOB_RE = re.compile(r"job_[0-9a-f]{24}")
AFTERCARE_JOB_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

ID_FORMATS = (
    "an Aftercare batch job id is a UUID like 123e4567-e89b-12d3-a456-426614174000; "
    "a SurveyCoder job id is 'job_' followed by 24 lowercase hex digits like job_1a2b3c4d5e6f7a8b9c0d1e2f"
)


def _shown(value: str) -> str:
    """A short, printable rendering of a rejected id (never echo control characters back)."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in value[:60])
    return repr(cleaned) + ("…" if len(value) > 60 else "")


def detect_provider(job_id: str) -> Provider:
    """Return the provider that owns ``job_id`` or raise ``InvalidInput`` naming both formats."""
    if not isinstance(job_id, str):  # defensive: MCP validation already makes it a str
        raise InvalidInput(f"Job id must be text; {ID_FORMATS}.")
    if SURVEYCODER_JOB_RE.fullmatch(job_id):
        return "surveycoder"
    if AFTERCARE_JOB_RE.fullmatch(job_id):
        return "aftercare"
    raise InvalidInput(
        f"{_shown(job_id)} is not a valid job id: {ID_FORMATS}. Call list_jobs to see the ids of recent jobs."
    )


def canonical_job_id(job_id: str) -> str:
    """The key form of an id; never raises: Aftercare UUIDs lower-cased (compared
    case-insensitively), anything else unchanged."""
    return job_id.lower() if AFTERCARE_JOB_RE.fullmatch(job_id) else job_id


def normalize_job_id(job_id: str) -> str:
    """Validate ``job_id`` (``InvalidInput`` naming both formats) and return its key form."""
    detect_provider(job_id)
    return canonical_job_id(job_id)
