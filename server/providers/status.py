"""Mapping a provider's own job statuses onto the five normalized ones."""

from __future__ import annotations

from collections.abc import Mapping

from survey_jobs_mcp.tools.models import NormalizedStatus

StatusTable = Mapping[str, NormalizedStatus]


def map_status(table: StatusTable, what: str, provider_status: str) -> NormalizedStatus:
    """The normalized status, or ``ValueError`` for a status the provider never documented.

    An unknown status is a broken contract: the adapter reports it instead of guessing.
    """
    key = provider_status.strip().lower() if isinstance(provider_status, str) else ""
    if key not in table:
        raise ValueError(f"unknown {what} status {provider_status!r} (expected one of {', '.join(table)})")
    return table[key]
