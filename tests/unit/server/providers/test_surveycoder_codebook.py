"""A codebook_generation result -> the domain Codebook: categories, optional fields, handles."""

from __future__ import annotations

import pytest

from survey_jobs_mcp.server.providers.surveycoder.client import SurveyCoderClient
from survey_jobs_mcp.server.providers.surveycoder.mapping import codebook
from survey_jobs_mcp.server.providers.surveycoder.wire import CodebookResult, Job
from survey_jobs_mcp.tools.errors import UpstreamError

BODY = {
    "project_id": "p",
    "question_id": "q",
    "codebook": [
        {
            "id": "c1",
            "name": "Fast",
            "definition": "Speed",
            "category": "Delivery",
            "category_id": "k1",
            "sentiment": "positive",
        },
        {"id": "c2", "name": "Loose", "definition": "No net"},
        {"id": "c3", "name": "Late", "category": "Delivery", "category_id": "k1", "sentiment": "negative"},
        {"id": "c4", "name": "Cheap", "category": "Price", "unknown_field": 1},
    ],
}


def test_categories_in_first_seen_order_uncategorised_last_with_the_coding_handles() -> None:
    cb = codebook(
        job_id="job_x",
        kind="codebook_generation",
        completed_at=None,
        result=CodebookResult.model_validate(BODY),
    )
    assert [(c.category_id, c.label, [x.code_id for x in c.codes]) for c in cb.categories] == [
        ("cat:k1", "Delivery", ["c1", "c3"]),
        ("cat:Price", "Price", ["c4"]),  # no category id: keyed by name, as coded results are
        (None, None, ["c2"]),
    ]
    fast, late = cb.categories[0].codes
    assert (fast.definition, fast.sentiment, late.definition, late.sentiment) == (
        "Speed",
        "positive",
        None,
        "negative",
    )
    assert cb.codes == 4 and cb.provider == "surveycoder" and cb.question_text is None


def test_a_broken_codebook_body_is_a_contract_error() -> None:
    job = Job.model_validate(
        {
            "id": "job_x",
            "type": "codebook_generation",
            "status": "completed",
            "progress": {"processed": 1, "total": 1, "percentage": 100},
            "created_at": "2026-11-23T10:00:00Z",
            "updated_at": "2026-11-23T10:00:00Z",
            "result": {"codebook": [{"name": "no id"}]},
        }
    )
    with pytest.raises(UpstreamError, match="codebook result"):
        SurveyCoderClient.codebook_result(job)
