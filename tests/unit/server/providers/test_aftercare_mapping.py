"""The coding merger: pages that split a question's tree merge into one exact tree."""

from __future__ import annotations

from survey_jobs_mcp.server.providers.aftercare.mapping import CodingMerger


def _code(code_id: int, label: str, rids: list[str], subs: list | None = None) -> dict:
    return {
        "id": code_id,
        "label": label,
        "responses": [{"responseIdentifier": r, "answer": f"answer {r}"} for r in rids],
        "subCodes": subs or [],
    }


def _question(codes: list[dict], qid: str = "Q1") -> dict:
    return {"questionIdentifier": qid, "question": "Why?", "responseCodes": codes}


def test_a_code_split_over_pages_is_one_node_with_every_respondent() -> None:
    merger = CodingMerger()
    merger.add_page([_question([_code(1, "Price", ["r1", "r2"], [_code(11, "Too high", ["r1"])])])])
    merger.add_page(
        [_question([_code(1, "Price", ["r3"], [_code(11, "Too high", ["r3"]), _code(12, "Fair", ["r2"])])])]
    )
    [question] = merger.questions()
    [price] = question.codes
    assert price.code_id == "1" and sorted(price.assignments) == ["r1", "r2", "r3"]
    assert [(c.code_id, sorted(c.assignments)) for c in price.children] == [
        ("11", ["r1", "r3"]),
        ("12", ["r2"]),
    ]
    assert sorted(question.responses) == ["r1", "r2", "r3"]
    assert question.uncoded_reported is False


def test_a_multi_coded_respondent_shares_one_assignment_and_keeps_its_first_answer() -> None:
    merger = CodingMerger()
    merger.add_page([_question([_code(1, "A", ["r1"]), _code(2, "B", ["r1"])])])
    [question] = merger.questions()
    a, b = question.codes
    assert a.assignments["r1"] is b.assignments["r1"]
    assert question.responses == {"r1": "answer r1"}


def test_questions_keep_their_first_seen_order_and_bucket_codes_are_classified() -> None:
    merger = CodingMerger()
    merger.add_page([_question([_code(9, "Other", ["x"])], qid="Q2"), _question([_code(1, "A", ["y"])])])
    merger.add_page([_question([_code(8, "Uncoded", ["z"])], qid="Q2")])
    q2, q1 = merger.questions()
    assert (q2.question_id, q1.question_id) == ("Q2", "Q1")
    assert [(c.label, c.bucket) for c in q2.codes] == [("Other", "other"), ("Uncoded", "uncoded")]
    assert q1.codes[0].bucket is None
