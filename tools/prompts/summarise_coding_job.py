"""``summarise_coding_job``: the themes of one coding job, question by question, with bases."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from .spec import PRESENTATION_RULES, PromptSpec, job_id_argument

DESCRIPTION = (
    "Summarise a finished coding job (Aftercare coding, SurveyCoder one_call / auto_coding): "
    "themes per question with respondent counts, bases and example answers."
)


async def summarise_coding_job(
    ctx: Context[Any],
    job_id: Annotated[
        str,
        Field(
            description="Id of a coding job (Aftercare UUID or SurveyCoder job_…); completes from known jobs."
        ),
    ],
) -> str:
    job = job_id_argument(ctx, job_id, "job_id")
    return f"""\
Summarise the results of coding job {job}.

Steps:
1. Call get_job(job_id="{job}"). If it is queued or running, report its status, progress and any \
estimated finish, and stop. If it failed, report the error and stop. If it is a data-quality job, \
say so and suggest the data_quality_report prompt instead; if it is a codebook_generation job, \
call get_coding_results(job_id="{job}") for its codebook, present its categories and codes (with \
definitions where given) and say it has no coded responses, so no counts; then stop.
2. Call get_coding_results(job_id="{job}") for the overview: every question with its base and \
top themes.
3. For the questions with the largest bases (at most three, or the ones the user asked about), \
call get_coding_results(job_id="{job}", question_id=..., examples_per_code=2) for the code tree.
4. Only when a theme needs evidence, call it again with code_id=... for that code's responses.

Answer with, per question:
- The question and its base (respondents who answered).
- The top themes, largest first, as "theme: n of base (x%)". A respondent can be in several \
codes, so shares add up to more than 100%: say so once. A parent code counts its whole subtree.
- Uncoded and no-answer respondents separately, never as a theme.
- One or two short example answers for the leading themes, in quotation marks, as given.
Then two or three sentences on what stands out across questions, comparing shares only between \
questions with similar bases. If the job partially failed, say which part of the results is \
missing.

{PRESENTATION_RULES}"""


SPEC = PromptSpec(
    fn=summarise_coding_job,
    title="Summarise a coding job",
    description=DESCRIPTION,
    job_args={"job_id": "coding"},
)
