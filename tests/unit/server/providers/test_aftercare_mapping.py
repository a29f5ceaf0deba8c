"""The coding merger: pages that split a question's tree merge into one exact tree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.server.providers.aftercare.mapping import CodingMerger
from survey_jobs_mcp.tools.models import Assignment
from survey_jobs_mcp.tools.respondents import PlainAssignments


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


def test_a_multi_coded_respondent_is_stored_once_and_keeps_its_first_answer() -> None:
    merger = CodingMerger()
    merger.add_page([_question([_code(1, "A", ["r1"]), _code(2, "B", ["r1"])])])
    later = _code(2, "B", ["r1"])
    later["responses"][0]["answer"] = "another answer"
    merger.add_page([_question([later])])
    [question] = merger.questions()
    a, b = question.codes
    assert isinstance(a.assignments, PlainAssignments)
    assert a.assignments.respondents is b.assignments.respondents
    assert list(a.assignments.positions) == list(b.assignments.positions) == [0]
    assert a.assignments["r1"] == b.assignments["r1"] == Assignment("answer r1")
    assert question.responses == {"r1": "answer r1"}


def test_questions_keep_their_first_seen_order_and_bucket_codes_are_classified() -> None:
    merger = CodingMerger()
    merger.add_page([_question([_code(9, "Other", ["x"])], qid="Q2"), _question([_code(1, "A", ["y"])])])
    merger.add_page([_question([_code(8, "Uncoded", ["z"])], qid="Q2")])
    q2, q1 = merger.questions()
    assert (q2.question_id, q1.question_id) == ("Q2", "Q1")
    assert [(c.label, c.bucket) for c in q2.codes] == [("Other", "other"), ("Uncoded", "uncoded")]
    assert q1.codes[0].bucket is None


# ---- against a naive dict merge ---------------------------------------------------------------


def _reference(pages: list[list[dict]]) -> dict:
    """The dict semantics the merger keeps: a respondent's answer is the last one in the first list
    that names it; a code lists each respondent once, where it was first placed."""
    out: dict = {}
    for page in pages:
        for q in page:
            acc = out.setdefault(q["questionIdentifier"], {"roots": [], "nodes": {}, "responses": {}})

            def merge(code: dict, siblings: list, acc: dict = acc) -> None:
                cid = str(code["id"])
                if cid not in acc["nodes"]:
                    acc["nodes"][cid] = {"label": code["label"], "placed": {}, "children": []}
                    siblings.append(cid)
                node = acc["nodes"][cid]
                first = {}
                for e in code["responses"]:
                    if e["responseIdentifier"] not in acc["responses"]:
                        first[e["responseIdentifier"]] = e["answer"]
                acc["responses"].update(first)
                for e in code["responses"]:
                    node["placed"].setdefault(e["responseIdentifier"], None)
                for sub in code["subCodes"]:
                    merge(sub, node["children"])

            for code in q["responseCodes"]:
                merge(code, acc["roots"])
    return out


def _shape(question) -> dict:
    nodes: dict = {}

    def walk(codes: list, siblings: list) -> None:
        for node in codes:
            siblings.append(node.code_id)
            nodes[node.code_id] = {
                "label": node.label,
                "placed": list(node.assignments),
                "children": [],
            }
            walk(node.children, nodes[node.code_id]["children"])
            assert dict(node.assignments.items()) == {
                r: Assignment(question.responses[r]) for r in node.assignments
            }

    roots: list = []
    walk(question.codes, roots)
    return {"roots": roots, "nodes": nodes, "responses": list(question.responses.items())}


RIDS = st.sampled_from([f"r{i}" for i in range(12)])
ENTRIES = st.lists(st.tuples(RIDS, st.sampled_from(["a", "b", ""])), max_size=6)


@st.composite
def pages(draw: st.DrawFn) -> list[list[dict]]:
    def code(depth: int) -> dict:
        subs = draw(st.integers(0, 2 if depth < 2 else 0))
        return {
            "id": draw(st.integers(1, 6)) + 10 * depth,
            "label": f"L{depth}",
            "responses": [
                {"responseIdentifier": r, "answer": f"{a}{r}" if a else ""} for r, a in draw(ENTRIES)
            ],
            "subCodes": [code(depth + 1) for _ in range(subs)],
        }

    return [
        [
            {
                "questionIdentifier": qid,
                "question": "?",
                "responseCodes": [code(0) for _ in range(draw(st.integers(0, 3)))],
            }
            for qid in draw(st.lists(st.sampled_from(["Q1", "Q2"]), min_size=1, max_size=2, unique=True))
        ]
        for _ in range(draw(st.integers(1, 4)))
    ]


@settings(max_examples=300, deadline=None)
@given(pages())
def test_the_merger_keeps_the_dict_semantics(job: list[list[dict]]) -> None:
    merger = CodingMerger()
    for page in job:
        merger.add_page(page)
    expected = _reference(job)
    merged = merger.questions()
    assert [q.question_id for q in merged] == list(expected)
    for q in merged:
        want = expected[q.question_id]
        want["responses"] = list(want["responses"].items())
        for node in want["nodes"].values():
            node["placed"] = list(node["placed"])
        assert _shape(q) == want
        assert (
            merger.questions()[[x.question_id for x in merged].index(q.question_id)].responses == q.responses
        )


def test_a_respondent_listed_twice_in_one_list_keeps_the_last_answer_and_one_place() -> None:
    merger = CodingMerger()
    page = _question([_code(1, "A", ["r1", "r2", "r1"]), _code(2, "B", ["r2", "r3", "r3", "r1"])])
    page["responseCodes"][0]["responses"][2]["answer"] = "r1 again"
    page["responseCodes"][1]["responses"][2]["answer"] = "r3 again"
    merger.add_page([page])
    [question] = merger.questions()
    a, b = question.codes
    assert question.responses == {"r1": "r1 again", "r2": "answer r2", "r3": "r3 again"}
    assert list(a.assignments.positions) == [0, 1]  # type: ignore[attr-defined]
    assert list(b.assignments.positions) == [1, 2, 0]  # type: ignore[attr-defined]
