"""``survey-jobs://jobs``: the known jobs of both providers, newest first (the ``list_jobs`` view)."""

from __future__ import annotations

from ..catalog.runtime import ToolState, deadline
from ..views.jobs import list_jobs_view
from ..views.jobs.listing import MAX_LIMIT
from .spec import JOBS_URI, ResourceSpec

DESCRIPTION = (
    "The known jobs of both providers, newest first, with counts by status (the list_jobs view, "
    "up to 100 jobs). Aftercare jobs appear once tracked."
)


async def jobs(tool_state: ToolState) -> str:
    async with deadline("Listing jobs"):
        listing = await tool_state.source.list_jobs(None, None)
    summary = list_jobs_view(listing, limit=MAX_LIMIT, now=tool_state.now(), tz=tool_state.tz)
    return summary.text


SPEC = ResourceSpec(uri=JOBS_URI, fn=jobs, title="Known jobs", description=DESCRIPTION)
