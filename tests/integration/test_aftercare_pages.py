"""Aftercare coding pages -> domain results: dict pages and typed (msgspec) pages merge the same.

Pages are read from the sandbox over real HTTP; the expected tree is the sandbox's own unpaged body.
"""

from __future__ import annotations

import json

import httpx
import pytest

from survey_jobs_mcp.server.providers.aftercare.mapping import CodingMerger, coding_results
from survey_jobs_mcp.server.providers.aftercare.wire import (
    BATCH_CODING_SUCCESS,
    WireShapeError,
    coding_results_of,
    decode_coding_page,
)
from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from survey_jobs_mcp.tools.models import Assignment, CodeNode, CodingResults
from survey_jobs_mcp.tools.respondents import PlainAssignments
from tests.sandbox_support import walk_codes


@pytest.fixture
def pages(sandbox: Sandbox, sandbox_server: SandboxServer) -> tuple[str, list[bytes]]:
    """Every page of the sandbox's completed coding job with the most responses (page size 50)."""
    rows = [r for r in sandbox.jobs() if r["kind"] == "coding" and r["status"] == "completed"]
    job = max(rows, key=lambda r: r["responses"] or 0)["id"]
    out: list[bytes] = []
    with httpx.Client(
        base_url=sandbox_server.aftercare_url, headers={"X-Aftercare-Key": sandbox.keys.aftercare}
    ) as client:
        cursor = None
        while True:
            r = client.get(f"/api/v1/coding/{job}", params={"cursor": cursor} if cursor else None)
            r.raise_for_status()
            out.append(r.content)
            cursor = json.loads(r.content)["results"]["nextCursor"]
            if not cursor:
                return job, out


def _results(merger: CodingMerger) -> CodingResults:
    return coding_results(job_id="j", survey="s", completed_at=None, merger=merger)


def _by_dicts(pages: list[bytes]) -> CodingMerger:
    merger = CodingMerger()
    for raw in pages:
        merger.add_page(BATCH_CODING_SUCCESS.validate_python(json.loads(raw)["results"])["questionCodes"])
    return merger


def _by_structs(pages: list[bytes], first_as_dict: bool = False) -> CodingMerger:
    merger = CodingMerger()
    for i, raw in enumerate(pages):
        if first_as_dict and i == 0:  # how a reader meets page 1: already parsed while resolving the job
            merger.add_page(BATCH_CODING_SUCCESS.validate_python(json.loads(raw)["results"])["questionCodes"])
        else:
            merger.add_decoded(decode_coding_page(raw).results.questionCodes)
    return merger


def _flat(codes: list[CodeNode], out: dict[str, tuple[str, list[str]]] | None = None) -> dict:
    out = {} if out is None else out
    for node in codes:
        out[node.code_id] = (node.label, sorted(node.assignments))
        _flat(node.children, out)
    return out


def test_dict_and_typed_pages_give_identical_results(pages: tuple[str, list[bytes]]) -> None:
    _, raw = pages
    assert len(raw) >= 3  # the job really is paged
    expected = _results(_by_dicts(raw))
    assert _results(_by_structs(raw)) == expected
    assert _results(_by_structs(raw, first_as_dict=True)) == expected


def test_merged_pages_equal_the_unpaged_tree(sandbox: Sandbox, pages: tuple[str, list[bytes]]) -> None:
    job, raw = pages
    whole = sandbox.raw_coding(job)["results"]["questionCodes"]
    results = _results(_by_structs(raw))
    assert [q.question_id for q in results.questions] == [q["questionIdentifier"] for q in whole]
    for q, body in zip(results.questions, whole, strict=True):
        want = {
            str(c["id"]): (c["label"], sorted(e["responseIdentifier"] for e in c["responses"]))
            for c in walk_codes(body["responseCodes"])
        }
        assert _flat(q.codes) == want
        answers = {
            e["responseIdentifier"]: e["answer"]
            for c in walk_codes(body["responseCodes"])
            for e in c["responses"]
        }
        assert q.responses == answers
        # each code keeps positions in one numbering of the question's respondents, no objects
        ids = list(q.responses)
        for node in _walk(q.codes):
            assert isinstance(node.assignments, PlainAssignments)
            assert node.assignments.respondents is q.responses
            assert [ids[p] for p in node.assignments.positions] == list(node.assignments)
            for rid, a in node.assignments.items():
                assert a == Assignment(answers[rid])


def _walk(codes: list[CodeNode]):
    for node in codes:
        yield node
        yield from _walk(node.children)


def test_a_typed_page_of_the_wrong_shape_names_where(pages: tuple[str, list[bytes]]) -> None:
    _, raw = pages
    body = json.loads(raw[1])
    body["results"]["questionCodes"][0]["responseCodes"][0]["label"] = 42
    with pytest.raises(WireShapeError) as info:
        decode_coding_page(json.dumps(body).encode())
    assert info.value.where == "results.questionCodes.0.responseCodes.0.label"
    assert info.value.message == "Expected `str`, got `int`"
    assert not isinstance(info.value, ValueError)  # the HTTP layer must not retry it
    with pytest.raises(ValueError):
        decode_coding_page(raw[1][:-10])  # truncated: not JSON at all


def test_the_first_pages_parsed_results_convert_to_the_same_structs(pages: tuple[str, list[bytes]]) -> None:
    _, raw = pages
    parsed = json.loads(raw[0])["results"]
    assert coding_results_of(parsed) == decode_coding_page(raw[0]).results
    parsed["questionCodes"][0]["responseCodes"][0]["responses"][0].pop("answer")
    with pytest.raises(WireShapeError) as info:
        coding_results_of(parsed)
    assert info.value.where == "results.questionCodes.0.responseCodes.0.responses.0"
    assert info.value.message == "Object missing required field `answer`"
