"""What an export contains, independent of the file format: sheets, columns and rows.

One table per question, one row per respondent of that question (its base, sorted by respondent
id): respondent id, question id, the answer, the quality columns when a data-quality job is
joined, then one 0/1 column per code, nets and leaves, in tree order. A code column is named by
its tree position and label (``01 Delivery``, ``01.02 Late delivery``) so sorting the columns by
name keeps the tree; 1 means the respondent is in the code's subtree (a net counts every
respondent of its sub-codes, like the summaries do).

Everything is read from the coding index the summaries use, so an export's counts are the counts
the assistant reported. Rows are generated lazily: a 100,000-respondent question never exists as
a list of rows in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ...quoting import plain
from ..coding.index import CodingIndex, NodeStat, QuestionStat
from ..quality import QualityIndex

BASE_COLUMNS = ("respondent_id", "question_id", "answer")
QUALITY_COLUMNS = ("demerit", "likely_removable", "flagged_issues")
LABEL_CHARS = 80


@dataclass(frozen=True, slots=True)
class CodeColumn:
    name: str
    position: str
    stat: NodeStat
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class QuestionTable:
    qs: QuestionStat
    codes: list[CodeColumn]
    respondents: list[str]
    answers: dict[str, str]

    @property
    def question_id(self) -> str:
        return self.qs.question_id

    def columns(self, quality: bool) -> list[str]:
        return [*BASE_COLUMNS, *(QUALITY_COLUMNS if quality else ()), *(c.name for c in self.codes)]


def _code_columns(qs: QuestionStat) -> list[CodeColumn]:
    """Every node in tree order, named ``<position> <label>`` with fixed-width position parts."""
    widest = max([len(qs.roots), *(len(s.children) for s in qs.nodes.values())], default=1)
    width = max(2, len(str(widest)))
    out: list[CodeColumn] = []
    stack: list[tuple[NodeStat, str]] = [
        (s, f"{n:0{width}d}")
        for n, s in reversed(list(enumerate(sorted(qs.roots, key=lambda s: s.order), 1)))
    ]
    while stack:
        stat, position = stack.pop()
        parent = stat.parent.code_id if stat.parent is not None else None
        label = plain(stat.node.label, LABEL_CHARS) or "(no label)"
        out.append(CodeColumn(f"{position} {label}", position, stat, parent))
        kids = sorted(stat.children, key=lambda s: s.order)
        stack.extend((k, f"{position}.{n:0{width}d}") for n, k in reversed(list(enumerate(kids, 1))))
    return out


def _answers(qs: QuestionStat) -> dict[str, str]:
    """Answer text per respondent: the provider's response list, else the text coded in the tree."""
    answers = {str(k): v for k, v in qs.question.responses.items()}
    stack = list(qs.question.codes)
    while stack:
        node = stack.pop()
        for rid, a in node.assignments.items():
            answers.setdefault(str(rid), a.text)
        stack.extend(node.children)
    return answers


def question_tables(index: CodingIndex) -> list[QuestionTable]:
    tables = []
    for qs in index.questions:
        people: set[str] = {str(r) for r in qs.question.responses}
        for root in qs.roots:
            people.update(root.members)
        tables.append(QuestionTable(qs, _code_columns(qs), sorted(people), _answers(qs)))
    return tables


def quality_cells(quality: QualityIndex | None, rid: str) -> list[object]:
    """demerit, likely removable (0/1), flagged issue types; blanks (None) when not scored."""
    if quality is None:
        return []
    s = quality.by_id.get(rid)
    if s is None:
        return [None, None, None]
    return [s.demerit, int(s.removable), ", ".join(sorted(s.flagged_types))]


def rows(table: QuestionTable, quality: QualityIndex | None) -> Iterator[tuple[str, str, str, list[object]]]:
    """(respondent id, question id, answer, [quality cells…, code bits…]) per respondent, lazily."""
    members = [c.stat.members for c in table.codes]
    qid = table.question_id
    for rid in table.respondents:
        bits: list[object] = [1 if rid in m else 0 for m in members]
        yield rid, qid, table.answers.get(rid, ""), [*quality_cells(quality, rid), *bits]
