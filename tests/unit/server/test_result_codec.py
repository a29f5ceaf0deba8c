"""The result cache encoding: whatever goes in comes back equal, and a damaged blob is a miss."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.server import result_codec
from survey_jobs_mcp.tools.models import Assignment, CodeNode, CodingResults, JobError, QuestionCoding

TEXT = st.text(max_size=30)
IDS = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=12, unique=True)


@st.composite
def coding_results(draw: st.DrawFn) -> CodingResults:
    rids = draw(IDS)
    responses = {rid: draw(TEXT) for rid in rids}
    with_sentiment = draw(st.booleans())
    shared = {
        rid: Assignment(
            responses[rid],
            sentiment=draw(st.sampled_from(["positive", "negative", None])) if with_sentiment else None,
        )
        for rid in rids
    }

    def node(depth: int, n: int) -> CodeNode:
        members = draw(st.lists(st.sampled_from(rids), unique=True, max_size=len(rids)))
        children = [node(depth + 1, i) for i in range(draw(st.integers(0, 2 if depth < 2 else 0)))]
        return CodeNode(
            code_id=f"{depth}-{n}-{draw(st.integers(0, 999))}",
            label=draw(TEXT),
            assignments={rid: shared[rid] for rid in members},
            children=children,
            bucket=draw(st.sampled_from([None, "other", "uncoded"])),
        )

    question = QuestionCoding(
        question_id="Q1",
        question_text=draw(TEXT),
        codes=[node(0, i) for i in range(draw(st.integers(0, 3)))],
        responses=responses,
        uncoded_reported=draw(st.booleans()),
    )
    return CodingResults(
        job_id="job_" + "a" * 24,
        provider=draw(st.sampled_from(["aftercare", "surveycoder"])),
        kind="one_call",
        survey=draw(st.none() | TEXT),
        completed_at=draw(st.none() | st.just(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))),
        questions=[question],
        failure=draw(st.none() | st.builds(JobError, code=TEXT, message=TEXT)),
        has_sentiment=with_sentiment,
    )


def _shape(node: CodeNode) -> tuple:
    return (
        node.code_id,
        node.label,
        node.bucket,
        sorted((rid, a.text, a.sentiment, a.confidence) for rid, a in node.assignments.items()),
        [_shape(c) for c in node.children],
    )


@settings(max_examples=150, deadline=None)
@given(coding_results())
def test_coding_results_round_trip(results: CodingResults) -> None:
    back = result_codec.decode_coding(result_codec.encode_coding(results))
    assert back is not None
    assert (back.job_id, back.provider, back.kind, back.survey, back.completed_at) == (
        results.job_id,
        results.provider,
        results.kind,
        results.survey,
        results.completed_at,
    )
    assert back.failure == results.failure and back.has_sentiment == results.has_sentiment
    [q], [orig] = back.questions, results.questions
    assert (q.question_id, q.question_text, q.responses, q.uncoded_reported) == (
        orig.question_id,
        orig.question_text,
        orig.responses,
        orig.uncoded_reported,
    )
    assert [_shape(n) for n in q.codes] == [_shape(n) for n in orig.codes]


def test_a_damaged_blob_is_a_miss_not_an_error() -> None:
    assert result_codec.decode_coding(b"not a cache entry") is None
    assert result_codec.decode_quality(b"\x00\x01garbage") is None
