"""``compare_waves``: two coding jobs (this wave and a baseline) theme by theme, with significance."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from .spec import PRESENTATION_RULES, PromptSpec, job_id_argument

DESCRIPTION = (
    "Compare two finished coding jobs (e.g. this wave against the last one): which themes grew or "
    "shrank significantly, new and dropped themes, with both bases."
)


async def compare_waves(
    ctx: Context[Any],
    job_id: Annotated[
        str, Field(description="Id of the newer coding job (this wave); completes from known jobs.")
    ],
    baseline_job_id: Annotated[
        str,
        Field(
            description="Id of the coding job to compare against (e.g. last wave); completes from known jobs."
        ),
    ],
) -> str:
    job = job_id_argument(ctx, job_id, "job_id")
    base = job_id_argument(ctx, baseline_job_id, "baseline_job_id")
    return f"""\
Compare coding job {job} (this wave) with coding job {base} (the baseline).

Steps:
1. Call get_job(job_id="{job}") and get_job(job_id="{base}"). Both must be finished coding jobs; \
if one is unfinished, failed or not a coding job, say which and stop.
2. Call compare_coding_results(job_id="{job}", baseline_job_id="{base}") for every matched \
question: significant changes first, then the largest differences, new and dropped codes, and \
unmatched questions.
3. For each question with a significant change (at most three, or the ones the user asked about), \
call compare_coding_results(job_id="{job}", baseline_job_id="{base}", question_id=...) for all of \
its codes.

Answer with, per question:
- Both bases: "this wave n=…, baseline n=…".
- The changes the tool marks significant, largest first, as "theme: x% (n of base) vs y% \
(n of base), ±d pp". Call a change significant only when the tool does (two-sided test at 95%, \
both bases at least 30); describe every other difference as not significant, however large.
- Themes new in this wave and themes dropped since the baseline, with their counts.
- Questions that could not be matched, by name, and that codes were matched by label, so a \
renamed code shows as dropped plus new.

{PRESENTATION_RULES}"""


SPEC = PromptSpec(
    fn=compare_waves,
    title="Compare two waves",
    description=DESCRIPTION,
    job_args={"job_id": "coding", "baseline_job_id": "coding"},
)
