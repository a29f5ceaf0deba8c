"""Completion of job-id arguments from hand-built known jobs: kind filter, prefix, the 100 cap, and
which arguments of which prompts and resources take a job id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from survey_jobs_mcp.tools.completions import MAX_VALUES, complete_job_ids, job_arguments
from survey_jobs_mcp.tools.source import KnownJob

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def known(n: int, kind: str | None, prefix: str = "job_") -> list[KnownJob]:
    return [
        KnownJob(f"{prefix}{i:024x}", "surveycoder", kind, "completed", T0 - timedelta(minutes=i))  # type: ignore[arg-type]
        for i in range(n)
    ]


def test_at_most_100_values_with_the_total_and_has_more():
    jobs = known(150, "one_call")
    result = complete_job_ids(jobs, "coding", "")
    assert result.values == [j.job_id for j in jobs[:MAX_VALUES]] and MAX_VALUES == 100
    assert (result.total, result.has_more) == (150, True)


def test_kind_filter_keeps_unresolved_jobs_for_either_kind():
    coding, codebook, quality, unknown = (
        known(2, "coding", "c"),
        known(1, "codebook_generation", "b"),
        known(2, "data_quality", "q"),
        known(1, None, "u"),
    )
    jobs = coding + codebook + quality + unknown
    ids = lambda js: [j.job_id for j in js]  # noqa: E731
    assert complete_job_ids(jobs, "coding", "").values == ids(coding + unknown)
    assert complete_job_ids(jobs, "quality", "").values == ids(quality + unknown)
    assert complete_job_ids(jobs, "any", "").values == ids(jobs)


def test_prefix_is_case_insensitive_and_trimmed():
    jobs = [KnownJob("8d8e423d-47c4-4c67-869f-bc3b50931b51", "aftercare", "coding", None, None)]
    assert complete_job_ids(jobs, "coding", " 8D8E ").values == [jobs[0].job_id]
    assert complete_job_ids(jobs, "coding", "8d8f").values == []


def test_job_arguments_come_from_the_specs():
    assert job_arguments() == {
        ("ref/prompt", "summarise_coding_job"): {"job_id": "coding"},
        ("ref/prompt", "data_quality_report"): {"job_id": "quality"},
        ("ref/prompt", "compare_waves"): {"job_id": "coding", "baseline_job_id": "coding"},
        ("ref/prompt", "clean_themes"): {"coding_job_id": "coding", "quality_job_id": "quality"},
        ("ref/resource", "survey-jobs://jobs/{job_id}/summary"): {"job_id": "any"},
        ("ref/resource", "survey-jobs://jobs/{job_id}"): {"job_id": "any"},
    }
