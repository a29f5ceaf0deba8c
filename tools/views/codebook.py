"""A generated codebook -> a compact listing under the token budget.

A codebook-generation job has codes but no coded responses, so there is nothing to count: the
listing is the categories in the provider's order with their codes, each with its id (the handle
the same provider uses in coded results), its definition and its sentiment where the provider gave
them. The header says how many codes carry each, so a missing definition is visible as missing.

Budget: definitions are shortened first, then labels, then the page holds fewer codes; the codes
not shown are counted ("+N more codes in M categories") with the cursor that continues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from pydantic import WithJsonSchema

from ..models import Codebook, CodebookCategory, CodebookCode
from ..quoting import clean_label, handle, plain, plain_id, quote
from ..render import (
    Summary,
    decode_cursor,
    drop_none,
    emergency,
    encode_cursor,
    fit_ladder,
    heading,
    largest_fitting,
)
from ..tokens import MIN_TOKENS
from .lean import OutModel, inline

PAGE_CAP = 80
TITLE = "Codebook"
NO_COUNTS = (
    "a codebook-generation job produces the codebook only; no responses were coded with it, so there "
    "are no counts (coding jobs that use it are read with get_coding_results)"
)


class CodebookCodeOut(OutModel):
    code_id: str
    name: str
    definition: str | None = None
    sentiment: str | None = None


class CodebookCategoryOut(OutModel):
    category_id: str | None = None
    label: str | None = None
    codes_total: int
    codes: list[inline(CodebookCodeOut)]


class CodebookOut(OutModel):
    question_text: str | None = None
    codes_total: int
    categories_total: int
    uncategorised: int
    with_definition: int
    with_sentiment: int
    offset: int
    categories: list[inline(CodebookCategoryOut)]
    codes_omitted: int | None = None
    categories_omitted: int | None = None


CodebookField = Annotated[CodebookOut, WithJsonSchema({"type": "object"})]
"""How ``get_coding_results`` publishes it: validated against ``CodebookOut``, advertised as an
object (a codebook answer is one mode of a tool whose schema is sized for coded results)."""


@dataclass(frozen=True, slots=True)
class Detail:
    definition_chars: int = 200
    label_chars: int = 80
    meta_chars: int = 120


LADDER = (Detail(), Detail(100, 60, 80), Detail(50, 40, 60), Detail(0, 24, 30))

Entry = tuple[CodebookCategory, CodebookCode]


def _entries(cb: Codebook) -> list[Entry]:
    return [(cat, code) for cat in cb.categories for code in cat.codes]


class Texts:
    """Cleaned strings of one ``summarise_codebook`` call: the budget search renders the same text
    at the same length many times, and cleaning a long definition is the expensive part."""

    def __init__(self) -> None:
        self._done: dict[tuple[Callable[[str, int], str], str, int], str] = {}

    def __call__(self, fn: Callable[[str, int], str], text: str, chars: int) -> str:
        key = (fn, text, chars)
        value = self._done.get(key)
        if value is None:
            value = self._done[key] = fn(text, chars)
        return value


def _header(cb: Codebook, d: Detail, lines: list[str], t: Texts) -> dict:
    lines.append(heading(TITLE, cb.job_id, None, 0))
    facts = [f"**Provider:** {clean_label(cb.provider, 20)}", f"**Kind:** {clean_label(cb.kind, 30)}"]
    if cb.completed_at:
        facts.append(f"**Completed:** {cb.completed_at.isoformat(timespec='seconds')}")
    lines.append(" · ".join(facts))
    if cb.question_text:
        lines.append(f"**Question:** {t(quote, cb.question_text, d.meta_chars)}")
    codes = _entries(cb)
    named = [c for c in cb.categories if c.category_id is not None]
    loose = sum(len(c.codes) for c in cb.categories if c.category_id is None)
    with_def = sum(1 for _, c in codes if c.definition)
    with_sent = sum(1 for _, c in codes if c.sentiment)
    loose_text = f" (+{loose:,} without a category)" if loose else ""
    lines.append(
        f"**Codes:** {len(codes) - loose:,} in {len(named):,} categories{loose_text} · "
        f"definitions on {with_def:,} · sentiment on {with_sent:,}"
    )
    lines.append(f"**Note:** {NO_COUNTS}.")
    return {
        "question_text": t(plain, cb.question_text, d.meta_chars) if cb.question_text else None,
        "codes_total": len(codes),
        "categories_total": len(named),
        "uncategorised": loose,
        "with_definition": with_def,
        "with_sentiment": with_sent,
    }


def _code(code: CodebookCode, d: Detail, t: Texts) -> tuple[str, dict]:
    line = f"- **{t(clean_label, code.name, d.label_chars)}** {handle(code.code_id)}"
    if code.sentiment:
        line += f" · {t(clean_label, code.sentiment, 20)}"
    with_definition = bool(code.definition and d.definition_chars)
    if with_definition:
        line += f" — {t(quote, code.definition, d.definition_chars)}"
    entry = {
        "code_id": plain_id(code.code_id),
        "name": t(plain, code.name, d.label_chars),
        "definition": t(plain, code.definition, d.definition_chars) if with_definition else None,
        "sentiment": t(plain, code.sentiment, 20) if code.sentiment else None,
    }
    return line, drop_none(entry)


def render(cb: Codebook, d: Detail, offset: int, k: int, scope: str, t: Texts | None = None) -> Summary:
    t = Texts() if t is None else t
    lines: list[str] = []
    book = _header(cb, d, lines, t)
    entries = _entries(cb)
    shown = entries[offset : offset + k]
    cats: list[dict] = []
    current: CodebookCategory | None = None
    for cat, code in shown:
        if cat is not current:
            current = cat
            label = t(clean_label, cat.label, d.label_chars) if cat.label else "(no category)"
            ident = f" {handle(cat.category_id)}" if cat.category_id else ""
            cont = " (continued)" if cat.codes[0] is not code else ""
            n = len(cat.codes)
            lines += ["", f"## {label}{ident}{cont} — {n:,} code{'' if n == 1 else 's'}"]
            cats.append(
                drop_none(
                    {
                        "category_id": plain_id(cat.category_id) if cat.category_id else None,
                        "label": t(plain, cat.label, d.label_chars) if cat.label else None,
                        "codes_total": len(cat.codes),
                        "codes": [],
                    }
                )
            )
        line, entry = _code(code, d, t)
        lines.append(line)
        cats[-1]["codes"].append(entry)
    book.update(offset=offset, categories=cats)
    data: dict = {
        "job_id": plain_id(cb.job_id),
        "provider": plain(cb.provider, 20),
        "kind": plain(cb.kind, 30),
        "mode": "codebook",
        "completed_at": cb.completed_at.isoformat(timespec="seconds") if cb.completed_at else None,
    }
    rest = entries[offset + len(shown) :]
    if not entries:
        lines += ["", "The codebook is empty."]
        data["note"] = "empty codebook"
    elif rest:
        n_cats = len({id(cat) for cat, _ in rest})
        book.update(codes_omitted=len(rest), categories_omitted=n_cats)
        lines.append("")
        if shown:
            cursor = encode_cursor(scope, offset + len(shown))
            data["next_cursor"] = cursor
            lines.append(
                f"+{len(rest):,} more codes in {n_cats:,} categories — call again with the same job_id "
                f"and cursor=`{cursor}`."
            )
        else:
            lines.append(f"+{len(rest):,} more codes — they do not fit in this max_tokens; raise max_tokens.")
    data["codebook"] = drop_none(book)
    return Summary("\n".join(lines).strip() + "\n", drop_none(data))


def summarise_codebook(cb: Codebook, *, max_tokens: int = 3000, cursor: str | None = None) -> Summary:
    """One budget-fitted page of ``cb``: most detail first, then fewer codes per page."""
    max_tokens = max(MIN_TOKENS, int(max_tokens))
    scope = f"codebook|{cb.job_id}"
    total = len(_entries(cb))
    offset = decode_cursor(cursor, scope, total)
    cap = min(PAGE_CAP, total - offset)
    texts = Texts()
    found = fit_ladder(
        LADDER,
        lambda d, k: render(cb, d, offset, k, scope, texts),
        min(1, cap),
        cap,
        max_tokens,
        want=min(10, cap),
    )
    if found is not None:
        return found
    tiny = Detail(0, 12, 12)
    smallest = largest_fitting(lambda k: render(cb, tiny, offset, k, scope, texts), 0, cap, max_tokens)
    if smallest is not None:
        return smallest[1]
    data = {"job_id": plain_id(cb.job_id), "provider": plain(cb.provider, 20), "kind": plain(cb.kind, 30)}
    return emergency(TITLE, cb.job_id, f"**Codes:** {cb.codes:,}", max_tokens, data | {"mode": "codebook"})
