"""The token budget rule of the output policy: ``ceil(utf8 bytes / 4) <= max_tokens``.

Both channels are measured: the markdown text as UTF-8, the ``structuredContent`` as the JSON a
client could see. For the structured channel we measure ``json.dumps`` with its defaults
(``ensure_ascii=True`` and spaced separators), which is never shorter than any compact UTF-8
serialisation a transport might use, so a structure that fits by this measure fits on the wire.
"""

from __future__ import annotations

import json
from typing import Any

MIN_TOKENS = 300
MAX_TOKENS = 20_000
DEFAULT_TOKENS = 3_000


def text_tokens(text: str) -> int:
    return -(-len(text.encode("utf-8")) // 4)


def structured_tokens(payload: Any) -> int:
    return -(-len(json.dumps(payload).encode("utf-8")) // 4)


def fits(text: str, payload: Any, max_tokens: int) -> bool:
    return text_tokens(text) <= max_tokens and structured_tokens(payload) <= max_tokens
