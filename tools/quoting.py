"""Safe rendering of untrusted text (respondent answers, upstream labels and ids).

Everything a respondent typed, and every label or id a provider sends, is *data*: it must never
become an instruction to the assistant nor change the shape of our markdown. The rules, applied in
this order:

1. remove C0/C1 control characters, lone surrogates, zero-width and bidi controls;
2. collapse every line break (including the Unicode ones ``str.splitlines`` honours) and run of
   whitespace to one space, so the text stays on the line we put it on;
3. cap the length at a code-point boundary that does not separate a base character from its
   combining marks, variation selectors, skin-tone modifiers or tag characters (ellipsis added);
4. backslash-escape markdown and HTML punctuation so nothing renders as a heading, fence, table
   cell, link, image, emphasis or tag;
5. ``quote`` additionally wraps the result in typographic quotes, so an answer always sits inside
   a line that we started.

``plain`` does steps 1–3 only: it is for the JSON channel, where markdown escapes would be noise.
"""

from __future__ import annotations

import re
import unicodedata

# Removed outright: C0 controls other than whitespace (handled below), DEL, C1 controls, zero-width
# and bidi controls, word joiner / invisible operators / isolates, BOM, lone surrogates.
_REMOVE_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
    "\u00ad\u180e\ud800-\udfff]"
)
# Turned into a space: every character str.splitlines() treats as a line boundary, tabs, and all
# other Unicode whitespace; runs collapse to one space.
_SPACE_RE = re.compile("[\\s\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
# Markdown/HTML punctuation that can start or break a construct when inline.
_MARKDOWN_RE = re.compile(r"([\\`*_{}\[\]<>#|~!&$])")
_SAFE_HANDLE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,79}")

ELLIPSIS = "…"


def _is_extender(ch: str) -> bool:
    """True for characters that belong to the preceding grapheme (never cut right before one)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences (flags of regions)
        or cp == 0x20E3  # keycap
    )


def _normalise(text: str) -> str:
    """Steps 1 and 2: strip invisible/control characters and collapse whitespace."""
    if not isinstance(text, str):
        text = str(text)
    text = _REMOVE_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def _cap(text: str, max_chars: int) -> str:
    """Step 3: at most ``max_chars`` code points including the ellipsis, cut at a safe boundary."""
    max_chars = max(1, int(max_chars))
    if len(text) <= max_chars:
        return text
    cut = max_chars - 1
    # Never split a grapheme: move left while the first dropped char extends the kept one.
    while cut > 0 and _is_extender(text[cut]):
        cut -= 1
    # Keep regional-indicator pairs (flags) whole.
    ri = 0
    while cut - ri - 1 >= 0 and 0x1F1E6 <= ord(text[cut - ri - 1]) <= 0x1F1FF:
        ri += 1
    if ri % 2 == 1:
        cut -= 1
    # Prefer a word boundary when one is close.
    space = text.rfind(" ", 0, cut + 1)
    if space > 0 and cut - space <= 12:
        cut = space
    return text[:cut].rstrip() + ELLIPSIS


def _escape(text: str) -> str:
    """Step 4: backslash-escape markdown/HTML punctuation (CommonMark renders ``\\#`` as ``#``)."""
    return _MARKDOWN_RE.sub(r"\\\1", text)


def plain(text: str | None, max_chars: int) -> str:
    """Untrusted text for the JSON channel: controls removed, one line, length-capped."""
    return _cap(_normalise(text or ""), max_chars)


def clean_label(text: str | None, max_chars: int) -> str:
    """Untrusted label/question text/id as safe *inline* markdown (never empty)."""
    cleaned = _cap(_normalise(text or ""), max_chars)
    return _escape(cleaned) if cleaned else "(no label)"


def quote(text: str | None, max_chars: int) -> str:
    """A respondent's text as one safe inline fragment wrapped in “…” (empty answers say so)."""
    cleaned = _cap(_normalise(text or ""), max_chars)
    return f"“{_escape(cleaned)}”" if cleaned else "(empty answer)"


def handle(value: str | None) -> str:
    """An id the assistant must copy into its next call.

    Ordinary ids (``Q1``, ``11``, UUIDs, ``job_…``) are shown verbatim in a code span so they can be
    copied exactly; anything stranger is cleaned like a label (it cannot be used as a handle anyway
    without the assistant seeing what it is).
    """
    value = "" if value is None else str(value)
    if _SAFE_HANDLE_RE.fullmatch(value):
        return f"`{value}`"
    return clean_label(value, 40)


def plain_id(value: str | None) -> str:
    """An id for the JSON channel: verbatim when ordinary, cleaned and capped otherwise."""
    value = "" if value is None else str(value)
    return value if _SAFE_HANDLE_RE.fullmatch(value) else plain(value, 40)
