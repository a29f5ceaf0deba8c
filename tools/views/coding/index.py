"""Coding results → the statistics every coding answer is rendered from, computed once.

Counting rules (stated in every output, because researchers act on these numbers):

* A code's **count** is the number of *distinct respondents* in its subtree (its own assignments
  ∪ its descendants'), never the number of mentions. A provider may list one response at a parent
  and again at its sub-code; that respondent counts once.
* **Base** of a question = respondents who answered it as far as the provider tells us: the ids in
  ``question.responses`` ∪ every respondent in the tree. **Coded** = respondents with at least one
  assignment to a code that is not an ``uncoded``/``no_answer`` bucket (``other`` and ``gibberish``
  buckets count as coded). **Uncoded** = base − coded. When the provider does not report uncoded
  responses (``QuestionCoding.uncoded_reported``), responses with no code at all are invisible and
  the output says so.
* **Share** = count / base, in percent with one decimal.
* **Multi-coded** = respondents in 2+ top-level codes (so top-level shares add to more than 100%).
* **Low confidence** = assignments (not respondents) with ``confidence < 0.5``.
* **Sentiment split** per code = its respondents by sentiment; a respondent whose assignments in
  the subtree disagree counts as ``mixed``; no sentiment counts as ``unknown``.

All of that is computed once in ``build_coding_index``: one store per assignment to make each
code's respondents a bitset over the question's respondent positions (``bitsets.py``), then unions
and counts in C (~12 ms and ~1 MB for 100,000 responses, where sets of ids took ~80 ms and ~20 MB
of transient tables). A render only touches what it shows, so the budget search (render, measure,
step down) stays cheap. The few per-code lists a drill-down needs (its sub-codes by rank, its responses
by respondent id, its examples) are built on first use and cached on the index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ...models import CodeNode, CodingResults, QuestionCoding
from ...respondents import PlainAssignments, Respondents, is_judged
from . import bitsets
from .bitsets import RespondentSpace
from .responses import ResponsePage

LOW_CONFIDENCE = 0.5
NOT_CODED_BUCKETS = frozenset({"uncoded", "no_answer"})
SENTIMENTS = ("positive", "neutral", "negative", "mixed", "unknown")
BUCKET_ORDER = ("uncoded", "no_answer", "other", "gibberish")
MAX_EXAMPLES = 5
FIRST_EACH = 3
"""The overview reveals every question's 3 largest codes before any question's 4th."""


@dataclass(slots=True, eq=False)
class NodeStat:
    node: CodeNode
    question_id: str
    parent: NodeStat | None
    depth: int
    order: int
    space: RespondentSpace | None = None
    bits: int = 0
    """The subtree's distinct respondents, as a set of ``space`` positions (``bitsets.py``)."""
    count: int = 0
    """Distinct respondents of the whole subtree."""
    children: list[NodeStat] = field(default_factory=list)
    child_suffix: list[int] = field(default_factory=list)
    """``child_suffix[k]`` = distinct respondents in ``children[k:]`` (exact "+N sub-codes" counts)."""
    descendants: int = 0
    low_conf: int = 0
    conf_n: int = 0
    sentiment: dict[str, int] | None = None

    @property
    def members(self) -> dict[str, str | None]:
        """Respondent id → combined sentiment over the whole subtree (None: no sentiment).

        Built on each access (C-level from ``bits``; sentiment from the subtree's assignments), so
        keep the result rather than asking again per respondent."""
        space = self.space
        if space is None:
            return {}
        out: dict[str, str | None] = dict.fromkeys(bitsets.members(self.bits, space.ids))
        if space.with_sentiment:
            todo = [self]
            while todo:
                s = todo.pop()
                todo.extend(s.children)
                if is_judged(s.node.assignments):
                    for rid, a in s.node.assignments.items():
                        out[rid] = _combine(out[rid], _sentiment(a.sentiment))
        return out

    @property
    def code_id(self) -> str:
        return str(self.node.code_id)


@dataclass(slots=True, eq=False)
class QuestionStat:
    question: QuestionCoding
    roots: list[NodeStat]
    root_suffix: list[int]
    base: int
    coded: int
    multi_coded: int
    buckets: dict[str, int]
    rank: list[NodeStat]
    nodes: dict[str, NodeStat]

    @property
    def question_id(self) -> str:
        return str(self.question.question_id)

    @property
    def uncoded(self) -> int:
        return self.base - self.coded


@dataclass(slots=True, eq=False)
class CodingIndex:
    """Everything the renders need, computed once per ``CodingResults`` and cached by the caller."""

    results: CodingResults
    questions: list[QuestionStat]
    by_qid: dict[str, QuestionStat]
    code_owners: dict[str, list[str]]
    _sub_rank: dict[int, list[NodeStat]] = field(default_factory=dict)
    _pages: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    _examples: dict[int, list[str]] = field(default_factory=dict)
    _reveal: list[int] | None = None


def _sentiment(value: str | None) -> str | None:
    if not value:
        return None
    v = str(value).strip().lower()
    return v if v in SENTIMENTS else None


def _combine(a: str | None, b: str | None) -> str | None:
    if a == b or b is None:
        return a
    if a is None:
        return b
    return "mixed"


def _suffix_counts(stats: list[NodeStat]) -> list[int]:
    seen = 0
    out = [0] * (len(stats) + 1)
    for k in range(len(stats) - 1, -1, -1):
        seen |= stats[k].bits
        out[k] = seen.bit_count()
    return out


def rank_key(s: NodeStat) -> tuple[int, int, int]:
    # Count desc; a parent (never smaller than its child) wins ties by depth, so any prefix of the
    # ranking is closed under "parent of", and shown siblings are always a prefix of their list.
    return (-s.count, s.depth, s.order)


def _preorder(q: QuestionCoding, space: RespondentSpace) -> tuple[list[NodeStat], list[NodeStat]]:
    """(every node in preorder, the roots), skipping nodes met twice (a malformed shared tree)."""
    qid = str(q.question_id)
    preorder: list[NodeStat] = []
    roots: list[NodeStat] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[CodeNode, NodeStat | None, int]] = [(n, None, 0) for n in reversed(q.codes)]
    while stack:
        node, parent, depth = stack.pop()
        if id(node) in seen_nodes:  # defensive: a malformed (cyclic/shared) tree
            continue
        seen_nodes.add(id(node))
        stat = NodeStat(node, qid, parent, depth, len(preorder), space)
        preorder.append(stat)
        (parent.children if parent else roots).append(stat)
        stack.extend((c, stat, depth + 1) for c in reversed(node.children))
    return preorder, roots


def _judge(stat: NodeStat, positions: Sequence[int], with_sentiment: bool) -> dict[str, list[int]]:
    """Count the node's own confidences (per assignment); its respondents by raw sentiment."""
    by_value: dict[str, list[int]] = {}
    for p, a in zip(positions, stat.node.assignments.values(), strict=True):
        c = a.confidence
        if isinstance(c, int | float) and math.isfinite(c):
            stat.conf_n += 1
            stat.low_conf += c < LOW_CONFIDENCE
        s = _sentiment(a.sentiment) if with_sentiment else None
        if s is not None:
            by_value.setdefault(s, []).append(p)
    return by_value


def _split(bits: int, by_value: dict[str, int]) -> dict[str, int]:
    """Respondents by combined sentiment: one value if all their assignments that have one agree,
    ``mixed`` if two differ, ``unknown`` if none has one."""
    once = twice = 0
    for b in by_value.values():
        twice |= once & b
        once |= b
    split = {k: (by_value.get(k, 0) & ~twice).bit_count() for k in SENTIMENTS}
    split["mixed"] += twice.bit_count()
    split["unknown"] += (bits & ~once).bit_count()
    return split


@dataclass(slots=True)
class _Totals:
    """What one pass over a question's nodes gathers besides each node's own figures."""

    coded: int = 0
    buckets: dict[str, int] = field(default_factory=dict)
    sentiments: dict[int, dict[str, int]] = field(default_factory=dict)
    """id(node stat) → its subtree's respondents by raw sentiment, until its parent takes them."""


def _absorb(stat: NodeStat, totals: _Totals, with_sentiment: bool, judged: bool) -> None:
    """A node's figures from its own assignments and its (already absorbed) children."""
    node = stat.node
    space = stat.space
    assert space is not None
    positions = space.positions(node.assignments)
    bits = bitsets.bitset(positions)
    if node.bucket not in NOT_CODED_BUCKETS:
        totals.coded |= bits
    by_value = _judge(stat, positions, with_sentiment) if judged and is_judged(node.assignments) else {}
    sent = {k: bitsets.bitset(v) for k, v in by_value.items()}
    stat.children.sort(key=lambda s: (-s.count, s.order))
    for child in stat.children:
        bits |= child.bits
        stat.descendants += 1 + child.descendants
        stat.low_conf += child.low_conf
        stat.conf_n += child.conf_n
        for k, b in totals.sentiments.pop(id(child), {}).items():
            sent[k] = sent.get(k, 0) | b
    stat.bits = bits
    stat.count = bits.bit_count()
    stat.child_suffix = _suffix_counts(stat.children)
    if node.bucket:
        kind = str(node.bucket)
        totals.buckets[kind] = totals.buckets.get(kind, 0) | bits
    if with_sentiment:
        stat.sentiment = _split(bits, sent)
        if stat.parent is not None:
            totals.sentiments[id(stat)] = sent


def _bucket_counts(found: dict[str, int]) -> dict[str, int]:
    """Distinct respondents per bucket kind, in the fixed bucket order."""
    order = {b: i for i, b in enumerate(BUCKET_ORDER)}
    return {k: found[k].bit_count() for k in sorted(found, key=lambda b: (order.get(b, 9), b))}


def _build_question(q: QuestionCoding, with_sentiment: bool, with_confidence: bool = True) -> QuestionStat:
    space = RespondentSpace(q.responses, with_sentiment)
    preorder, roots = _preorder(q, space)
    totals = _Totals()
    judged = with_sentiment or with_confidence
    for stat in reversed(preorder):  # children before parents
        _absorb(stat, totals, with_sentiment, judged)
    space.done()
    roots.sort(key=lambda s: (-s.count, s.order))
    once = twice = 0
    for r in roots:
        twice |= once & r.bits
        once |= r.bits
    everyone = ((1 << len(q.responses)) - 1) | once  # positions below len(responses) are the responses
    nodes: dict[str, NodeStat] = {}
    for stat in preorder:
        nodes.setdefault(stat.code_id, stat)
    return QuestionStat(
        question=q,
        roots=roots,
        root_suffix=_suffix_counts(roots),
        base=everyone.bit_count(),
        coded=(totals.coded & everyone).bit_count(),
        multi_coded=twice.bit_count(),
        buckets=_bucket_counts(totals.buckets),
        rank=sorted(preorder, key=rank_key),
        nodes=nodes,
    )


def _any_confidence(results: CodingResults) -> bool:
    """Whether any assignment carries a confidence, for results built without the flag set.

    Stops at the first node that has one; plain assignments never do, so results without any
    judged node (most jobs) cost one pass over the nodes."""
    stack = [n for q in results.questions for n in q.codes]
    while stack:
        node = stack.pop()
        if is_judged(node.assignments) and any(a.confidence is not None for a in node.assignments.values()):
            return True
        stack.extend(node.children)
    return False


def build_coding_index(results: CodingResults) -> CodingIndex:
    """Precompute distinct-respondent counts, sorted orders and lookups for every question."""
    with_confidence = results.has_confidence or _any_confidence(results)
    questions = [_build_question(q, results.has_sentiment, with_confidence) for q in results.questions]
    by_qid: dict[str, QuestionStat] = {}
    owners: dict[str, list[str]] = {}
    for qs in questions:
        by_qid.setdefault(qs.question_id, qs)
        for cid in qs.nodes:
            owners.setdefault(cid, []).append(qs.question_id)
    return CodingIndex(results, questions, by_qid, owners)


# ---- per-code lists, built on first use ---------------------------------------------------------


def sub_rank(index: CodingIndex, stat: NodeStat) -> list[NodeStat]:
    """Every node below ``stat``, ranked like ``QuestionStat.rank`` (cached)."""
    cached = index._sub_rank.get(id(stat))
    if cached is None:
        sub: list[NodeStat] = []
        todo = list(stat.children)
        while todo:
            s = todo.pop()
            sub.append(s)
            todo.extend(s.children)
        cached = sorted(sub, key=rank_key)
        index._sub_rank[id(stat)] = cached
    return cached


def page_list(index: CodingIndex, qs: QuestionStat, stat: NodeStat) -> ResponsePage:
    """Every respondent of the subtree once, sorted by id, with the text they were coded with (cached).

    The subtree's respondents are already known (``members``), so building the list is one sort
    without a key function; a page looks up the text of the rows it shows: the first assignment
    breadth-first from ``stat``.
    """
    cached = index._pages.get(id(stat))
    if cached is None:
        order = [stat]
        i = 0
        while i < len(order):
            order.extend(order[i].children)
            i += 1
        assignments = [s.node.assignments for s in order]
        responses = qs.question.responses
        if isinstance(responses, Respondents) and all(
            isinstance(a, PlainAssignments) and a.respondents is responses for a in assignments
        ):
            # Every placement's text is the respondent's answer: a row's text is found by position,
            # with no search through the subtree's codes (and no per-code lookup table).
            assignments = []
        cached = ResponsePage(sorted(stat.members), assignments, responses)
        index._pages[id(stat)] = cached
    return cached


def examples(index: CodingIndex, stat: NodeStat) -> list[str]:
    """Up to 5 example texts: the code's own responses first, then its sub-codes' (cached)."""
    cached = index._examples.get(id(stat))
    if cached is not None:
        return cached
    found: list[str] = []
    todo = [stat]
    while todo and len(found) < MAX_EXAMPLES:
        s = todo.pop(0)
        for a in s.node.assignments.values():
            if a.text and a.text.strip() and a.text not in found:
                found.append(a.text)
                if len(found) >= MAX_EXAMPLES:
                    break
        todo.extend(s.children)
    index._examples[id(stat)] = found
    return found


def reveal_order(index: CodingIndex) -> list[int]:
    """The order in which the overview shows codes, as the question each next code belongs to.

    Each question's tree is expanded from the top, largest share of the question's base first (a
    sub-code never before its parent, since a parent counts at least as many respondents), so the
    codes a question shows are always a prefix of its ``rank``. Across questions it is fair: first
    every question's ``FIRST_EACH`` largest codes in turns, then all remaining codes of all questions
    by their share of their own question, largest first. Computed once per index.
    """
    if index._reveal is not None:
        return index._reveal
    qss = index.questions
    order = [qi for i in range(FIRST_EACH) for qi, qs in enumerate(qss) if i < len(qs.rank)]
    rest = [
        (-(qs.rank[i].count / qs.base) if qs.base else 0.0, qi, i)
        for qi, qs in enumerate(qss)
        for i in range(FIRST_EACH, len(qs.rank))
    ]
    rest.sort()
    order.extend(qi for _, qi, _ in rest)
    index._reveal = order
    return order
