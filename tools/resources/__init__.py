"""The MCP resources, one module each: the job list, one job's view, one job's results overview.

Hosts let a user attach a resource to a chat; clients can subscribe to a job's resources and are
told when the server sees the job's status change (``server/resource_events.py``).
"""

from __future__ import annotations

from . import job, job_summary, jobs
from .spec import JOB_TEMPLATE, JOBS_URI, SUMMARY_TEMPLATE, ResourceSpec, StateGetter, job_uris

# The summary template comes first: its URI is the longer match.
RESOURCES: tuple[ResourceSpec, ...] = (jobs.SPEC, job_summary.SPEC, job.SPEC)

__all__ = [
    "JOBS_URI",
    "JOB_TEMPLATE",
    "RESOURCES",
    "SUMMARY_TEMPLATE",
    "ResourceSpec",
    "StateGetter",
    "job_uris",
]
