"""Cell values that are safe in a spreadsheet: text stays text, never a formula.

Respondents type anything, including ``=HYPERLINK(...)``, ``+cmd|...`` or ``@SUM(...)``. In xlsx
every string is written as a string cell (never through type guessing), which Excel never
evaluates; in CSV, where a reader decides the type, a string that starts with ``=``, ``+``, ``-``,
``@``, tab or carriage return gets a leading apostrophe (the OWASP CSV-injection rule), which
spreadsheet programs show as text.
"""

from __future__ import annotations

XLSX_MAX_CHARS = 32_767
"""Excel's limit for one cell; longer answers are cut (and the cut is counted in the summary)."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value: object) -> str:
    """A cell string: lone surrogates (not encodable) replaced, everything else kept verbatim."""
    s = value if isinstance(value, str) else str(value)
    return s.encode("utf-8", "replace").decode("utf-8")


def csv_text(value: object) -> str:
    s = text(value)
    return "'" + s if s.startswith(FORMULA_START) else s


def xlsx_text(value: object) -> tuple[str, bool]:
    """(cell text, whether it was cut to the Excel limit)."""
    s = text(value)
    if len(s) > XLSX_MAX_CHARS:
        return s[: XLSX_MAX_CHARS - 1] + "…", True
    return s, False
