"""The job views behind list_jobs and get_job: output schemas (``schema``), time wording
(``clock``), the shared status/results rules (``common``), and the two views (``listing`` with its
markdown in ``listing_text``, and ``job``)."""

from .common import STATUS_FILTERS, matches_status
from .job import get_job_view
from .listing import list_jobs_view
from .schema import GetJobOut, ListJobsOut

__all__ = ["STATUS_FILTERS", "GetJobOut", "ListJobsOut", "get_job_view", "list_jobs_view", "matches_status"]
