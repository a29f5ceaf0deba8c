"""Cursors: opaque, bound to their scope, and every tampering is a clear error."""

from __future__ import annotations

import base64
import json

import pytest

from survey_jobs_mcp.tools.errors import InvalidInput
from survey_jobs_mcp.tools.render.cursors import decode_cursor, encode_cursor


def test_a_cursor_returns_its_offset_for_its_own_scope() -> None:
    assert decode_cursor(encode_cursor("job|Q1", 25), "job|Q1", 100) == 25
    assert decode_cursor(None, "job|Q1", 100) == 0 and decode_cursor("", "job|Q1", 100) == 0


def test_another_scope_is_refused() -> None:
    with pytest.raises(InvalidInput, match="belongs to another job, code or filter"):
        decode_cursor(encode_cursor("job|Q1", 25), "job|Q2", 100)


def test_past_the_end_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"past the end of the list \(10 items\)"):
        decode_cursor(encode_cursor("s", 11), "s", 10)


def test_an_edited_offset_is_refused() -> None:
    raw = encode_cursor("s", 5)
    body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    body["o"] = 6
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    with pytest.raises(InvalidInput, match="not a cursor this tool returned"):
        decode_cursor(forged, "s", 10)


@pytest.mark.parametrize("junk", ["x", "!!!", "a" * 201, base64.urlsafe_b64encode(b"[1,2]").decode()])
def test_junk_is_refused(junk: str) -> None:
    with pytest.raises(InvalidInput, match="invalid cursor"):
        decode_cursor(junk, "s", 10)
