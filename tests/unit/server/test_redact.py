"""The one scrubbing boundary (server.redact): every form of a secret, fragments, logs, results."""

from __future__ import annotations

import io
import json
import logging
import re
from urllib.parse import quote, quote_plus

import pytest

from survey_jobs_mcp.server.redact import (
    REDACTED,
    RedactingFilter,
    clip,
    contains_secret,
    install_log_redaction,
    register_secret,
    scrub,
    scrub_data,
    scrub_result,
)

# Printable ASCII with every character that an encoder treats specially.
ODD = "CANARY/odd+key=&\"'\\%?#0123456789-redact"
PLAIN = "scp_live_CANARYredact0123456789abcdefXY"


@pytest.fixture(autouse=True)
def _registered() -> None:
    register_secret(ODD)
    register_secret(PLAIN)


FORMS = {
    "raw": ODD,
    "quote": quote(ODD, safe=""),
    "quote-slash": quote(ODD),
    "quote_plus": quote_plus(ODD),
    "quote-lower-hex": "%".join(
        [p if i == 0 else p[:2].lower() + p[2:] for i, p in enumerate(quote(ODD, safe="").split("%"))]
    ),
    "json": json.dumps(ODD)[1:-1],
    "markdown-escaped": re.sub(r"([\\`*_{}\[\]<>#|~!&$])", r"\\\1", ODD),  # as tools.quoting renders it
    "repr": repr(ODD)[1:-1],
    "json-in-repr": repr(json.dumps(ODD)[1:-1])[1:-1],  # a JSON body inside an exception's repr
    "repr-in-json": json.dumps(repr(ODD)[1:-1])[1:-1],  # a repr inside a JSON log line
}


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_is_removed(form: str) -> None:
    spelled = FORMS[form]
    text = f"upstream said: <{spelled}> (end)"
    out = scrub(text)
    assert out == f"upstream said: <{REDACTED}> (end)", (form, out)


def test_fragments_of_a_cut_key_are_removed() -> None:
    assert scrub(f"status {PLAIN[:30]!r}") == f"status '{REDACTED}'"
    assert scrub(f"…{PLAIN[-13:]}") == f"…{REDACTED}"
    assert scrub(f"head {PLAIN[:12]} x") == f"head {REDACTED} x"  # exactly 12 characters
    # Inner runs are not what truncation leaves; they stay (an id may share digits with a key).
    assert scrub(f"mid {PLAIN[7:25]} x") == f"mid {PLAIN[7:25]} x"
    assert scrub(f"short {PLAIN[:11]} {PLAIN[-11:]}") == f"short {PLAIN[:11]} {PLAIN[-11:]}"
    # Shorter runs are ordinary text (the non-secret prefix `scp_live_` among them).
    assert (
        scrub(f"keys look like scp_live_… and {PLAIN[10:21]}")
        == f"keys look like scp_live_… and {PLAIN[10:21]}"
    )


def test_short_values_are_not_secrets_and_text_is_unchanged() -> None:
    register_secret("abc")
    register_secret(None)
    assert scrub("abc def") == "abc def"
    assert scrub("") == ""
    assert scrub(12345) == "12345"  # type: ignore[arg-type]


def test_extra_secrets_are_registered_for_later_calls() -> None:
    other = "one-more-secret-0123456789"
    assert scrub(f"a {other}", other) == f"a {REDACTED}"
    assert scrub(f"b {other}") == f"b {REDACTED}"


def test_clip_scrubs_before_cutting() -> None:
    text = "x" * 10 + PLAIN
    assert clip(text, 25) == "x" * 10 + REDACTED
    assert PLAIN[:12] not in clip(text, 25)


def test_scrub_data_and_scrub_result_walk_everything() -> None:
    data = {"a": [PLAIN, {"b": f"k={quote(ODD, safe='')}"}], PLAIN: 3, "n": 1.5, "t": (ODD,)}
    out = scrub_data(data)
    assert out == {"a": [REDACTED, {"b": f"k={REDACTED}"}], REDACTED: 3, "n": 1.5, "t": (REDACTED,)}
    result = {"content": [{"type": "text", "text": f"x {PLAIN}"}], "structuredContent": {"m": ODD}}
    assert json.dumps(scrub_result(result)).count(REDACTED) == 2
    clean = {"content": [{"type": "text", "text": "nothing secret"}]}
    assert scrub_result(clean) is clean  # the common case costs one search, no copy
    assert contains_secret(json.dumps(result)) and not contains_secret("nothing secret")


def _logger_with_stream() -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    install_log_redaction([handler])
    install_log_redaction([handler])  # idempotent
    logger = logging.getLogger("survey_jobs_mcp.test_redact")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream, handler


def test_log_filter_scrubs_message_args_exception_and_stack() -> None:
    logger, stream, handler = _logger_with_stream()
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    logger.debug("key %s and %r", PLAIN, {"k": ODD})
    try:
        raise ValueError(f"upstream echoed {quote_plus(ODD)}")
    except ValueError:
        logger.exception("failed with %s", json.dumps({"echo": PLAIN}))
    logger.warning("stack", stack_info=True)
    logger.info("broken %d format", PLAIN)  # a bad format string still logs, scrubbed
    text = stream.getvalue()
    assert text.count(REDACTED) >= 5, text
    assert "ValueError: upstream echoed" in text and "Traceback" in text
    for spelled in FORMS.values():
        assert spelled not in text
    assert PLAIN not in text and PLAIN[:12] not in text


def test_a_second_handler_sees_the_scrubbed_record() -> None:
    logger, stream, _ = _logger_with_stream()
    later = io.StringIO()
    plain_handler = logging.StreamHandler(later)  # no filter of its own
    logger.addHandler(plain_handler)
    try:
        raise RuntimeError(PLAIN)
    except RuntimeError:
        logger.error("boom %s", PLAIN, exc_info=True)
    assert PLAIN not in stream.getvalue() and PLAIN not in later.getvalue()
    assert later.getvalue().count(REDACTED) == 2


def test_secrets_sharing_a_prefix_give_one_marker() -> None:
    """Two keys with a common 15-character prefix: overlapping fragment matches merge into one."""
    sibling = PLAIN[:15] + "sibling-0123456789abc"
    register_secret(sibling)
    assert scrub(f"status {PLAIN[:30]!r} and {sibling[:20]}…") == f"status '{REDACTED}' and {REDACTED}…"
