"""The readiness rule: results exist only for completed (or partially failed) jobs."""

from __future__ import annotations

from survey_jobs_mcp.tools.errors import NotReady
from survey_jobs_mcp.tools.models import Job

from ..redact import clip


def require_finished(job: Job, tool: str) -> None:
    """Return if ``job`` has results to read; otherwise ``NotReady`` saying what to do."""
    if job.status in ("completed", "partially_failed"):
        return
    if job.status == "failed":
        err = f" ({clip(job.error.code, 80)}: {clip(job.error.message, 200)})" if job.error else ""
        raise NotReady(
            f"Job {job.job_id} failed{err}; it has no results. "
            f'Call get_job(job_id="{job.job_id}") for details.'
        )
    progress = ""
    if job.progress and job.progress.total:
        progress = f", {job.progress.processed}/{job.progress.total} processed ({job.progress.percentage}%)"
    raise NotReady(
        f"Job {job.job_id} is {job.status} ({job.provider_status}{progress}); results are available once it "
        f'completes. Call get_job(job_id="{job.job_id}") later, then {tool}.'
    )
