"""Recognise the catch-all codes a codeframe carries ("Other", "Uncoded", "Gibberish", "No answer").

Researchers need these shown, never folded away: a 30% "Other" share says the codeframe is weak.
Providers mark them only by label, so recognition is by label, deliberately conservative
(whole-label matches), and lives in ``tools/`` because it is provider-neutral.
"""

from __future__ import annotations

import re

from .models import BucketKind

_PATTERNS: tuple[tuple[BucketKind, re.Pattern[str]], ...] = (
    (
        "uncoded",
        re.compile(
            r"(un ?coded|not coded|no code|no qualifying codes?|unclassified|uncategori[sz]ed|"
            r"no matching (code|theme)s?)"
        ),
    ),
    ("gibberish", re.compile(r"(gibberish|nonsense|junk|unintelligible)( responses?| answers?)?")),
    (
        "no_answer",
        re.compile(
            r"(no answer|no response|none|nothing|n/?a|don'?t know|dk|no comments?|"
            r"nothing to add|no opinion|blank)"
        ),
    ),
    ("other", re.compile(r"(other|others|other \(please specify\)|miscellaneous|misc\.?|other mentions?)")),
)


def classify_bucket(label: str) -> BucketKind | None:
    """Return the bucket a code label denotes, or None for an ordinary code."""
    normalized = " ".join(label.lower().replace("’", "'").split()).strip(" .:-/")
    for kind, pattern in _PATTERNS:
        if pattern.fullmatch(normalized):
            return kind
    return None
