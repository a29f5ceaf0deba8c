"""The render kit every view shares: budget fitting, cursors, markdown helpers, the result header.

A view builds its answer as two channels that say the same thing (markdown text and a compact
structured dict, a ``Summary``), measures them with ``tools.tokens`` and steps down a ladder of
less detailed renders until both fit ``max_tokens``. The pieces every view needs for that live here
once: the budget search (``largest_fitting``, ``largest_fitting_items``, ``fit_ladder``), opaque
cursors, the percent and markdown line helpers, and the header / partial-failure / emergency lines
of a results answer.
"""

from .budget import ItemSize, Render, Summary, fit_ladder, item_bytes, largest_fitting, largest_fitting_items
from .cursors import decode_cursor, encode_cursor
from .header import emergency, failure_note, heading
from .markdown import Lines, drop_none, fmt_pct, pct

__all__ = [
    "ItemSize",
    "Lines",
    "Render",
    "Summary",
    "decode_cursor",
    "drop_none",
    "emergency",
    "encode_cursor",
    "failure_note",
    "fit_ladder",
    "fmt_pct",
    "heading",
    "item_bytes",
    "largest_fitting",
    "largest_fitting_items",
    "pct",
]
