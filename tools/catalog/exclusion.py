"""What the tools that take ``exclude_flagged_in`` share: the two arguments, and the cleaned index.

``get_coding_results``, ``compare_coding_results`` and ``export_results`` all read a data-quality
job's verdicts the same way (through the same cached quality index ``get_quality_results`` uses)
and filter coding results with the same rule, so "without junk respondents" means one thing.
"""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from mcp.server.mcpserver import Context
from pydantic import Field

from ..errors import InvalidInput, WrongJobKind
from ..views.cleaning import Cleaning, Exclusion, describe_cleaning, exclusion_from, filter_results
from ..views.coding import CodingIndex, build_coding_index
from ..views.quality import QualityIndex, build_quality_index
from .runtime import results_index, state

ExcludeFlaggedIn = Annotated[
    str | None,
    Field(
        description="A data-quality job id: leave out the respondents it flags (same respondent ids).",
        min_length=1,
        max_length=100,
    ),
]
Exclude = Annotated[
    Literal["likely_removable", "flagged"],
    Field(description="Which of them: likely_removable or any flagged."),
]


async def quality_verdicts(ctx: Context, quality_job_id: str, rule: str) -> tuple[QualityIndex, Exclusion]:
    """The quality index of ``quality_job_id`` (read and cached like any other) and who it excludes."""
    source = state(ctx).source
    key = source.ids.normalize(quality_job_id)
    try:
        async with results_index(
            ctx, "quality", quality_job_id, source.get_quality_report, build_quality_index
        ) as index:
            return index, exclusion_from(key, index, rule)  # type: ignore[arg-type]
    except WrongJobKind as exc:
        raise InvalidInput(f"exclude_flagged_in must be an Aftercare data-quality job id. {exc}") from None


async def exclusion(ctx: Context, quality_job_id: str, rule: str) -> Exclusion:
    """Who ``quality_job_id`` excludes under ``rule``."""
    return (await quality_verdicts(ctx, quality_job_id, rule))[1]


async def cleaned(ctx: Context, index: CodingIndex, excl: Exclusion) -> tuple[CodingIndex, Cleaning]:
    """The coding index without the excluded respondents, and what cleaning changed (cached)."""
    tool_state = state(ctx)
    key = ("coding-clean", f"{index.results.job_id}|{excl.quality_job_id}|{excl.rule}")
    hit = tool_state.indexes.get(key)
    if hit is not None:
        return hit

    def work() -> tuple[CodingIndex, Cleaning]:
        filtered = filter_results(index.results, excl)
        after = build_coding_index(filtered.results)
        return after, describe_cleaning(index, after, excl, filtered)

    value = await anyio.to_thread.run_sync(work)
    tool_state.indexes.put(key, value)
    return value
