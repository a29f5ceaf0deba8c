"""Which question and which code of one job is which of another job's.

Questions: by identifier when both jobs come from the same provider, else (or when the identifier
finds nothing) by normalised question text. Identifiers are namespaced by provider: one provider's
question handle can be a synthetic label (``Q1`` for a single-question job) that says nothing about
another provider's ``Q1``, so across providers only the wording matches. When an identifier match
has different wording the output says so, because a reworded question is a trend break.

Codes: by normalised label *within their parent path*, so "Other" under "Pricing" never matches a
top-level "Other", and a net renamed by case or punctuation ("Delivery problems" / "Delivery
Problems!") still matches. Normalising drops case, spacing and punctuation (Unicode-aware).
A second code with the same normalised path in one tree is left unmatched (new or dropped) rather
than merged: merging would change counts silently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from ..coding.index import CodingIndex, NodeStat, QuestionStat

MatchedBy = Literal["id", "text", "id_text_differs"]


def normalise(text: str | None) -> str:
    """Case, spacing and punctuation ignored: NFKC, casefolded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(frozen=True, slots=True)
class QuestionPair:
    job: QuestionStat
    baseline: QuestionStat
    matched_by: MatchedBy


@dataclass(frozen=True, slots=True)
class QuestionMatch:
    pairs: list[QuestionPair]
    job_only: list[QuestionStat]
    baseline_only: list[QuestionStat]


def match_questions(job: CodingIndex, baseline: CodingIndex) -> QuestionMatch:
    """Pair the questions of ``job`` with those of ``baseline`` (each used at most once), in job order."""
    same_provider = job.results.provider == baseline.results.provider
    free = list(baseline.questions)
    found: dict[int, tuple[QuestionStat, MatchedBy]] = {}

    def take(candidates: list[QuestionStat], qs: QuestionStat, by: MatchedBy) -> None:
        found[id(qs)] = (candidates[0], by)
        free.remove(candidates[0])

    def text_of(qs: QuestionStat) -> str:
        return normalise(qs.question.question_text)

    if same_provider:
        for qs in job.questions:
            same = [b for b in free if b.question_id == qs.question_id and text_of(b) == text_of(qs)]
            if same:
                take(same, qs, "id")
    for qs in job.questions:
        if id(qs) not in found and text_of(qs):
            same = [b for b in free if text_of(b) == text_of(qs)]
            if same:
                take(same, qs, "text")
    if same_provider:
        for qs in job.questions:
            same = [b for b in free if b.question_id == qs.question_id] if id(qs) not in found else []
            if same:
                take(same, qs, "id_text_differs")
    pairs = [QuestionPair(qs, *found[id(qs)]) for qs in job.questions if id(qs) in found]
    job_only = [qs for qs in job.questions if id(qs) not in found]
    return QuestionMatch(pairs, job_only, free)


# ---- codes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodePair:
    job: NodeStat
    baseline: NodeStat


@dataclass(frozen=True, slots=True)
class CodeMatch:
    pairs: list[CodePair]
    """In job tree order (pre-order)."""
    new: list[NodeStat]
    """Codes only in the job."""
    dropped: list[NodeStat]
    """Codes only in the baseline."""


def _keyed(qs: QuestionStat) -> tuple[dict[tuple[str, ...], NodeStat], list[NodeStat]]:
    """Every node by its normalised label path (first occurrence wins), and the rest, in tree order."""
    nodes: list[tuple[tuple[str, ...], NodeStat]] = []
    stack = [(r, ()) for r in reversed(qs.roots)]
    while stack:
        stat, prefix = stack.pop()
        path = (*prefix, normalise(stat.node.label))
        nodes.append((path, stat))
        stack.extend((c, path) for c in reversed(stat.children))
    nodes.sort(key=lambda item: item[1].order)
    keyed: dict[tuple[str, ...], NodeStat] = {}
    rest: list[NodeStat] = []
    for path, stat in nodes:
        if path in keyed:
            rest.append(stat)
        else:
            keyed[path] = stat
    return keyed, rest


def match_codes(job: QuestionStat, baseline: QuestionStat) -> CodeMatch:
    """Pair codes by normalised label path; what is left over is new (job) or dropped (baseline)."""
    job_keyed, job_rest = _keyed(job)
    base_keyed, base_rest = _keyed(baseline)
    pairs = [CodePair(stat, base_keyed[path]) for path, stat in job_keyed.items() if path in base_keyed]
    new = [stat for path, stat in job_keyed.items() if path not in base_keyed] + job_rest
    dropped = [stat for path, stat in base_keyed.items() if path not in job_keyed] + base_rest
    return CodeMatch(pairs, sorted(new, key=lambda s: s.order), sorted(dropped, key=lambda s: s.order))


def label_path(stat: NodeStat) -> list[str]:
    """Raw labels from the root down to ``stat`` (quoted by the renderer, never here)."""
    out: list[str] = []
    p: NodeStat | None = stat
    while p is not None:
        out.append(p.node.label)
        p = p.parent
    return out[::-1]
