"""Errors out of a task group: the product error they are, not an exception group."""

from __future__ import annotations

from survey_jobs_mcp.tools.errors import SurveyJobsError


def first_product_error(group: BaseExceptionGroup) -> BaseException:
    matched = group.subgroup(lambda exc: isinstance(exc, SurveyJobsError))
    if matched is None:
        return group
    first: BaseException = matched
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first
