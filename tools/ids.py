"""Job-id validation and provider detection, against the id formats the providers declare.

Ids end up in URL paths, so they are checked against the exact formats before any request is
built. Anything else, including ``../x``, ``%2e%2e``, slashes and whitespace, is rejected with a
message that shows every format. The formats themselves belong to the providers (each adapter
declares its ``IdFormat``); this module only knows how to match them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidInput
from .models import Provider


@dataclass(frozen=True, slots=True)
class IdFormat:
    provider: Provider
    pattern: re.Pattern[str]
    described: str
    """How the message shows it, e.g. "an Aftercare batch job id is a UUID like 123e…"."""
    case_insensitive: bool = False
    """Compared case-insensitively: the key form is lower-cased."""


def _shown(value: str) -> str:
    """A short, printable rendering of a rejected id (never echo control characters back)."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in value[:60])
    return repr(cleaned) + ("…" if len(value) > 60 else "")


class JobIds:
    """The id formats of every registered provider."""

    def __init__(self, formats: Iterable[IdFormat]) -> None:
        self.formats = tuple(formats)
        self.described = "; ".join(f.described for f in self.formats)

    def _format(self, job_id: str) -> IdFormat | None:
        return next((f for f in self.formats if f.pattern.fullmatch(job_id)), None)

    def detect(self, job_id: str) -> Provider:
        """The provider that owns ``job_id``, or ``InvalidInput`` naming every format."""
        if not isinstance(job_id, str):  # defensive: MCP validation already makes it a str
            raise InvalidInput(f"Job id must be text; {self.described}.")
        found = self._format(job_id)
        if found is None:
            raise InvalidInput(
                f"{_shown(job_id)} is not a valid job id: {self.described}. "
                "Call list_jobs to see the ids of recent jobs."
            )
        return found.provider

    def canonical(self, job_id: str) -> str:
        """The key form of an id; never raises (an unknown form is returned unchanged)."""
        found = self._format(job_id)
        return job_id.lower() if found is not None and found.case_insensitive else job_id

    def normalize(self, job_id: str) -> str:
        """Validate ``job_id`` (``InvalidInput`` naming every format) and return its key form."""
        self.detect(job_id)
        return self.canonical(job_id)
