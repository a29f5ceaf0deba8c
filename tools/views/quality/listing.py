"""The data-quality overview: job statistics and the worst respondents, filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...quoting import handle, plain_id
from ...render import Lines, Summary, drop_none, encode_cursor, item_bytes
from .index import QualityIndex, RespStat
from .parts import TITLE, Detail, header, stats_block, strongest_text


@dataclass(slots=True)
class WorstList:
    """``rows`` (the filtered worst-first list) from ``offset``; ``scope`` binds its cursors.

    The budget search renders the page several times: the part above the rows is made once per
    level of detail, and each row once per level of detail (quoting is most of a row's cost).
    """

    index: QualityIndex
    issue_type: str | None
    min_demerit: float | None
    rows: list[RespStat]
    offset: int
    scope: str
    _heads: dict[Detail, tuple[list[str], dict]] = field(default_factory=dict)
    _made: dict[Detail, list[tuple[str, dict, tuple[int, int]]]] = field(default_factory=dict)

    def render(self, d: Detail, n: int) -> Summary:
        lines, head = self._head(d)
        out = Lines()
        out.lines.extend(lines)
        data = dict(head)
        shown = self.rows[self.offset : self.offset + n]
        data["listed_total"] = len(self.rows)
        data["offset"] = self.offset
        data["worst"] = self._rows(out, d, shown)
        self._next(out, data, shown)
        return Summary(out.text(), drop_none(data))

    def row_size(self, d: Detail, i: int) -> tuple[int, int]:
        """What the ``i``-th row of this page adds to (markdown, JSON) at detail ``d``."""
        return self._row(d, i)[2]

    def _head(self, d: Detail) -> tuple[list[str], dict]:
        made = self._heads.get(d)
        if made is None:
            out = Lines()
            data = header(self.index, out, d, "overview", TITLE)
            stats_block(self.index, out, data)
            self._filter(out, data)
            made = self._heads[d] = (out.lines, data)
        return made

    def _row(self, d: Detail, i: int) -> tuple[str, dict, tuple[int, int]]:
        made = self._made.setdefault(d, [])
        while len(made) <= i:
            s = self.rows[self.offset + len(made)]
            st_text, st = strongest_text(s, self.issue_type, d)
            flag = " · likely removable" if s.removable else ""
            line = (
                f"- {handle(s.respondent_id)} — demerit {s.demerit:g} · issues on {s.issue_answers} "
                f"answer(s){flag} · {st_text}"
            )
            entry = {
                "respondent_id": plain_id(s.respondent_id),
                "demerit": s.demerit,
                "issue_answers": s.issue_answers,
                "removable": s.removable,
                "strongest": st,
            }
            entry = drop_none(entry)
            made.append((line, entry, item_bytes(line, entry)))
        return made[i]

    def _filter(self, out: Lines, data: dict) -> None:
        if self.issue_type is None and self.min_demerit is None:
            return
        parts = []
        if self.issue_type is not None:
            parts.append(f"issue_type={handle(self.issue_type)}")
        if self.min_demerit is not None:
            parts.append(f"min_demerit={self.min_demerit:g}")
        total = len(self.rows)
        out.add(f"**Filter:** {', '.join(parts)} → {total:,} of {self.index.n:,} respondents match")
        data["filter"] = drop_none(
            {"issue_type": self.issue_type, "min_demerit": self.min_demerit, "matched": total}
        )

    def _rows(self, out: Lines, d: Detail, shown: list[RespStat]) -> list[dict]:
        total = len(self.rows)
        out.blank()
        if not shown:
            if total:
                out.add(f"**Respondents:** {total:,} match; none fit in max_tokens here — raise max_tokens.")
            elif self.index.n:
                out.add("No respondent matches the filter.")
            else:
                out.add("No respondents in this report.")
            return []
        first, last = self.offset + 1, self.offset + len(shown)
        out.add(f"## Worst respondents {first:,}–{last:,} of {total:,} (highest demerit first)")
        made = [self._row(d, i) for i in range(len(shown))]
        out.lines.extend(line for line, _, _ in made)
        return [entry for _, entry, _ in made]

    def _next(self, out: Lines, data: dict, shown: list[RespStat]) -> None:
        end = self.offset + len(shown)
        if shown and end < len(self.rows):
            cursor = encode_cursor(self.scope, end)
            data["next_cursor"] = cursor
            out.next(
                f"{len(self.rows) - end:,} more respondents: call again with the same job_id and "
                f"filters and cursor=`{cursor}`; respondent_id=… shows one respondent's answers."
            )
        elif first := next((s for s in shown if s.r.answers), None):
            out.next(f"respondent_id={handle(first.respondent_id)} shows that respondent's answers.")
