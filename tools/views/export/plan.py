"""An export plan: the tables plus the facts the summary sheet and the tool's answer state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ...render import pct
from ..cleaning import RULE_TEXT, Cleaning
from ..coding import CodingIndex
from ..coding.parts import COUNT_RULE
from ..quality import QualityIndex
from .layout import QuestionTable, question_tables

Format = Literal["xlsx", "csv"]
Progress = Callable[[int, int, str], None]
"""``progress(rows written, rows in total, message)``, called from the writing thread."""

CODE_CELLS = "1 = the respondent is in the code or any of its sub-codes, 0 = not"
TEXT_CELLS = "answers and labels are written as text, never as formulas"


@dataclass(slots=True)
class ExportPlan:
    index: CodingIndex
    tables: list[QuestionTable]
    quality: QualityIndex | None
    cleaning: Cleaning | None
    fmt: Format
    now: datetime

    @property
    def rows(self) -> int:
        return sum(len(t.respondents) for t in self.tables)


@dataclass(slots=True)
class WrittenFile:
    path: str
    bytes: int
    question_id: str | None
    rows: int
    columns: int
    sheets: list[tuple[str, str | None, int, int]] = field(default_factory=list)
    """(sheet name, question id, rows, columns) for an xlsx workbook."""


@dataclass(slots=True)
class ExportResult:
    files: list[WrittenFile]
    truncated_cells: int = 0


def plan_export(
    index: CodingIndex, quality: QualityIndex | None, cleaning: Cleaning | None, fmt: Format, now: datetime
) -> ExportPlan:
    return ExportPlan(index, question_tables(index), quality, cleaning, fmt, now)


def summary_facts(plan: ExportPlan) -> list[tuple[str, object]]:
    """Key-value lines of the summary sheet (what a tabulator needs to trust the file)."""
    r = plan.index.results
    facts: list[tuple[str, object]] = [
        ("Job", r.job_id),
        ("Provider", r.provider),
        ("Kind", r.kind),
        ("Survey", r.survey or ""),
        ("Completed at", r.completed_at.isoformat(timespec="seconds") if r.completed_at else ""),
        ("Exported at", plan.now.isoformat(timespec="seconds")),
        ("Questions", len(plan.tables)),
        ("Rows", plan.rows),
        ("Counting", COUNT_RULE),
        ("Code columns", CODE_CELLS),
        ("Text cells", TEXT_CELLS),
    ]
    if r.failure:
        facts.append(("Failed part", f"{r.failure.code}: {r.failure.message}"))
    c = plan.cleaning
    if c is not None:
        e = c.exclusion
        facts += [
            ("Excluded by data-quality job", e.quality_job_id),
            ("Exclusion rule", f"{e.rule}: {RULE_TEXT[e.rule]}"),
            ("Coding respondents scored", c.matched),
            ("Respondents excluded", c.excluded),
        ]
    return facts


QUESTION_HEADER = ("question_id", "question_text", "respondents", "coded", "uncoded", "codes")
CODEBOOK_HEADER = (
    "question_id",
    "column",
    "code_id",
    "label",
    "parent_code_id",
    "bucket",
    "count",
    "share_pct",
)


def question_rows(plan: ExportPlan) -> list[tuple[object, ...]]:
    return [
        (t.question_id, t.qs.question.question_text, t.qs.base, t.qs.coded, t.qs.uncoded, len(t.codes))
        for t in plan.tables
    ]


def codebook_rows(plan: ExportPlan) -> list[tuple[object, ...]]:
    out = []
    for t in plan.tables:
        for c in t.codes:
            node = c.stat.node
            out.append(
                (
                    t.question_id,
                    c.name,
                    c.stat.code_id,
                    node.label,
                    c.parent_id,
                    node.bucket,
                    c.stat.count,
                    pct(c.stat.count, t.qs.base),
                )
            )
    return out
