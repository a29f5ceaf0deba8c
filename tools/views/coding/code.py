"""One code: its path, counts, sub-code tree and its responses, paged with a cursor."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...quoting import clean_label, handle, plain, plain_id, quote
from ...render import (
    Lines,
    Summary,
    decode_cursor,
    drop_none,
    encode_cursor,
    fit_ladder,
    item_bytes,
    largest_fitting,
    largest_fitting_items,
)
from .index import LOW_CONFIDENCE, CodingIndex, NodeStat, QuestionStat, page_list, sub_rank
from .parts import COUNT_RULE, Detail, Tree, code_line, emergency_answer, header, stats
from .responses import ResponsePage

ROW_TOKENS_MIN = 8
"""No response row costs fewer tokens (structured channel), so at most max_tokens // 8 fit: the
page is as long as the budget allows, this only bounds the search."""
RICH = Detail(quote_chars=200, label_chars=80)
LADDER = (
    RICH,
    Detail(quote_chars=100, label_chars=60),
    Detail(quote_chars=50, label_chars=40, meta_chars=40),
)
"""Shorter quotes and labels, until at least 10 responses (or all that are left) fit."""
LAST = Detail(quote_chars=24, label_chars=16, text_chars=20, meta_chars=20)


@dataclass(slots=True)
class _Row:
    """One response as shown at one level of detail, and what it adds to each channel."""

    line: str
    entry: dict
    size: tuple[int, int]


@dataclass(slots=True)
class _Code:
    """One code's answer: ``k`` sub-codes shown, ``n`` responses from ``offset``.

    The budget search renders the answer several times; what does not change between those renders
    is made once per call: the part above the responses per (detail, ``k``), and each response row
    per quote length (quoting is most of a row's cost).
    """

    index: CodingIndex
    qs: QuestionStat
    stat: NodeStat
    page: ResponsePage
    offset: int
    scope: str
    _heads: dict[tuple[Detail, int], tuple[list[str], dict]] = field(default_factory=dict)
    _rows: dict[int, list[_Row]] = field(default_factory=dict)

    def render(self, d: Detail, k: int, n: int) -> Summary:
        lines, head = self._head(d, k)
        out = Lines()
        out.lines.extend(lines)
        data = dict(head)
        self._responses(out, data, d, n)
        return Summary(out.text(), drop_none(data))

    def row_size(self, d: Detail, i: int) -> tuple[int, int]:
        """What the ``i``-th response row of this page adds to (markdown, JSON) at detail ``d``."""
        return self._row(d, i).size

    def _head(self, d: Detail, k: int) -> tuple[list[str], dict]:
        key = (d, k)
        made = self._heads.get(key)
        if made is None:
            out = Lines()
            data = header(self.index, out, d, "code")
            self._about(out, data, d)
            data["code"] = self._subtree(out, data, d, k)
            made = self._heads[key] = (out.lines, data)
        return made

    def _row(self, d: Detail, i: int) -> _Row:
        rows = self._rows.setdefault(d.quote_chars, [])
        while len(rows) <= i:
            rid, t = self.page[self.offset + len(rows)]
            line = f"- {handle(rid)} {quote(t, d.quote_chars)}"
            entry = {"respondent_id": plain_id(rid), "text": plain(t, d.quote_chars)}
            rows.append(_Row(line, entry, item_bytes(line, entry)))
        return rows[i]

    def _about(self, out: Lines, data: dict, d: Detail) -> None:
        stat, qs = self.stat, self.qs
        path: list[NodeStat] = []
        p: NodeStat | None = stat
        while p is not None:
            path.append(p)
            p = p.parent
        path.reverse()
        out.blank()
        out.add(f"## Code {handle(stat.code_id)} — {clean_label(stat.node.label, d.label_chars)}")
        out.add(
            f"**Question:** {handle(qs.question_id)} — {clean_label(qs.question.question_text, d.text_chars)}"
        )
        if len(path) > 1:
            crumbs = " › ".join(clean_label(s.node.label, max(12, d.label_chars // 2)) for s in path)
            out.add(f"**Path:** {crumbs}")
            data["path"] = [plain_id(s.code_id) for s in path]

    def _subtree(self, out: Lines, data: dict, d: Detail, k: int) -> dict:
        index, qs, stat = self.index, self.qs, self.stat
        _, entry = code_line(index, stat, qs.base, d, "", 0)
        counts, _ = stats(index, stat, qs.base)
        out.add(f"**Respondents:** {counts} — % of {qs.base:,} responses ({COUNT_RULE})")
        if stat.node.bucket:
            out.add(f"**Bucket:** {clean_label(stat.node.bucket, 20)}")
        data["counting"] = COUNT_RULE
        if index.results.has_confidence:
            data["low_confidence_threshold"] = LOW_CONFIDENCE
            out.add(f"**Low confidence:** assignments with confidence < {LOW_CONFIDENCE}")
        if not stat.children:
            return entry
        out.blank()
        out.add("**Sub-codes:**")
        shown = {id(s) for s in sub_rank(index, stat)[:k]}
        tree = Tree(index, qs, shown, d, out)
        hint = f"code_id={handle(stat.code_id)} with a larger max_tokens to list them"
        children, omitted = tree.render(stat.children, stat.child_suffix, hint)
        for c in children:
            if c.get("parent") == entry["code_id"]:  # direct sub-codes: their parent is the code itself
                c.pop("parent")
        if children:
            entry["children"] = children
        if omitted:
            entry["sub_codes_omitted"] = omitted
        return entry

    def _responses(self, out: Lines, data: dict, d: Detail, n: int) -> None:
        qs, stat, offset = self.qs, self.stat, self.offset
        total = len(self.page)
        rows = [self._row(d, i) for i in range(min(n, total - offset))]
        out.blank()
        if rows:
            out.add(
                f"## Responses {offset + 1:,}–{offset + len(rows):,} of {total:,} (sorted by respondent id)"
            )
            out.lines.extend(r.line for r in rows)
        elif total:
            out.add(f"**Responses:** {total:,} — none fit in max_tokens here; raise max_tokens to read them.")
        data["responses_total"] = total
        data["offset"] = offset
        data["responses"] = [r.entry for r in rows]
        if rows and offset + len(rows) < total:
            cursor = encode_cursor(self.scope, offset + len(rows))
            data["next_cursor"] = cursor
            out.next(
                f"{total - offset - len(rows):,} more responses: call again with the same job_id, "
                f"question_id={handle(qs.question_id)}, code_id={handle(stat.code_id)} and cursor=`{cursor}`."
            )


def code(
    index: CodingIndex,
    qs: QuestionStat,
    stat: NodeStat,
    max_tokens: int,
    cursor: str | None,
    subset: str | None = None,
) -> Summary:
    """``subset`` names who the list leaves out (the cleaning rule): a cursor of the cleaned list
    pages another list than the full one, so each is refused on the other."""
    scope = f"coding|{index.results.job_id}|{qs.question_id}|{stat.code_id}"
    if subset:
        scope += f"|without|{subset}"
    page = page_list(index, qs, stat)
    total = len(page)
    offset = decode_cursor(cursor, scope, total)
    view = _Code(index, qs, stat, page, offset, scope)
    cap = min(total - offset, max_tokens // ROW_TOKENS_MIN)
    # The sub-code tree gets at most half the budget; the page of responses gets the rest.
    tree = largest_fitting(
        lambda k: view.render(RICH, k, 0), 0, len(sub_rank(index, stat)), max(1, max_tokens // 2)
    )
    k = tree[0] if tree else 0

    def page_at(d: Detail, n: int) -> Summary:
        return view.render(d, k, n)

    lo = min(1, cap)
    sized = view.row_size
    found = fit_ladder(
        LADDER, page_at, lo, cap, max_tokens, want=min(10, cap), settle=False, item_size=sized
    ) or fit_ladder((LAST,), page_at, lo, cap, max_tokens, want=0, item_size=sized)
    if found:
        return found
    bare = largest_fitting_items(
        lambda n: view.render(LAST, 0, n), lambda i: sized(LAST, i), 0, cap, max_tokens
    )
    return bare[1] if bare else emergency_answer(index, max_tokens, "code")
