"""``failed_jobs_today``: which jobs failed today, why, and what to do about each."""

from __future__ import annotations

from .spec import PRESENTATION_RULES, PromptSpec

DESCRIPTION = "Which survey-analysis jobs failed today (both providers), why, and what to do next."


async def failed_jobs_today() -> str:
    return f"""\
Find the survey-analysis jobs that failed today and explain each failure.

Steps:
1. Call list_jobs(status="failed", since="today"). "failed" also matches partially failed \
jobs; its counts cover every match even when not every job is shown (next_cursor pages on). \
Read its counts, notes and provider failures first: if a provider could not be read, the list \
is incomplete, not empty, and you must say so.
2. For each failed or partially failed job (at most 10, newest first; say how many more there \
are), call get_job(job_id) for its error code, error message and timings.
3. For a partially failed job, call get_coding_results(job_id, max_tokens=1500) (a coding job) or \
get_quality_results(job_id, max_tokens=1500) (a data-quality job) to see which results exist.

Answer with:
- One line first: how many jobs failed and how many partially failed today, in the time zone \
list_jobs echoes, and how many jobs were checked in total.
- A table: job id, provider, kind, survey, status, when (and which clock: the provider's \
completion time or when this server first saw the status), error code, the reason in a few words.
- Jobs that share an error code grouped together, with a next step per group (retry, fix the \
input, check the API key) only where the error text supports it.
- If nothing failed today, say so plainly.

{PRESENTATION_RULES}"""


SPEC = PromptSpec(fn=failed_jobs_today, title="Jobs that failed today", description=DESCRIPTION)
