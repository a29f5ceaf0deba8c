"""Clean-respondent themes: coding counts recomputed without the respondents a quality job flags.

The join: a data-quality job scores respondents by ``responseIdentifier`` and a coding job lists
its responses under the same key, which is the domain's respondent id on both sides. Nothing else
is joined (no fuzzy matching): a respondent is excluded only when the very same id is scored and
meets the rule. The rule is the quality view's own (``flagged`` or ``likely_removable``), so the
two tools never disagree about who is junk.

Cleaning is a filter on ``CodingResults`` *before* indexing, so every count, base and share of the
coding view (and of a comparison) is recomputed by the same code that computes the uncleaned ones.
``describe_cleaning`` then compares the two indexes for the header: how many coding respondents
were scored, how many were excluded, each question's base before and after, and the codes whose
share moved most.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from pydantic import WithJsonSchema

from ..errors import InvalidInput
from ..models import Assignment, CodeNode, CodingResults, QuestionCoding
from ..quoting import clean_label, handle, plain, plain_id
from ..render import Summary
from ..respondents import PlainAssignments, Respondents
from ..tokens import MIN_TOKENS, structured_tokens, text_tokens
from .coding import CodingIndex
from .lean import OutModel, inline
from .quality import QualityIndex
from .quality.parts import FLAG_RULE, REMOVABLE_RULE

Rule = Literal["likely_removable", "flagged"]
RULE_TEXT: dict[str, str] = {"likely_removable": REMOVABLE_RULE, "flagged": FLAG_RULE}
JOIN = "respondent id (responseIdentifier) in both jobs"


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Who a quality job excludes under one rule."""

    quality_job_id: str
    rule: Rule
    scored: frozenset[str]
    excluded: frozenset[str]


def exclusion_from(quality_job_id: str, index: QualityIndex, rule: Rule) -> Exclusion:
    if rule not in RULE_TEXT:
        raise InvalidInput(f"exclude must be likely_removable or flagged, not {clean_label(str(rule), 40)}.")
    scored = frozenset(index.by_id)
    if rule == "flagged":
        excluded = frozenset(rid for rid, s in index.by_id.items() if s.flagged_types)
    else:
        excluded = frozenset(rid for rid, s in index.by_id.items() if s.removable)
    return Exclusion(quality_job_id, rule, scored, excluded)


# ---- the filter -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filtered:
    results: CodingResults
    respondents: int
    """Distinct respondents of the coding job (any question)."""
    matched: int
    """Of those, scored by the quality job."""
    excluded: int


def _respondents(q: QuestionCoding) -> set[str]:
    people = set(q.responses)
    stack = list(q.codes)
    while stack:
        node = stack.pop()
        if not _plain_in(node, q):  # plain assignments are positions in the responses: counted
            people.update(node.assignments)
        stack.extend(node.children)
    return people


def _plain_in(node: CodeNode, q: QuestionCoding) -> bool:
    a = node.assignments
    return isinstance(a, PlainAssignments) and a.respondents is q.responses


def _filtered_tree(
    roots: list[CodeNode], keep: Callable[[CodeNode], Mapping[str, Assignment]]
) -> list[CodeNode]:
    """A copy of the tree with each node's assignments ``keep(node)`` (iterative: trees can be deep)."""
    out: list[CodeNode] = []
    stack: list[tuple[CodeNode, list[CodeNode]]] = [(n, out) for n in reversed(roots)]
    while stack:
        node, siblings = stack.pop()
        copy = CodeNode(node.code_id, node.label, keep(node), [], node.bucket)
        siblings.append(copy)
        stack.extend((c, copy.children) for c in reversed(node.children))
    return out


def _filtered_question(q: QuestionCoding, drop: frozenset[str]) -> QuestionCoding:
    """``q`` without ``drop``: by positions when it is all plain (the same object when nobody in it
    is dropped), else assignment by assignment."""
    if isinstance(q.responses, Respondents) and _all_plain(q):
        renumbered = q.responses.without(drop)
        if renumbered is None:
            return q
        codes = _filtered_tree(q.codes, lambda node: renumbered.assignments(node.assignments))  # type: ignore[arg-type]
        return QuestionCoding(
            q.question_id, q.question_text, codes, renumbered.respondents, q.uncoded_reported
        )
    codes = _filtered_tree(
        q.codes, lambda node: {rid: a for rid, a in node.assignments.items() if rid not in drop}
    )
    responses = {rid: t for rid, t in q.responses.items() if rid not in drop}
    return QuestionCoding(q.question_id, q.question_text, codes, responses, q.uncoded_reported)


def _all_plain(q: QuestionCoding) -> bool:
    stack = list(q.codes)
    while stack:
        node = stack.pop()
        if not _plain_in(node, q):
            return False
        stack.extend(node.children)
    return True


def filter_results(results: CodingResults, exclusion: Exclusion) -> Filtered:
    """``results`` without the excluded respondents, and the join's counts."""
    everyone: set[str] = set()
    for q in results.questions:
        everyone |= _respondents(q)
    matched = everyone & exclusion.scored
    drop = frozenset(everyone & exclusion.excluded)
    questions = [_filtered_question(q, drop) for q in results.questions]
    return Filtered(replace(results, questions=questions), len(everyone), len(matched), len(drop))


def no_match_error(job_ids: list[str], samples: list[list[str]], exclusion: Exclusion) -> InvalidInput:
    """The error when no coding respondent is scored at all: it explains the join and shows both sides."""
    theirs = ", ".join(handle(r) for r in sorted(exclusion.scored)[:3]) or "(none)"
    ours = "; ".join(
        f"job {handle(j)}: " + (", ".join(handle(r) for r in s[:3]) or "(no respondents)")
        for j, s in zip(job_ids, samples, strict=True)
    )
    return InvalidInput(
        f"None of the coding respondents appear in data-quality job {handle(exclusion.quality_job_id)} "
        f"({len(exclusion.scored):,} scored respondents), so nothing can be excluded. The join is on the "
        f"{JOIN}: the coding job must have been sent the same response identifiers as the data-quality "
        f"batch. Coding respondent ids: {ours}. Scored ids: {theirs}. Check that both jobs come from "
        "the same survey and wave, or call without exclude_flagged_in."
    )


def sample_ids(results: CodingResults, n: int = 3) -> list[str]:
    people: set[str] = set()
    for q in results.questions:
        people |= _respondents(q)
        if len(people) >= 50:
            break
    return sorted(people)[:n]


# ---- what cleaning changed ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Moved:
    question_id: str
    code_id: str
    label: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Cleaning:
    exclusion: Exclusion
    respondents: int
    matched: int
    excluded: int
    bases: list[tuple[str, int, int]]
    """(question id, base before, base after) in question order."""
    moved: list[Moved]
    """Codes whose share moved most through cleaning, largest move first (at most ``MOVED_MAX``)."""


MOVED_MAX = 5


def describe_cleaning(before: CodingIndex, after: CodingIndex, exclusion: Exclusion, f: Filtered) -> Cleaning:
    bases: list[tuple[str, int, int]] = []
    moved: list[tuple[float, int, int, Moved]] = []
    for qn, qs in enumerate(before.questions):
        qa = after.questions[qn]
        bases.append((qs.question_id, qs.base, qa.base))
        for code_id, stat in qs.nodes.items():
            now = qa.nodes.get(code_id)
            if now is None:
                continue
            b = 100.0 * stat.count / qs.base if qs.base else 0.0
            a = 100.0 * now.count / qa.base if qa.base else 0.0
            if round(a - b, 1) != 0.0:
                m = Moved(qs.question_id, code_id, stat.node.label, b, a)
                moved.append((-abs(a - b), qn, stat.order, m))
    moved.sort(key=lambda x: x[:3])
    top = [m for *_, m in moved[:MOVED_MAX]]
    return Cleaning(exclusion, f.respondents, f.matched, f.excluded, bases, top)


# ---- rendering ----------------------------------------------------------------------------------


class BaseChangeOut(OutModel):
    question_id: str
    before: int
    after: int


class MovedOut(OutModel):
    question_id: str
    code_id: str
    label: str
    before_pct: float
    after_pct: float


class CleaningOut(OutModel):
    quality_job_id: str
    rule: str
    respondents: int
    matched: int
    excluded: int
    bases: list[inline(BaseChangeOut)] | None = None
    bases_omitted: int | None = None
    moved: list[inline(MovedOut)] | None = None


CleaningField = Annotated[CleaningOut, WithJsonSchema({"type": "object"})]
"""How other answers embed the cleaning facts: validated against ``CleaningOut``, published as an
object (its fields are named in the text, and the full shape would double a tool's schema)."""


@dataclass(frozen=True, slots=True)
class CleanDetail:
    bases: int = 8
    moved: int = MOVED_MAX
    label_chars: int = 40


CLEAN_LADDER = (CleanDetail(), CleanDetail(3, 3, 30), CleanDetail(1, 1, 20), CleanDetail(0, 0, 16))


def cleaning_block(c: Cleaning, d: CleanDetail, prefix: str = "") -> tuple[list[str], dict]:
    """Markdown lines and the structured ``cleaning`` entry (same facts)."""
    e = c.exclusion
    rule = RULE_TEXT[e.rule]
    after = c.respondents - c.excluded
    if c.matched == 0:  # (a comparison's other job): one line, nothing changed
        data = {
            "quality_job_id": plain_id(e.quality_job_id),
            "rule": e.rule,
            "respondents": c.respondents,
            "matched": 0,
            "excluded": 0,
        }
        line = (
            f"**{prefix}Cleaning:** none of its {c.respondents:,} respondents were scored by data-quality "
            f"job {handle(e.quality_job_id)} (joined on {JOIN}); nothing excluded."
        )
        return [line], data
    lines = [
        f"**{prefix}Cleaning:** without respondents that data-quality job {handle(e.quality_job_id)} marks "
        f"{e.rule.replace('_', ' ')} ({rule}); joined on {JOIN}.",
        f"**{prefix}Matched:** {c.matched:,} of {c.respondents:,} coding respondents were scored · "
        f"**Excluded:** {c.excluded:,} · **Respondents:** {c.respondents:,} → {after:,}",
    ]
    data: dict = {
        "quality_job_id": plain_id(e.quality_job_id),
        "rule": e.rule,
        "respondents": c.respondents,
        "matched": c.matched,
        "excluded": c.excluded,
    }
    shown = c.bases[: d.bases]
    if shown:
        parts = [f"{handle(q)} {b:,} → {a:,}" for q, b, a in shown]
        more = f" · +{len(c.bases) - len(shown):,} more questions" if len(c.bases) > len(shown) else ""
        lines.append(f"**{prefix}Base:** " + " · ".join(parts) + more)
        data["bases"] = [{"question_id": plain_id(q), "before": b, "after": a} for q, b, a in shown]
    if len(c.bases) > len(shown):
        data["bases_omitted"] = len(c.bases) - len(shown)
    moved = c.moved[: d.moved]
    if moved:
        parts = [
            f"{handle(m.question_id)} {clean_label(m.label, d.label_chars)} {handle(m.code_id)} "
            f"{m.before:.1f}% → {m.after:.1f}% ({m.delta:+.1f} pts)"
            for m in moved
        ]
        lines.append(f"**{prefix}Moved most by cleaning:** " + " · ".join(parts))
        data["moved"] = [
            {
                "question_id": plain_id(m.question_id),
                "code_id": plain_id(m.code_id),
                "label": plain(m.label, d.label_chars),
                "before_pct": round(m.before, 1),
                "after_pct": round(m.after, 1),
            }
            for m in moved
        ]
    return lines, data


def _merge(summary: Summary, lines: list[str], data: dict) -> Summary:
    """Insert the block after the summary's first paragraph (its title and job facts)."""
    head, sep, rest = summary.text.partition("\n\n")
    block = "\n".join(lines)
    text = f"{head}\n{block}\n\n{rest}" if sep else f"{summary.text.rstrip()}\n{block}\n"
    return Summary(text, {**summary.structured, "cleaning": data})


def with_cleaning(
    render: Callable[[int], Summary], c: Cleaning, max_tokens: int, results: CodingResults
) -> Summary:
    """``render(budget)`` plus the cleaning block, both channels within ``max_tokens``.

    The block's cost is reserved before rendering (so the summary degrades, not the block); when
    the budget is too small for both, the block shrinks, and at the very end it answers alone.
    """
    for d in CLEAN_LADDER:
        lines, data = cleaning_block(c, d)
        text_cost = text_tokens("\n".join(lines) + "\n") + 1
        json_cost = structured_tokens({"cleaning": data}) + 1
        inner = max_tokens - max(text_cost, json_cost)
        if inner < MIN_TOKENS:
            continue
        merged = _merge(render(inner), lines, data)
        if merged.fits(max_tokens):
            return merged
    lines, data = cleaning_block(c, CLEAN_LADDER[-1])
    text = (
        f"# Coding results, cleaned (job {handle(results.job_id)})\n"
        + "\n".join(lines)
        + (
            f"\n**Note:** the themes do not fit in max_tokens={max_tokens} together with the cleaning "
            "summary; call again with a larger max_tokens.\n"
        )
    )
    structured = {
        "job_id": plain_id(results.job_id),
        "provider": plain(results.provider, 20),
        "kind": plain(results.kind, 30),
        "mode": "cleaning_only",
        "cleaning": data,
        "note": "did not fit max_tokens",
    }
    return Summary(text, structured)
