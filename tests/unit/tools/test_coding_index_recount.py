"""The coding index (bitsets over respondent positions) against a naive recount, for both domain shapes.

Every figure the renders use (a code's count, members and their combined sentiment, sentiment split,
confidence counts, sub-code suffix counts, descendants; a question's base, coded, multi-coded,
buckets, root order) is recomputed here from the domain objects with plain sets and loops, and the
same data built as dicts of ``Assignment`` and as ``Respondents`` + ``PlainAssignments`` must give
identical indexes.
"""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.tools.models import Assignment, CodeNode, CodingResults, QuestionCoding
from survey_jobs_mcp.tools.respondents import PlainAssignments, Respondents
from survey_jobs_mcp.tools.views.coding import build_coding_index
from survey_jobs_mcp.tools.views.coding.index import CodingIndex, NodeStat

SENTIMENTS = ("positive", "neutral", "negative", "mixed", "unknown")
RAW_SENTIMENTS = [None, "", "positive", " Negative ", "NEUTRAL", "mixed", "unknown", "bogus"]
BUCKETS = [None, None, None, "uncoded", "no_answer", "other", "gibberish"]
CONFIDENCES = [None, 0.1, 0.49, 0.5, 0.9, math.nan, math.inf, True]


# ---- naive recount --------------------------------------------------------------------------------


def nodes_of(node: CodeNode) -> list[CodeNode]:
    out = [node]
    for c in node.children:
        out.extend(nodes_of(c))
    return out


def norm(value: object) -> str | None:
    v = str(value).strip().lower() if value else ""
    return v if v in SENTIMENTS else None


def combined(node: CodeNode, with_sentiment: bool) -> dict[str, str | None]:
    """Each respondent of the subtree -> None, its one sentiment, or mixed (if two differ)."""
    seen: dict[str, set[str]] = {}
    for n in nodes_of(node):
        for rid, a in n.assignments.items():
            values = seen.setdefault(rid, set())
            s = norm(a.sentiment) if with_sentiment else None
            if s is not None:
                values.add(s)
    return {rid: (None if not v else next(iter(v)) if len(v) == 1 else "mixed") for rid, v in seen.items()}


def confidences(node: CodeNode) -> list[float]:
    return [
        a.confidence
        for n in nodes_of(node)
        for a in n.assignments.values()
        if isinstance(a.confidence, int | float) and math.isfinite(a.confidence)
    ]


def check_node(stat: NodeStat, with_sentiment: bool, with_confidence: bool) -> None:
    node = stat.node
    members = combined(node, with_sentiment)
    assert stat.count == len(members)
    assert stat.members == members
    assert stat.descendants == len(nodes_of(node)) - 1
    if with_sentiment:
        split = Counter(v or "unknown" for v in members.values())
        assert stat.sentiment == {k: split.get(k, 0) for k in SENTIMENTS}
    else:
        assert stat.sentiment is None
    confs = confidences(node) if with_confidence else []
    assert (stat.low_conf, stat.conf_n) == (sum(c < 0.5 for c in confs), len(confs))
    assert sorted(id(c.node) for c in stat.children) == sorted(id(c) for c in node.children)
    assert [(-c.count, c.order) for c in stat.children] == sorted((-c.count, c.order) for c in stat.children)
    for k in range(len(stat.children) + 1):
        people = set().union(*(combined(c.node, False) for c in stat.children[k:]))
        assert stat.child_suffix[k] == len(people)


def check_index(results: CodingResults, index: CodingIndex) -> None:
    with_conf = results.has_confidence or any(
        a.confidence is not None
        for q in results.questions
        for root in q.codes
        for n in nodes_of(root)
        for a in n.assignments.values()
    )
    for q, qs in zip(results.questions, index.questions, strict=True):
        tree = [n for root in q.codes for n in nodes_of(root)]
        everyone = set(q.responses).union(*(n.assignments for n in tree))
        coded = {r for n in tree if n.bucket not in ("uncoded", "no_answer") for r in n.assignments}
        roots = [set(combined(r, False)) for r in q.codes]
        assert qs.base == len(everyone)
        assert qs.coded == len(coded)
        assert qs.multi_coded == sum(1 for p in everyone if sum(p in r for r in roots) >= 2)
        kinds = sorted(
            {n.bucket for n in tree if n.bucket},
            key=lambda b: ("uncoded", "no_answer", "other", "gibberish").index(b),
        )
        assert qs.buckets == {
            k: len(set().union(*(combined(n, False) for n in tree if n.bucket == k))) for k in kinds
        }
        for k in range(len(qs.roots) + 1):
            assert qs.root_suffix[k] == len(set().union(*(combined(r.node, False) for r in qs.roots[k:])))
        assert sorted(s.node.code_id for s in qs.rank) == sorted(n.code_id for n in tree)
        for stat in qs.rank:
            check_node(stat, results.has_sentiment, with_conf)


def figures(index: CodingIndex) -> list:
    """Everything a render reads, comparable across two indexes of the same data."""
    out: list = []
    for qs in index.questions:
        out.append((qs.base, qs.coded, qs.multi_coded, qs.buckets, qs.root_suffix))
        out.append([r.code_id for r in qs.roots])
        out.append([s.code_id for s in qs.rank])
        for s in qs.rank:
            out.append((s.code_id, s.count, s.members, s.child_suffix, s.descendants, s.sentiment))
            out.append((s.low_conf, s.conf_n, [c.code_id for c in s.children], s.depth, s.order))
    return out


# ---- random questions -----------------------------------------------------------------------------


@st.composite
def trees(
    draw: st.DrawFn, rids: list[str], max_nodes: int = 9
) -> list[tuple[str, int, list[str], str | None]]:
    """Preorder (code id, depth, placed respondents in placement order, bucket)."""
    out: list[tuple[str, int, list[str], str | None]] = []
    depth = 0
    for i in range(draw(st.integers(0, max_nodes))):
        depth = draw(st.integers(0, depth + 1)) if out else 0
        placed = draw(st.lists(st.sampled_from(rids), max_size=len(rids), unique=True)) if rids else []
        out.append((f"c{i}", depth, placed, draw(st.sampled_from(BUCKETS))))
    return out


def build(shape: list[tuple[str, int, list[str], str | None]], make) -> list[CodeNode]:
    roots: list[CodeNode] = []
    path: list[CodeNode] = []
    for cid, depth, placed, bucket in shape:
        node = CodeNode(cid, f"Code {cid}", make(placed, cid), [], bucket)
        path[depth:] = [node]
        (path[depth - 1].children if depth else roots).append(node)
    return roots


@st.composite
def plain_jobs(draw: st.DrawFn) -> tuple[CodingResults, CodingResults]:
    """The same plain job twice: dict-shaped, and as positions."""
    dicts, lean = [], []
    for qn in range(draw(st.integers(1, 3))):
        rids = draw(st.lists(st.sampled_from([f"r{i}" for i in range(40)]), max_size=30, unique=True))
        texts = [f"answer of {r}" if draw(st.booleans()) else "" for r in rids]
        shape = draw(trees(rids))
        responses = dict(zip(rids, texts, strict=True))
        table = Respondents(list(rids), list(texts))
        d = build(shape, lambda placed, _, a=responses: {r: Assignment(a[r]) for r in placed})
        p = build(shape, lambda placed, _, t=table, ids=rids: PlainAssignments(t, map(ids.index, placed)))
        dicts.append(QuestionCoding(f"Q{qn}", "?", d, responses, False))
        lean.append(QuestionCoding(f"Q{qn}", "?", p, table, False))
    job = {"job_id": "j", "provider": "aftercare", "kind": "coding", "survey": None, "completed_at": None}
    return CodingResults(**job, questions=dicts), CodingResults(**job, questions=lean)


@st.composite
def judged_jobs(draw: st.DrawFn) -> CodingResults:
    """Per-code sentiment and confidence, respondents coded but not in the response list, plain nodes."""
    questions = []
    for qn in range(draw(st.integers(1, 2))):
        pool = [f"r{i}" for i in range(25)]
        listed = draw(st.lists(st.sampled_from(pool), max_size=20, unique=True))
        shape = draw(trees(pool))

        def judged(placed: list[str], _: str) -> dict[str, Assignment]:
            return {
                r: Assignment(
                    f"t{r}", draw(st.sampled_from(RAW_SENTIMENTS)), draw(st.sampled_from(CONFIDENCES))
                )
                for r in placed
            }

        questions.append(
            QuestionCoding(f"Q{qn}", "?", build(shape, judged), {r: f"t{r}" for r in listed}, True)
        )
    return CodingResults(
        job_id="j",
        provider="surveycoder",
        kind="one_call",
        survey=None,
        completed_at=None,
        questions=questions,
        has_sentiment=draw(st.booleans()),
        has_confidence=draw(st.booleans()),
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(plain_jobs())
def test_plain_jobs_index_exactly_and_identically_in_both_shapes(
    jobs: tuple[CodingResults, CodingResults],
) -> None:
    as_dicts, as_positions = jobs
    index = build_coding_index(as_positions)
    check_index(as_positions, index)
    assert figures(index) == figures(build_coding_index(as_dicts))


@SETTINGS
@given(judged_jobs())
def test_judged_jobs_index_exactly(results: CodingResults) -> None:
    check_index(results, build_coding_index(results))


def test_a_large_plain_question_counts_exactly() -> None:
    """Positions past a few bytes' worth of bits: 100,000 respondents, multi-coding, a sub-code."""
    n = 100_000
    table = Respondents([f"R{i:06d}" for i in range(n)], [f"answer {i}" for i in range(n)])
    sub = CodeNode("11", "Sub", PlainAssignments(table, range(0, n, 7)))
    root = CodeNode("1", "Root", PlainAssignments(table, range(0, n, 2)), [sub])
    other = CodeNode("9", "Other", PlainAssignments(table, range(n - 1, -1, -3)), bucket="other")
    results = CodingResults(
        "j", "aftercare", "coding", None, None, [QuestionCoding("Q", "?", [root, other], table, False)]
    )
    qs = build_coding_index(results).questions[0]
    evens, sevens, thirds = set(range(0, n, 2)), set(range(0, n, 7)), set(range(n - 1, -1, -3))
    assert qs.nodes["1"].count == len(evens | sevens)
    assert qs.nodes["11"].count == len(sevens)
    assert qs.nodes["9"].count == len(thirds)
    assert qs.base == n
    assert qs.coded == len(evens | sevens | thirds)
    assert qs.multi_coded == len((evens | sevens) & thirds)
    assert qs.buckets == {"other": len(thirds)}
    assert set(qs.nodes["11"].members) == {f"R{i:06d}" for i in sevens}


def test_respondents_coded_outside_the_response_list_count_without_touching_it() -> None:
    table = Respondents(["r0", "r1", "r2"], ["a", "b", "c"])
    plain = CodeNode("1", "Plain", PlainAssignments(table, [2, 0]))
    judged = CodeNode("2", "Judged", {"r1": Assignment("b"), "x9": Assignment("coded only")})
    results = CodingResults(
        "j", "aftercare", "coding", None, None, [QuestionCoding("Q", "?", [plain, judged], table, False)]
    )
    qs = build_coding_index(results).questions[0]
    assert (qs.base, qs.coded, qs.multi_coded) == (4, 4, 0)
    assert qs.nodes["2"].members == {"r1": None, "x9": None} and qs.nodes["1"].count == 2
    assert table.ids == ["r0", "r1", "r2"] and len(table) == 3
