"""Safe rendering of untrusted text (respondent answers, upstream labels and ids).

Everything a respondent typed, and every label or id a provider sends, is *data*: it must never
become an instruction to the assistant nor change the shape of our markdown. The rules, applied in
this order:

1. every line break and run of whitespace becomes one space, so the text stays on the line we put
   it on (Unicode ``White_Space``, the separators ``str.splitlines`` honours, and U+2800 BRAILLE
   PATTERN BLANK, see below);
2. remove every code point that shows nothing or is not a character: general categories Cc, Cf,
   Cs, Co, Cn and every ``Default_Ignorable_Code_Point`` (zero-width and bidi controls, tag
   characters that can spell hidden "ASCII-smuggled" instructions, Hangul fillers, invisible
   operators, variation selectors, …). Two exceptions keep emoji intact: VS15/VS16 right after an
   emoji character (one, not a run), and ZERO WIDTH JOINER between two pictographs;
3. cap the length at a code point that does not split a grapheme (marks, skin tones, joiners,
   flag pairs), adding an ellipsis;
4. backslash-escape markdown and HTML punctuation so nothing renders as a heading, fence, table
   cell, link, image, emphasis or tag;
5. ``quote`` additionally turns every quotation mark inside the answer into ``'`` and wraps the
   result in “…”, so an answer always sits inside a quote that only we can close.

``plain`` does steps 1–3 only: it is for the JSON channel, where markdown escapes would be noise.

Unicode data comes from the ``regex`` package's property tables (one source for every rule here,
so "unassigned" (Cn) means the same in the code and in its tests; ``regex`` tracks a newer
Unicode version than Python's ``unicodedata``, so it removes fewer newly assigned visible
characters and still removes code points unassigned anywhere). U+2800 is not default-ignorable
(it is a Braille symbol, gc=So) but renders as blank space and is used as an invisible "filler";
it is treated as whitespace, not removed, so words it separates stay apart.
"""

from __future__ import annotations

import re
from array import array

import regex

# Step 1: whitespace, line separators (\x1c-\x1f and \x85 count for str.splitlines) and U+2800.
# The stdlib's ``\s`` is exactly Unicode White_Space plus \x1c-\x1f (tests/test_quoting.py checks
# that against the ``regex`` tables for every code point), and it is twice as fast.
_SPACE_RE = re.compile(r"[\s\u2800]+")
# Step 2: what shows nothing or is not a character, except the emoji-sequence code points.
_INVISIBLE = r"\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}"
_REMOVE_RE = regex.compile(
    rf"(?V1)[[{_INVISIBLE}]--[\p{{White_Space}}\x1c-\x1f\uFE0E\uFE0F\u200D]]"
    # The literal first, the look-behind after it: the engine only looks around at these characters.
    r"|[\uFE0E\uFE0F](?<!\p{Emoji}.)"
    r"|\u200D(?:(?<!\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?.)|(?!\p{Extended_Pictographic}))"
)
# Step 3: code points that belong to the grapheme before them (never cut right before one).
_EXTENDER_RE = regex.compile(r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=SpacingMark}]")
_JOINER = "\u200d"
_REGIONAL_RE = regex.compile(r"\p{Regional_Indicator}")
# Step 4: markdown/HTML punctuation that can start or break a construct when inline.
_MARKDOWN_RE = re.compile(r"([\\`*_{}\[\]<>#|~!&$])")
# Step 5: quotation marks (Unicode Quotation_Mark and initial/final punctuation) and the look-alikes
# Unicode does not classify so (found by name: DOUBLE PRIME, DOUBLE APOSTROPHE, GERSHAYIM, DITTO MARK,
# QUOTATION MARK ORNAMENT; tests/test_quoting.py regenerates this list from the Unicode names).
QUOTE_LOOKALIKES = (
    "\u02ba\u02ee\u059e\u05f4\u2033\u2036\u275b\u275c\u275d\u275e\u275f\u2760\u276e\u276f\u3003"
    "\U0001f676\U0001f677\U0001f678"
)
QUOTE_CLASS = rf"[\p{{Quotation_Mark}}\p{{Pi}}\p{{Pf}}{QUOTE_LOOKALIKES}]"
QUOTE_SPANS = ((0, 0x20000),)  # planes 0 and 1 hold them all (checked in tests/test_quoting.py)
_SAFE_HANDLE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,79}")


def _stdlib_class(regex_class: str, spans: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    """A stdlib ``re`` class of the code points in ``spans`` that ``regex_class`` matches.

    Derived at import from the ``regex`` tables (never listed by hand), for small classes on the hot
    path, where the stdlib engine is several times faster than ``regex``.
    """
    ranges = []
    for lo, hi in spans:
        chunk = array("I", range(lo, hi)).tobytes().decode("utf-32-le", "surrogatepass")
        ranges += [(lo + m.start(), lo + m.end() - 1) for m in regex.finditer(f"{regex_class}+", chunk)]
    body = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return re.compile(f"[{body}]" if body else "(?!)")


# Fast paths with the stdlib engine:
# - plain ASCII (most answers): only the ASCII members of the removal class can occur;
# - text Python calls printable (no Cc/Cf/Cs/Co/Cn/separators by *its* Unicode data, which is older
#   than ``regex``'s, so its Cn is a superset of ours): only the default-ignorable code points that
#   are letters or marks can occur (variation selectors, Hangul fillers, CGJ, …). They all lie in
#   planes 0 and 14; tests/test_quoting.py checks that against every plane.
_REMOVABLE = rf"(?V1)[[{_INVISIBLE}]--[\p{{White_Space}}\x1c-\x1f]]"
_ASCII_REMOVE_RE = _stdlib_class(_REMOVABLE, ((0, 0x80),))
PRINTABLE_SUSPECT_SPANS = ((0, 0x10000), (0xE0000, 0xF0000))
_PRINTABLE_SUSPECT_RE = _stdlib_class(rf"(?V1)[[{_INVISIBLE}]&&\P{{C}}]", PRINTABLE_SUSPECT_SPANS)
_QUOTE_MARK_RE = _stdlib_class(QUOTE_CLASS, QUOTE_SPANS)

ELLIPSIS = "…"


def _normalise(text: str) -> str:
    """Steps 1 and 2: collapse whitespace, strip invisible and non-character code points."""
    if not isinstance(text, str):
        text = str(text)
    # Remove first, then collapse: removal can bring two spaces together ("a \u200b b").
    if text.isascii():
        text = _ASCII_REMOVE_RE.sub("", text)
    elif not text.isprintable() or _PRINTABLE_SUSPECT_RE.search(text):
        text = _REMOVE_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def _cap(text: str, max_chars: int) -> str:
    """Step 3: at most ``max_chars`` code points including the ellipsis, cut at a safe boundary."""
    max_chars = max(1, int(max_chars))
    if len(text) <= max_chars:
        return text
    cut = max_chars - 1
    # Never split a grapheme: not before an extender, not after a joiner.
    while cut > 0 and (_EXTENDER_RE.match(text, cut) or text[cut - 1] == _JOINER):
        cut -= 1
    # Keep regional-indicator pairs (flags) whole.
    ri = 0
    while cut - ri - 1 >= 0 and _REGIONAL_RE.match(text, cut - ri - 1):
        ri += 1
    if ri % 2 == 1:
        cut -= 1
    # Prefer a word boundary when one is close.
    space = text.rfind(" ", 0, cut + 1)
    if space > 0 and cut - space <= 12:
        cut = space
    return text[:cut].rstrip() + ELLIPSIS


def escape_markdown(text: str) -> str:
    """Step 4: backslash-escape markdown/HTML punctuation (CommonMark renders ``\\#`` as ``#``)."""
    return _MARKDOWN_RE.sub(r"\\\1", text)


def plain(text: str | None, max_chars: int) -> str:
    """Untrusted text for the JSON channel: invisible code points removed, one line, length-capped."""
    return _cap(_normalise(text or ""), max_chars)


def clean_label(text: str | None, max_chars: int) -> str:
    """Untrusted label/question text/id as safe *inline* markdown (never empty)."""
    cleaned = _cap(_normalise(text or ""), max_chars)
    return escape_markdown(cleaned) if cleaned else "(no label)"


def quote(text: str | None, max_chars: int) -> str:
    """A respondent's text as one safe inline fragment wrapped in “…” (empty answers say so).

    Every quotation mark inside becomes ``'``, so nothing in the answer can look like our closing ”.
    """
    cleaned = _cap(_normalise(text or ""), max_chars)
    if not cleaned:
        return "(empty answer)"
    if not cleaned.isascii():
        cleaned = _QUOTE_MARK_RE.sub("'", cleaned)
    elif '"' in cleaned:  # the only ASCII quotation mark besides ' itself
        cleaned = cleaned.replace('"', "'")
    return f"“{escape_markdown(cleaned)}”"


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
