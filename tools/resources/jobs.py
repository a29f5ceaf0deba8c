"""``survey-jobs://jobs``: the known jobs of both providers, newest first (the ``list_jobs`` view)."""

from __future__ import annotations

from ..catalog.runtime import ToolState, deadline
from ..views.jobs import list_jobs_view
from .spec import JOBS_URI, ResourceSpec

JOBS_RESOURCE_TOKENS = 12_000
"""A resource has no cursor to continue with: show as many jobs as a generous budget holds
(about 100 rows); the counts cover every job regardless."""

DESCRIPTION = (
    "The known jobs of both providers, newest first, with counts by status (the list_jobs view, "
    "as many jobs as fit in 12,000 tokens). Aftercare jobs appear once tracked."
)


async def jobs(tool_state: ToolState) -> str:
    async with deadline("Listing jobs"):
        listing = await tool_state.source.list_jobs(None, None)
    summary = list_jobs_view(listing, max_tokens=JOBS_RESOURCE_TOKENS, now=tool_state.now(), tz=tool_state.tz)
    return summary.text


SPEC = ResourceSpec(uri=JOBS_URI, fn=jobs, title="Known jobs", description=DESCRIPTION)
