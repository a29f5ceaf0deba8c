"""One scrubbing boundary: every known secret is removed from text before it leaves the process.

Why one registry instead of passing the key to each message: an upstream body, an exception text or a
log line can carry a key that the code building the message never held (another provider's key, an
HTTP bearer token, a key echoed inside a nested error). So every secret this process uses is
registered once, where it is read (``credentials.resolve_key``, the HTTP layer, the HTTP token
loader), and ``scrub`` removes all of them from any string, in every form in which it can appear:

- raw, URL-encoded (``quote`` with and without ``/`` safe, ``quote_plus``, either hex case),
  JSON-escaped (``ensure_ascii`` on and off) and ``repr``/``ascii``-escaped, and each of those
  escaped once more (a JSON string inside a repr, a repr inside JSON);
- fragments: the first or last ``FRAGMENT`` or more characters of one of those forms, so a message
  that cut a key short (``text[:200]``, ``'…' + text[-40:]``) does not leak half of it. Inner runs
  are not searched: they are not what truncation leaves, and short inner runs of unrelated keys
  (``0123456789ab``) would hide ordinary ids.

``RedactingFilter`` applies the same function to log records (message, arguments, exception and
stack text) on the handlers the CLI installs, so logs are covered even when a message was built
elsewhere. ``scrub_data`` walks a JSON-like value (structured content) for the tool boundary.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
MIN_SECRET = 8
"""Shorter values are not registered: they would match ordinary words and cannot be real keys."""
FRAGMENT = 12
"""A secret's first or last this-many characters (or more) are treated as the secret (a cut-off key)."""
_ANCHOR = 8


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!&$])")
"""The characters ``tools.quoting`` backslash-escapes in markdown: a key rendered in a label reads so."""


def _escaped_once(text: str) -> set[str]:
    return {
        text,
        _MARKDOWN_SPECIAL.sub(r"\\\1", text),
        quote(text, safe=""),
        quote(text, safe="/"),
        quote_plus(text),
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        repr(text)[1:-1],
        ascii(text)[1:-1],
    }


def secret_forms(secret: str) -> set[str]:
    """Every spelling of ``secret`` that a message or log line could contain (two escaping levels)."""
    forms: set[str] = set()
    for once in _escaped_once(secret):
        forms |= _escaped_once(once)
    # Percent-encoding hex digits may come back lower-cased from another encoder.
    forms |= {_lower_hex(f) for f in forms if "%" in f}
    return {f for f in forms if len(f) >= MIN_SECRET}


def _lower_hex(text: str) -> str:
    parts = text.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


class _Registry:
    """The secrets of this process and the search tables built from them (rebuilt on change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._forms: tuple[str, ...] = ()
        self._anchors: tuple[tuple[str, str, int], ...] = ()

    def add(self, secret: str) -> None:
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            forms: set[str] = set()
            for s in self._secrets:
                forms |= secret_forms(s)
            ordered = tuple(sorted(forms, key=len, reverse=True))
            anchors = []
            for form in ordered:
                if len(form) < FRAGMENT:
                    continue
                # A prefix of the form starts with its first window; a suffix ends with its last.
                anchors.append((form[:_ANCHOR], form, 0))
                anchors.append((form[-_ANCHOR:], form, len(form) - _ANCHOR))
            self._forms, self._anchors = ordered, tuple(anchors)

    def tables(self) -> tuple[tuple[str, ...], tuple[tuple[str, str, int], ...]]:
        return self._forms, self._anchors


_REGISTRY = _Registry()


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret of this process; ``scrub`` removes it from then on."""
    if isinstance(value, str):
        value = value.strip()
        if len(value) >= MIN_SECRET:
            _REGISTRY.add(value)


def _fragment_spans(text: str, anchors: Iterable[tuple[str, str, int]]) -> list[tuple[int, int]]:
    """Spans of ``text`` that are a prefix or suffix (>= FRAGMENT characters) of some secret form."""
    spans: list[tuple[int, int]] = []
    for needle, form, offset in anchors:
        i = text.find(needle)
        while i != -1:
            left, k = i, offset
            while left > 0 and k > 0 and text[left - 1] == form[k - 1]:
                left, k = left - 1, k - 1
            right, k = i + _ANCHOR, offset + _ANCHOR
            while right < len(text) and k < len(form) and text[right] == form[k]:
                right, k = right + 1, k + 1
            if right - left >= FRAGMENT:
                spans.append((left, right))
            i = text.find(needle, i + 1)
    return spans


def _replace_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace each run of overlapping or touching spans with one marker."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)


def scrub(text: str, *extra: str | None) -> str:
    """``text`` with every registered secret (and ``extra`` ones) removed in every known form."""
    if not isinstance(text, str):
        text = str(text)
    for value in extra:
        register_secret(value)
    forms, anchors = _REGISTRY.tables()
    if not forms or not text:
        return text
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    spans = _fragment_spans(text, anchors)
    return _replace_spans(text, spans) if spans else text


def contains_secret(text: str) -> bool:
    """Whether ``text`` holds any registered secret, whole or as a fragment (cheap pre-check)."""
    forms, anchors = _REGISTRY.tables()
    return any(form in text for form in forms) or bool(_fragment_spans(text, anchors))


def clip(text: Any, limit: int) -> str:
    """Upstream text for a message: scrubbed first, then cut (cutting first could split a key)."""
    return scrub(str(text))[: max(0, limit)]


def scrub_data(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, numbers) with every string scrubbed, keys included."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_data(k): scrub_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_data(v) for v in value)
    return value


def scrub_result(result: Any) -> Any:
    """A wire result (a dict of content, structuredContent, …) with every secret removed.

    Serialising once and searching that string first keeps the common case (no secret anywhere)
    to one pass over the answer instead of one search per string.
    """
    if not _REGISTRY.tables()[0]:
        return result
    try:
        flat = json.dumps(result, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return scrub_data(result)
    return scrub_data(result) if contains_secret(flat) else result


async def _scrub_results(ctx: Any, call_next: Any) -> Any:
    return scrub_result(await call_next(ctx))


def install_result_scrubbing(server: Any) -> None:
    """Scrub every result the MCP server sends (tools, resources, prompts; text and structured).

    Put first in ``server.middleware`` (the SDK's context-tier middleware, outermost-first, which
    sees each request's wire-form result), so it wraps every handler and every other middleware:
    it is the last thing between any of them and the client.
    """
    if _scrub_results not in server.middleware:
        server.middleware.insert(0, _scrub_results)


# ---------------------------------------------------------------------------------------------------
# logs
# ---------------------------------------------------------------------------------------------------

_TRACEBACK_FORMATTER = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Scrubs a record in place: message with its arguments, exception text and stack text.

    The record is rewritten (``msg`` becomes the formatted, scrubbed message, ``args`` is emptied,
    the traceback is pre-rendered into ``exc_text``), so every handler that sees it afterwards,
    whatever its formatter, only sees scrubbed text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the line (or crash logging)
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def install_log_redaction(handlers: Iterable[logging.Handler] | None = None) -> None:
    """Add one ``RedactingFilter`` to each handler (default: the root logger's); idempotent."""
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


__all__ = [
    "REDACTED",
    "RedactingFilter",
    "clip",
    "contains_secret",
    "install_log_redaction",
    "install_result_scrubbing",
    "register_secret",
    "scrub",
    "scrub_data",
    "scrub_result",
    "secret_forms",
]
