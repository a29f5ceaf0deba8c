"""Safety of quote / clean_label / plain: respondent text never escapes its inline slot."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.tools.quoting import ELLIPSIS, clean_label, handle, plain, quote
from tests.hostile import HOSTILE

INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
# Markdown that would act if unescaped: an unescaped special char is one not preceded by a backslash.
UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[`*_\[\]<>#|~!]")


def _safe_inline(out: str) -> None:
    assert out.splitlines() == [out] or out == ""
    assert not INVISIBLE.search(out)
    out.encode("utf-8")  # no lone surrogates


def test_hostile_corpus_quote_is_one_safe_line() -> None:
    for s in HOSTILE:
        out = quote(s, 80)
        _safe_inline(out)
        assert out.startswith("“") or out == "(empty answer)"
        inner = out[1:-1] if out.startswith("“") else ""
        stripped = re.sub(r"\\.", "", inner)
        assert not re.search(r"[`*_\[\]<>#|~!]", stripped), (s[:40], out)
        assert len(out) <= 80 * 2 + 2


def test_hostile_corpus_clean_label() -> None:
    for s in HOSTILE:
        out = clean_label(s, 30)
        _safe_inline(out)
        assert out
        assert not re.search(r"[`*_\[\]<>#|~!]", re.sub(r"\\.", "", out))


def test_whitespace_and_newlines_collapse() -> None:
    assert quote("a\n\n b\r\n\tc", 50) == "“a b c”"
    assert plain("x\u2028y\x85z", 50) == "x y z"


def test_invisible_removed() -> None:
    assert plain("ze\u200bro\u202e\ufeff", 50) == "zero"
    assert plain("\x1b[31mred", 50) == "[31mred"


def test_markdown_escaped() -> None:
    assert clean_label("# Title | x", 50) == r"\# Title \| x"
    assert quote("<b>**hi**</b>", 50) == r"“\<b\>\*\*hi\*\*\</b\>”"


def test_cap_with_ellipsis_and_word_boundary() -> None:
    out = plain("hello wonderful world of survey answers", 20)
    assert out.endswith(ELLIPSIS) and len(out) <= 20
    assert out == "hello wonderful…"


def test_cap_never_splits_modifier_or_flag() -> None:
    s = "ab👍🏽cd"
    for n in range(1, len(s) + 2):
        out = plain(s, n)
        assert "🏽" not in out or "👍🏽" in out
    flags = "🇫🇷🇩🇪🇮🇹"
    for n in range(1, 8):
        body = plain(flags, n).rstrip(ELLIPSIS)
        assert len(body) % 2 == 0


def test_empty() -> None:
    assert quote("", 10) == "(empty answer)"
    assert quote(None, 10) == "(empty answer)"
    assert clean_label("\u200b", 10) == "(no label)"


def test_handle() -> None:
    assert handle("Q1") == "`Q1`"
    assert handle("123e4567-e89b-12d3-a456-426614174000").startswith("`")
    assert handle("a`b\n# x") == r"a\`b \# x"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=1, max_value=200))
def test_property_quote_single_safe_line(s: str, n: int) -> None:
    out = quote(s, n)
    _safe_inline(out)
    assert not out.lstrip().startswith(("#", "SYSTEM", "|", "`", ">", "-"))
    body = plain(s, n)
    assert len(body) <= n
    assert not UNESCAPED.search(out[1:-1] if out.startswith("“") else "")
