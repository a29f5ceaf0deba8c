"""The seeded job catalog: which jobs exist, in which state, and how their data is built.

Ids come from the seed (Aftercare UUIDs, SurveyCoder ``job_`` + 24 hex); creation times spread over
the ten days before the clock start with several jobs (failures of both providers included) in the
last 24 hours. Queued and processing jobs finish minutes after the start, on the sandbox clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from . import vocab
from .answers import build_tree, generate_answers, respondent_ids
from .coding_data import CodedQuestion, CodingData
from .jobs import JobStore, SandboxJob
from .quality_data import QualityData, generate_quality
from .surveycoder_data import codebook_result, coding_result, det_uuid
from .waves import seed_wave_jobs

CODING_FAILURES = {
    "partial_failure": ("PROCESSING_ERROR", "Failed to process 2 of 3 questions"),
    "total_failure": ("PROCESSING_ERROR", "Failed to process survey responses"),
}
QUALITY_FAILURE = ("PROCESSING_ERROR", "Data quality evaluation failed")
SURVEYCODER_FAILURE = ("CODING_FAILED", "Coding pipeline failed after 3 retries")


def coding_builder(
    seed: int,
    job_key: str,
    survey_id: str,
    n_respondents: int,
    *,
    long: bool = False,
    huge: bool = False,
    skip_rate: float = 0.08,
) -> Callable[[], CodingData]:
    """A closure generating an Aftercare coding job's data for ``survey_id``."""

    def build() -> CodingData:
        survey = vocab.SURVEYS[survey_id]
        rids = respondent_ids(n_respondents)
        questions = []
        for qn, q in enumerate(survey.questions):
            tree = build_tree(q)
            answers = generate_answers(
                q,
                tree,
                rids,
                f"{seed}:{job_key}:{q.qid}",
                long_answers=long and qn == 0,
                huge_answer=huge and qn == 0,
                skip_rate=skip_rate,
            )
            questions.append(CodedQuestion(q.qid, q.text, tree, answers))
        return CodingData.build(questions, also_at_parent=True)

    return build


def quality_builder(seed: int, job_key: str, survey_id: str, n: int) -> Callable[[], QualityData]:
    return lambda: generate_quality(survey_id, n, f"{seed}:{job_key}")


def surveycoder_builder(
    seed: int, job_key: str, survey_id: str, qid: str, n: int, kind: str
) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        q = next(q for q in vocab.SURVEYS[survey_id].questions if q.qid == qid)
        tree = build_tree(q)
        if kind == "codebook_generation":
            return codebook_result(tree, q.tone, f"{seed}:{job_key}:result")
        answers = generate_answers(q, tree, respondent_ids(n), f"{seed}:{job_key}", skip_rate=0.0)
        return coding_result(tree, q.tone, q.text, answers, f"{seed}:{job_key}:result")

    return build


def seed_catalog(store: JobStore, seed: int, start: datetime, scale: int | None) -> None:
    """Fill ``store`` with the deterministic catalog for ``seed`` relative to clock ``start``."""
    rng = random.Random(f"{seed}:ids")

    def ac_id() -> str:
        return det_uuid(rng)

    def sc_id() -> str:
        return f"job_{rng.getrandbits(96):024x}"

    def ago(**kw: float) -> datetime:
        return start - timedelta(**kw)

    def later(**kw: float) -> datetime:
        return start + timedelta(**kw)

    # Aftercare coding: (key, survey, respondents, created, start_at, done_at, final, extras)
    coding = [
        ("c1", "CSAT-2026-Q3", 420, ago(days=9, hours=3), {"long": True, "huge": True}, "completed"),
        ("c2", "PRODUCT-FEEDBACK-2026", 380, ago(days=6, hours=5), {"long": True}, "completed"),
        ("c3", "EMPLOYEE-PULSE-NOV", 130, ago(days=3, hours=1), {}, "completed"),
        ("c4", "CSAT-2026-Q3", 150, ago(hours=20), {}, "partial_failure"),
        ("c5", "PRODUCT-FEEDBACK-2026", 90, ago(hours=5), {}, "total_failure"),
    ]
    for key, survey, n, created, extras, final in coding:
        store.add(
            SandboxJob(
                "aftercare",
                "coding",
                ac_id(),
                survey,
                created,
                created + timedelta(seconds=5),
                created + timedelta(minutes=25),
                final,
                coding_builder(seed, key, survey, n, **extras),
                error=CODING_FAILURES.get(final),
            )
        )
    store.add(
        SandboxJob(
            "aftercare",
            "coding",
            ac_id(),
            "EMPLOYEE-PULSE-NOV",
            ago(minutes=3),
            ago(minutes=2),
            later(minutes=10),
            "completed",
            coding_builder(seed, "c6", "EMPLOYEE-PULSE-NOV", 110),
        )
    )
    store.add(
        SandboxJob(
            "aftercare",
            "coding",
            ac_id(),
            "CSAT-2026-Q3",
            ago(minutes=1),
            later(minutes=2),
            later(minutes=12),
            "completed",
            coding_builder(seed, "c7", "CSAT-2026-Q3", 100),
        )
    )

    # Aftercare data quality
    quality = [
        (
            "d1",
            "CSAT-2026-Q3",
            420,
            ago(days=8, hours=2),
            ago(days=8, hours=2) + timedelta(minutes=20),
            "completed",
        ),
        ("d2", "EMPLOYEE-PULSE-NOV", 180, ago(days=2), ago(days=2) + timedelta(minutes=15), "completed"),
        ("d3", "PRODUCT-FEEDBACK-2026", 160, ago(hours=10), ago(hours=10) + timedelta(minutes=4), "failed"),
        ("d4", "CSAT-2026-Q3", 250, ago(minutes=4), later(minutes=10), "completed"),
        ("d5", "PRODUCT-FEEDBACK-2026", 150, ago(minutes=1), later(minutes=15), "completed"),
    ]
    for key, survey, n, created, done, final in quality:
        start_at = later(minutes=3) if key == "d5" else created + timedelta(seconds=5)
        store.add(
            SandboxJob(
                "aftercare",
                "data_quality",
                ac_id(),
                survey,
                created,
                start_at,
                done,
                final,
                quality_builder(seed, key, survey, n),
                total=n,
                error=QUALITY_FAILURE if final == "failed" else None,
            )
        )

    # SurveyCoder: (key, kind, survey, question, responses, created, start, done, final)
    sc = [
        ("s1", "one_call", "CSAT-2026-Q3", "Q2_improve", 320, ago(days=7), None, None, "completed"),
        (
            "s2",
            "one_call",
            "PRODUCT-FEEDBACK-2026",
            "Q1_features",
            120,
            ago(days=4, hours=6),
            None,
            None,
            "completed",
        ),
        ("s3", "auto_coding", "EMPLOYEE-PULSE-NOV", "Q2_change", 250, ago(hours=30), None, None, "completed"),
        (
            "s4",
            "codebook_generation",
            "PRODUCT-FEEDBACK-2026",
            "Q2_missing",
            200,
            ago(hours=12),
            None,
            None,
            "completed",
        ),
        ("s5", "one_call", "EMPLOYEE-PULSE-NOV", "Q1_going_well", 600, ago(hours=3), None, None, "failed"),
        (
            "s6",
            "one_call",
            "CSAT-2026-Q3",
            "Q1",
            1200,
            ago(minutes=2),
            ago(minutes=1),
            later(minutes=10),
            "completed",
        ),
        (
            "s7",
            "auto_coding",
            "PRODUCT-FEEDBACK-2026",
            "Q2_missing",
            500,
            ago(seconds=30),
            later(minutes=1),
            later(minutes=6),
            "completed",
        ),
    ]
    for key, kind, survey, qid, n, created, start_at, done, final in sc:
        start_at = start_at or created + timedelta(seconds=3)
        done = done or start_at + timedelta(seconds=6 * max(1, n // 100))
        store.add(
            SandboxJob(
                "surveycoder",
                kind,
                sc_id(),
                survey,
                created,
                start_at,
                done,
                final,  # type: ignore[arg-type]
                surveycoder_builder(seed, key, survey, qid, n, kind),
                total=n,
                error=SURVEYCODER_FAILURE if final == "failed" else None,
            )
        )

    if scale:
        created = ago(days=1, hours=2)
        store.add(
            SandboxJob(
                "aftercare",
                "coding",
                ac_id(),
                "BENCH-SCALE",
                created,
                created + timedelta(seconds=5),
                created + timedelta(hours=1),
                "completed",
                coding_builder(seed, "bench", "BENCH-SCALE", scale, skip_rate=0.0),
                total=scale,
            )
        )
        n = min(scale, 20000)
        store.add(
            SandboxJob(
                "aftercare",
                "data_quality",
                ac_id(),
                "BENCH-SCALE",
                created,
                created + timedelta(seconds=5),
                created + timedelta(hours=1),
                "completed",
                quality_builder(seed, "bench-dq", "BENCH-SCALE", n),
                total=n,
            )
        )

    seed_wave_jobs(store, seed, start)
