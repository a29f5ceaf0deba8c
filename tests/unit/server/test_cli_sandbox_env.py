"""``sandbox_from_env``: how ``serve`` reads ``SURVEY_JOBS_SANDBOX``, the bundle's "sandbox mode" switch.

A bundle manifest maps a boolean setting to an environment variable (as "true"/"false"); it cannot
add ``--sandbox`` to the command line. The console script end to end: tests/e2e/test_sandbox_env.py.
"""

from __future__ import annotations

import pytest

from survey_jobs_mcp.server.cli import sandbox_from_env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" 1 ", True),
        ("yes", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_sandbox_env_values(raw: str, expected: bool) -> None:
    assert sandbox_from_env({"SURVEY_JOBS_SANDBOX": raw}) is expected


def test_sandbox_env_unset_means_real_services() -> None:
    assert sandbox_from_env({}) is False


def test_sandbox_env_rejects_a_value_it_cannot_read() -> None:
    with pytest.raises(ValueError) as err:
        sandbox_from_env({"SURVEY_JOBS_SANDBOX": "maybe"})
    assert str(err.value) == (
        "SURVEY_JOBS_SANDBOX must be true or false (also 1/0, yes/no, on/off), got 'maybe'"
    )
