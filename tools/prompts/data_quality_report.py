"""``data_quality_report``: flag rates, issue types and worst respondents of a data-quality job."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from .spec import PRESENTATION_RULES, PromptSpec, job_id_argument

DESCRIPTION = (
    "Report on a finished Aftercare data-quality job: flag rates overall and per issue type, the "
    "rules used, the worst respondents with evidence, and who is likely removable."
)


async def data_quality_report(
    ctx: Context[Any],
    job_id: Annotated[
        str,
        Field(description="Id of an Aftercare data-quality job (a UUID); completes from known jobs."),
    ],
) -> str:
    job = job_id_argument(ctx, job_id, "job_id")
    return f"""\
Write a data-quality report for data-quality job {job}.

Steps:
1. Call get_job(job_id="{job}"). If it is queued or running, report its status and stop. If it \
failed, report the error and stop. If it is a coding job, say so and suggest the \
summarise_coding_job prompt instead.
2. Call get_quality_results(job_id="{job}") for the overview: respondents scored, mean and median \
demerit, the distribution, the flag rate overall and per issue type, the rules used for "flagged" \
and "likely removable", and the worst respondents.
3. For the two issue types that flag the most respondents, call get_quality_results(job_id="{job}", \
issue_type=...) to see who is flagged and the evidence.
4. Only to explain a pattern, call it with respondent_id=... for up to three of the worst \
respondents' per-answer evaluations.

Answer with:
- The base: respondents scored. Every rate as "n of base (x%)".
- The flag rate overall, then per issue type, highest first; one respondent can have several \
issues, so the per-type counts add up to more than the flagged total.
- The rules for "flagged" and "likely removable" exactly as the tool states them, and how many \
respondents each rule catches. Recommend removal only for "likely removable" respondents, as a \
list to review, not a verdict.
- Duplicates as counts (within a respondent, shared between respondents).
- Caveats: the scores are model judgements; an llm_generated flag is a likelihood, not proof.

{PRESENTATION_RULES}"""


SPEC = PromptSpec(
    fn=data_quality_report,
    title="Data-quality report",
    description=DESCRIPTION,
    job_args={"job_id": "quality"},
)
