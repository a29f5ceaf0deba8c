"""Excel sheet names for question ids: at most 31 characters, none of ``[]:*?/\\``, unique
(case-insensitively, as Excel compares them), never a reserved name."""

from __future__ import annotations

import re

_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")
MAX = 31


def sheet_names(question_ids: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    taken = {r.lower() for r in (*reserved, "history")}
    out = []
    for n, qid in enumerate(question_ids, 1):
        base = _BAD.sub("_", qid).strip("'").strip() or f"Question {n}"
        name = base[:MAX]
        k = 2
        while name.lower() in taken:
            tail = f" ({k})"
            name = base[: MAX - len(tail)] + tail
            k += 1
        taken.add(name.lower())
        out.append(name)
    return out
