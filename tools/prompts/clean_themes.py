"""``clean_themes``: a coding job's themes without the respondents a data-quality job flags."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from .spec import PRESENTATION_RULES, PromptSpec, job_id_argument

DESCRIPTION = (
    "A coding job's themes after removing the respondents a data-quality job flags as likely "
    "removable: what cleaning removed and which themes it moved."
)


async def clean_themes(
    ctx: Context[Any],
    coding_job_id: Annotated[str, Field(description="Id of the coding job; completes from known jobs.")],
    quality_job_id: Annotated[
        str,
        Field(
            description="Id of the data-quality job that scored the same respondents; completes from "
            "known jobs."
        ),
    ],
) -> str:
    coding = job_id_argument(ctx, coding_job_id, "coding_job_id")
    quality = job_id_argument(ctx, quality_job_id, "quality_job_id")
    return f"""\
Show the themes of coding job {coding} without the low-quality respondents that data-quality job \
{quality} identifies.

Steps:
1. Call get_job(job_id="{coding}") and get_job(job_id="{quality}"). The first must be a finished \
coding job and the second a finished data-quality job; otherwise say which and stop.
2. Call get_quality_results(job_id="{quality}") for how many respondents it scored and its rules \
for "flagged" and "likely removable".
3. Call get_coding_results(job_id="{coding}") for the themes as they are.
4. Call get_coding_results(job_id="{coding}", exclude_flagged_in="{quality}") for the themes \
without the likely removable respondents, and what the cleaning changed.
5. Only if the user asks for a stricter cut, call it again with exclude="flagged".

Answer with:
- How many respondents the cleaning removed from the coding job, by which rule (as the tool \
states it), and how many of the data-quality job's respondents matched the coding job's. If \
almost none matched, say the two jobs probably do not cover the same respondents and stop.
- Per question, both bases (before and after) and the themes whose share moved most, as \
"theme: x% before, y% after (n of base)". Say plainly when cleaning changed little.
- That removal is a recommendation to review, based on model judgements, not a verdict.

{PRESENTATION_RULES}"""


SPEC = PromptSpec(
    fn=clean_themes,
    title="Themes without low-quality respondents",
    description=DESCRIPTION,
    job_args={"coding_job_id": "coding", "quality_job_id": "quality"},
)
