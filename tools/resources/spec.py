"""What one MCP resource is, its URIs, and the boundary where domain errors become resource errors.

A resource module in this package exports a ``SPEC``. Templates (a URI with ``{job_id}``) read the
running server through the request ``Context`` like tools do. A static resource gets no
``Context`` from the SDK (mcp 2.3 refuses one), so ``ResourceSpec.handler`` hands it the running
state through ``live``, a getter the server provides.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from ..catalog.runtime import ToolState
from ..errors import InvalidInput, JobNotFound, SurveyJobsError
from ..ids import JobIds
from ..job_args import JobNeed

JOBS_URI = "survey-jobs://jobs"
JOB_TEMPLATE = "survey-jobs://jobs/{job_id}"
SUMMARY_TEMPLATE = "survey-jobs://jobs/{job_id}/summary"
_JOB_PREFIX = JOBS_URI + "/"
_SUMMARY_SUFFIX = "/summary"

StateGetter = Callable[[], ToolState]
"""Returns the running server's state (raises if the server is not running)."""
Scrubber = Callable[[str], str]


def job_uris(job_id: str) -> tuple[str, ...]:
    """Every resource whose content follows the job's status: its view, its summary, the list."""
    return (JOB_TEMPLATE.format(job_id=job_id), SUMMARY_TEMPLATE.format(job_id=job_id), JOBS_URI)


def canonical_uri(uri: str, ids: JobIds) -> str:
    """``uri`` with its job id in the id's key form (so a subscription matches what we publish)."""
    if not uri.startswith(_JOB_PREFIX):
        return uri
    rest = uri[len(_JOB_PREFIX) :]
    suffix = _SUMMARY_SUFFIX if rest.endswith(_SUMMARY_SUFFIX) else ""
    job_id = rest[: len(rest) - len(suffix)]
    return _JOB_PREFIX + ids.canonical(job_id) + suffix


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    uri: str
    fn: Callable[..., Awaitable[str]]
    """Template: ``fn(job_id, ctx)``. Static: ``fn(state)``."""
    title: str
    description: str
    job_args: Mapping[str, JobNeed] = field(default_factory=dict)
    """Template parameters that take a job id, and the kind of job each needs (for completions)."""
    mime_type: str = "text/markdown"

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def is_template(self) -> bool:
        return "{" in self.uri

    def handler(self, live: StateGetter, scrub: Scrubber = str) -> Callable[..., Awaitable[str]]:
        """The function to register, behind the error boundary.

        A ``SurveyJobsError`` becomes ``ResourceNotFoundError`` (bad or unknown id: JSON-RPC
        invalid params) or ``ResourceError`` (anything else: internal error); both carry our
        message, which says what to do. ``functools.wraps`` keeps the signature the SDK matches
        template parameters against.
        """
        fn = self.fn

        async def guarded(call: Callable[[], Awaitable[str]]) -> str:
            try:
                return await call()
            except (InvalidInput, JobNotFound) as exc:
                raise ResourceNotFoundError(scrub(str(exc))) from None
            except SurveyJobsError as exc:
                raise ResourceError(scrub(str(exc))) from None

        if self.is_template:

            @functools.wraps(fn)
            async def template(*args: Any, **kwargs: Any) -> str:
                return await guarded(lambda: fn(*args, **kwargs))

            return template

        async def static() -> str:
            return await guarded(lambda: fn(live()))

        static.__name__ = static.__qualname__ = fn.__name__
        static.__doc__ = fn.__doc__
        return static
