"""Job ids: detected by the formats the providers declare; anything else never reaches a URL."""

from __future__ import annotations

import pytest

from survey_jobs_mcp.server.providers.registry import JOB_IDS
from survey_jobs_mcp.tools.errors import InvalidInput

AC = "123E4567-E89B-12D3-A456-426614174000"
SC = "job_1a2b3c4d5e6f7a8b9c0d1e2f"


def test_each_format_names_its_provider_and_its_key_form() -> None:
    assert JOB_IDS.detect(AC) == "aftercare" and JOB_IDS.normalize(AC) == AC.lower()
    assert JOB_IDS.detect(SC) == "surveycoder" and JOB_IDS.normalize(SC) == SC


@pytest.mark.parametrize(
    "bad",
    ["", "../etc/passwd", "%2e%2e", f" {SC}", SC.upper(), SC + "0", AC[:-1], "job_x", "a\nb", "\u202e" + SC],
)
def test_anything_else_is_rejected_naming_both_formats(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        JOB_IDS.normalize(bad)
    message = str(err.value)
    assert (
        "is not a valid job id" in message
        and "UUID like 123e4567" in message
        and "'job_' followed by 24" in message
    )
    assert "\n" not in message and "\u202e" not in message


def test_canonical_never_raises_and_leaves_unknown_forms_alone() -> None:
    assert JOB_IDS.canonical("not-an-id") == "not-an-id"
