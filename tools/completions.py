"""Argument completion: job-id arguments of prompts and resource templates complete from known jobs.

Which arguments take a job id, and of which kind, is declared on each prompt's and resource's spec
(``job_args``); this module only looks it up, asks the job source for the jobs it can name cheaply
(``JobSource.known_jobs``), and filters them by kind and by what the user has typed so far.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from mcp.types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from .job_args import JobNeed, accepts
from .prompts import PROMPTS, PromptSpec
from .resources import RESOURCES, ResourceSpec, StateGetter
from .source import KnownJob

MAX_VALUES = 100
"""The protocol's cap on values in one completion result."""

Reference = PromptReference | ResourceTemplateReference
CompletionHandler = Callable[
    [Reference, CompletionArgument, CompletionContext | None], Awaitable[Completion | None]
]


def job_arguments(
    prompts: Iterable[PromptSpec] = PROMPTS, resources: Iterable[ResourceSpec] = RESOURCES
) -> dict[tuple[str, str], Mapping[str, JobNeed]]:
    """``(ref type, prompt name or URI template) -> {argument: need}`` for every job-id argument."""
    table: dict[tuple[str, str], Mapping[str, JobNeed]] = {}
    for prompt in prompts:
        if prompt.job_args:
            table[("ref/prompt", prompt.name)] = prompt.job_args
    for resource in resources:
        if resource.job_args:
            table[("ref/resource", resource.uri)] = resource.job_args
    return table


def complete_job_ids(known: Sequence[KnownJob], need: JobNeed, typed: str) -> Completion:
    """Ids of ``known`` jobs that fit ``need`` and start with ``typed`` (case-insensitive).

    ``known`` is newest first already; the first ``MAX_VALUES`` are returned, with the total and
    whether there are more.
    """
    prefix = typed.strip().lower()
    matches = [
        job.job_id for job in known if accepts(need, job.kind) and job.job_id.lower().startswith(prefix)
    ]
    return Completion(values=matches[:MAX_VALUES], total=len(matches), has_more=len(matches) > MAX_VALUES)


def job_id_completions(
    live: StateGetter, arguments: Mapping[tuple[str, str], Mapping[str, JobNeed]] | None = None
) -> CompletionHandler:
    """The ``completion/complete`` handler to register with ``MCPServer.completion()``.

    The SDK calls it without a request context, so it reads the running server through ``live``.
    Arguments that take no job id get no suggestions (an empty completion).
    """
    table = job_arguments() if arguments is None else arguments

    async def complete(
        ref: Reference, argument: CompletionArgument, context: CompletionContext | None
    ) -> Completion | None:
        key = ("ref/prompt", ref.name) if isinstance(ref, PromptReference) else ("ref/resource", ref.uri)
        need = table.get(key, {}).get(argument.name)
        if need is None:
            return None
        known = await live().source.known_jobs()
        return complete_job_ids(known, need, argument.value)

    return complete


__all__ = ["MAX_VALUES", "complete_job_ids", "job_arguments", "job_id_completions"]
