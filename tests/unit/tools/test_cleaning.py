"""Clean-respondent themes: who is excluded, recomputed counts, the header block, budget, hostile text."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.tools.catalog.get_coding_results import CodingResultsOut
from survey_jobs_mcp.tools.models import (
    AnswerEvaluation,
    Assignment,
    CodeNode,
    CodingResults,
    IssueCheck,
    QualityReport,
    QuestionCoding,
    RespondentQuality,
)
from survey_jobs_mcp.tools.respondents import Respondents
from survey_jobs_mcp.tools.tokens import structured_tokens, text_tokens
from survey_jobs_mcp.tools.views.cleaning import (
    Exclusion,
    describe_cleaning,
    exclusion_from,
    filter_results,
    no_match_error,
    sample_ids,
    with_cleaning,
)
from survey_jobs_mcp.tools.views.coding import build_coding_index, summarise_coding
from survey_jobs_mcp.tools.views.quality import build_quality_index
from tests.hostile import HOSTILE
from tests.unit.tools.test_coding_index_recount import figures, plain_jobs

JOB = "123e4567-e89b-12d3-a456-426614174000"
DQ = "323e4567-e89b-12d3-a456-426614174000"


def respondent(rid: str, demerit: float, issues_on: int, answers: int = 3) -> RespondentQuality:
    evals = []
    for k in range(answers):
        check = IssueCheck("low_effort", "Low Effort", 80.0 if k < issues_on else 5.0, k < issues_on, None)
        evals.append(AnswerEvaluation("q", f"Q{k}", "ok", demerit, int(k < issues_on), [check]))
    return RespondentQuality(rid, demerit, 100 - demerit, issues_on, evals)


def quality() -> QualityReport:
    """r0: clean · r1: flagged on one answer (not removable) · r2: issues on 2 answers · r3: demerit 60
    · r4: demerit 59.9, one issue · x1: scored but not in the coding job."""
    return QualityReport(
        DQ,
        None,
        [
            respondent("r0", 3.0, 0),
            respondent("r1", 30.0, 1),
            respondent("r2", 40.0, 2),
            respondent("r3", 60.0, 1),
            respondent("r4", 59.9, 1),
            respondent("x1", 90.0, 3),
        ],
    )


def node(cid, label, rids=(), children=(), bucket=None):
    return CodeNode(str(cid), label, {r: Assignment(f"a {r}") for r in rids}, list(children), bucket)


def coding() -> CodingResults:
    people = [f"r{i}" for i in range(10)]
    q1 = QuestionCoding(
        "Q1",
        "What could be better?",
        [
            node(
                1,
                "Delivery",
                [],
                [node(11, "Late", ["r0", "r1", "r2", "r5"]), node(12, "Damaged", ["r3", "r6"])],
            ),
            node(2, "Gibberish", ["r4", "r2", "r3"], bucket="gibberish"),
            node(3, "Price", ["r7", "r8", "r9"]),
        ],
        {p: f"t {p}" for p in people},
        False,
    )
    q2 = QuestionCoding("Q2", "Anything else?", [node(1, "Praise", ["r0", "r3", "r9"])], {}, False)
    return CodingResults(JOB, "aftercare", "coding", "S", datetime(2026, 11, 1, tzinfo=UTC), [q1, q2])


def test_rules_pick_exactly_the_right_respondents() -> None:
    index = build_quality_index(quality())
    removable = exclusion_from(DQ, index, "likely_removable")
    flagged = exclusion_from(DQ, index, "flagged")
    assert removable.scored == {"r0", "r1", "r2", "r3", "r4", "x1"}
    assert removable.excluded == {"r2", "r3", "x1"}  # >= 2 answers with issues, or demerit >= 60
    assert flagged.excluded == {"r1", "r2", "r3", "r4", "x1"}


def test_counts_and_bases_are_recomputed_without_the_excluded() -> None:
    results = coding()
    excl = exclusion_from(DQ, build_quality_index(quality()), "likely_removable")
    f = filter_results(results, excl)
    assert (f.respondents, f.matched, f.excluded) == (10, 5, 2)  # r0-r4 scored; r2, r3 excluded
    before, after = build_coding_index(results), build_coding_index(f.results)
    q1 = after.by_qid["Q1"]
    assert q1.base == 8
    assert {cid: s.count for cid, s in q1.nodes.items()} == {"1": 4, "11": 3, "12": 1, "2": 1, "3": 3}
    assert after.by_qid["Q2"].base == 2
    assert before.by_qid["Q1"].nodes["11"].count == 4  # the original results are untouched
    c = describe_cleaning(before, after, excl, f)
    assert c.bases == [("Q1", 10, 8), ("Q2", 3, 2)]
    moved = {(m.question_id, m.code_id): (round(m.before, 1), round(m.after, 1)) for m in c.moved}
    assert moved[("Q1", "2")] == (30.0, 12.5)  # Gibberish: 3 of 10 -> 1 of 8
    assert moved[("Q1", "3")] == (30.0, 37.5)  # Price keeps its 3, on a base of 8
    assert all(abs(a.delta) >= abs(b.delta) for a, b in zip(c.moved, c.moved[1:], strict=False))


def test_block_states_quality_job_rule_matched_excluded_and_bases() -> None:
    results = coding()
    excl = exclusion_from(DQ, build_quality_index(quality()), "likely_removable")
    f = filter_results(results, excl)
    before, after = build_coding_index(results), build_coding_index(f.results)
    c = describe_cleaning(before, after, excl, f)
    s = with_cleaning(lambda b: summarise_coding(after, max_tokens=b), c, 3000, results)
    assert (
        f"data-quality job `{DQ}` marks likely removable (demerit >= 60 or issues on >= 2 answers)" in s.text
    )
    assert (
        "**Matched:** 5 of 10 coding respondents were scored · **Excluded:** 2 · **Respondents:** 10 → 8"
        in s.text
    )
    assert "**Base:** `Q1` 10 → 8 · `Q2` 3 → 2" in s.text
    assert "Gibberish `2` 30.0% → 12.5% (-17.5 pts)" in s.text
    cl = s.structured["cleaning"]
    assert (cl["respondents"], cl["matched"], cl["excluded"]) == (10, 5, 2)
    assert cl["bases"] == [
        {"question_id": "Q1", "before": 10, "after": 8},
        {"question_id": "Q2", "before": 3, "after": 2},
    ]
    assert s.structured["questions"][0]["responses"] == 8  # the summary itself is the cleaned one
    CodingResultsOut.model_validate(s.structured)
    lines = s.text.splitlines()
    assert lines[0].startswith("# Coding results") and lines[4].startswith("**Cleaning:**")
    assert lines.index("") > 4  # inside the header paragraph, before the first question


def test_no_match_error_explains_the_join() -> None:
    results = coding()
    index = build_quality_index(QualityReport(DQ, None, [respondent("RESP-000001", 10, 0)]))
    excl = exclusion_from(DQ, index, "flagged")
    assert filter_results(results, excl).matched == 0
    msg = str(no_match_error([JOB], [sample_ids(results)], excl))
    assert f"None of the coding respondents appear in data-quality job `{DQ}` (1 scored respondents)" in msg
    assert "The join is on the respondent id (responseIdentifier) in both jobs" in msg
    assert f"job `{JOB}`: `r0`, `r1`, `r2`" in msg and "Scored ids: `RESP-000001`" in msg


def random_case(seed: int) -> tuple[CodingResults, QualityReport]:
    rnd = random.Random(seed)
    people = [f"p{i}" for i in range(rnd.choice([1, 5, 40, 200]))]

    def tree(depth: int) -> list[CodeNode]:
        return [
            node(
                f"{depth}-{k}",
                rnd.choice([*HOSTILE[:20], "Price", "Other", "x" * 500]),
                rnd.sample(people, rnd.randint(0, len(people))),
                tree(depth + 1) if depth < 2 and rnd.random() < 0.4 else [],
            )
            for k in range(rnd.randint(0, 8))
        ]

    qs = [
        QuestionCoding(
            rnd.choice(["Q1", HOSTILE[0], f"Q{n}"]),
            rnd.choice(HOSTILE),
            tree(0),
            {p: "t" for p in people},
            False,
        )
        for n in range(rnd.choice([1, 2, 6, 30]))
    ]
    results = CodingResults(JOB, "aftercare", "coding", rnd.choice(HOSTILE), None, qs)
    scored = [
        respondent(p, rnd.choice([0.0, 59.9, 60.0, 95.0]), rnd.randint(0, 3))
        for p in people
        if rnd.random() < 0.7
    ]
    scored.append(respondent("elsewhere", 99.0, 3))
    return results, QualityReport(DQ, None, scored)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    max_tokens=st.sampled_from([300, 301, 420, 700, 1500, 3000, 20000]),
    rule=st.sampled_from(["likely_removable", "flagged"]),
    mode=st.sampled_from(["overview", "question"]),
)
def test_property_budget_and_exact_bases(seed: int, max_tokens: int, rule: str, mode: str) -> None:
    results, report = random_case(seed)
    qindex = build_quality_index(report)
    excl = exclusion_from(DQ, qindex, rule)  # type: ignore[arg-type]
    f = filter_results(results, excl)
    before, after = build_coding_index(results), build_coding_index(f.results)
    c = describe_cleaning(before, after, excl, f)
    qid = results.questions[0].question_id if mode == "question" else None
    s = with_cleaning(
        lambda b: summarise_coding(after, question_id=qid, max_tokens=b), c, max_tokens, results
    )
    assert text_tokens(s.text) <= max_tokens and structured_tokens(s.structured) <= max_tokens
    CodingResultsOut.model_validate(s.structured)
    cl = s.structured["cleaning"]
    everyone = set()
    for q in results.questions:
        everyone |= set(q.responses)
    assert cl["respondents"] == len(everyone)
    assert cl["matched"] == len(everyone & excl.scored)
    assert cl["excluded"] == len(everyone & excl.excluded)
    assert "elsewhere" not in s.text  # only respondents of the coding job are counted
    for line in s.text.splitlines():
        assert not line.lstrip().startswith(("SYSTEM", "Assistant:", "<script", "```", "~~~", "> quoted"))


def test_rule_must_be_known() -> None:
    from survey_jobs_mcp.tools.errors import InvalidInput

    with pytest.raises(InvalidInput, match="exclude must be likely_removable or flagged"):
        exclusion_from(DQ, build_quality_index(quality()), "everyone")  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_jobs(), st.sets(st.sampled_from([f"r{i}" for i in range(40)])))
def test_plain_results_filter_by_positions_exactly_as_dicts_do(jobs, drop: set[str]) -> None:
    as_dicts, as_positions = jobs
    excl = Exclusion(DQ, "flagged", frozenset(drop), frozenset(drop))
    by_dicts, by_positions = filter_results(as_dicts, excl), filter_results(as_positions, excl)
    assert (by_positions.respondents, by_positions.matched, by_positions.excluded) == (
        by_dicts.respondents,
        by_dicts.matched,
        by_dicts.excluded,
    )
    assert figures(build_coding_index(by_positions.results)) == figures(build_coding_index(by_dicts.results))
    for before, after in zip(as_positions.questions, by_positions.results.questions, strict=True):
        assert isinstance(after.responses, Respondents)
        assert list(after.responses.items()) == [(r, t) for r, t in before.responses.items() if r not in drop]
        if not drop & set(before.responses):
            assert after is before  # nobody dropped: shared, not copied
