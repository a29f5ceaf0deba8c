"""The result cache encoding: whatever goes in comes back equal, and a damaged blob is a miss."""

from __future__ import annotations

import struct
import zlib
from array import array
from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.server import result_codec
from survey_jobs_mcp.server.result_codec import CODING_MAGIC, decode_coding, encode_coding
from survey_jobs_mcp.tools.models import Assignment, CodeNode, CodingResults, JobError, QuestionCoding
from survey_jobs_mcp.tools.respondents import PlainAssignments

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


def _aftercare_like(n: int = 2500) -> CodingResults:
    """Shared plain assignments, a respondent at a parent and its sub-code, an empty code."""
    responses = {f"R{i:05d}": f"answer {i} — ünïcode ✓" for i in range(n)}
    shared = {rid: Assignment(text) for rid, text in responses.items()}
    rids = list(responses)
    sub = CodeNode("11", "Price › too high", {r: shared[r] for r in rids[:700]})
    root = CodeNode("1", "Price", {r: shared[r] for r in rids[:300] + rids[900:1000]}, [sub])
    other = CodeNode("9", "Other", {r: shared[r] for r in rids[1000:]}, bucket="other")
    empty = CodeNode("5", "Empty", {})
    q1 = QuestionCoding("Q1", "Why?", [root, other, empty], responses, uncoded_reported=False)
    q2 = QuestionCoding("Q2", "Nothing coded", [], {}, uncoded_reported=False)
    return CodingResults(
        job_id="123e4567-e89b-12d3-a456-426614174000",
        provider="aftercare",
        kind="coding",
        survey="S-1",
        completed_at=datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
        questions=[q1, q2],
        failure=JobError("PROCESSING_ERROR", "Failed to process 1 of 2 questions"),
    )


def _surveycoder_like() -> CodingResults:
    """Per-code sentiment and confidence, a text that differs from the response, an unlisted id."""
    responses = {"a": "good value", "b": "too slow", "c": ""}
    node = CodeNode(
        "c-1",
        "Value",
        {
            "a": Assignment("good value", sentiment="positive", confidence=0.9),
            "b": Assignment("slow-ish", sentiment=None, confidence=0.3),
            "zz": Assignment("not in responses"),
        },
        [CodeNode("c-2", "Speed", {"b": Assignment("too slow", sentiment="negative")})],
    )
    plain = CodeNode("c-3", "Uncoded", {"c": Assignment("")}, bucket="uncoded")
    q = QuestionCoding("Q1", "Thoughts?", [node, plain], responses, uncoded_reported=True)
    return CodingResults(
        job_id="job_1a2b3c4d5e6f7a8b9c0d1e2f",
        provider="surveycoder",
        kind="one_call",
        survey=None,
        completed_at=None,
        questions=[q],
        has_sentiment=True,
        has_confidence=True,
    )


@pytest.mark.parametrize("make", [_aftercare_like, _surveycoder_like])
@pytest.mark.parametrize("pace", [True, False])
def test_coding_results_round_trip_exactly(make, pace: bool) -> None:
    results = make()
    blob = encode_coding(results, pace=pace)
    assert blob.startswith(CODING_MAGIC)
    assert decode_coding(blob) == results


def test_plain_assignments_decode_as_positions_in_their_question() -> None:
    decoded = decode_coding(encode_coding(_aftercare_like()))
    assert decoded is not None
    q = decoded.questions[0]
    root = q.codes[0]
    sub = root.children[0]
    assert isinstance(root.assignments, PlainAssignments) and isinstance(sub.assignments, PlainAssignments)
    assert root.assignments.respondents is sub.assignments.respondents
    assert root.assignments.respondents is q.responses
    assert list(root.assignments.positions) == [*range(300), *range(900, 1000)]
    assert len(root.assignments) == 400 and len(sub.assignments) == 700
    assert root.assignments["R00042"] == sub.assignments["R00042"] == Assignment(q.responses["R00042"])
    assert "R00800" not in sub.assignments and "R00800" not in root.assignments


def test_plain_positions_outside_the_responses_are_a_miss() -> None:
    results = _aftercare_like(10)
    blob = bytearray(encode_coding(results, pace=False))
    frames = result_codec._Frames(zlib.decompress(bytes(blob[len(CODING_MAGIC) :])))
    values = []
    while not frames.done:
        values.append(frames.next())
    assert values[3][:2] == ["1", "Price"] and values[3][4] is True  # plain: positions
    values[3][5] = [0, 10]  # position 10 of a 10-response question
    encoder = msgspec.msgpack.Encoder()
    raw = b"".join(struct.pack("<I", len(b)) + b for b in map(encoder.encode, values))
    assert decode_coding(CODING_MAGIC + zlib.compress(raw)) is None


def test_a_large_job_compresses() -> None:
    results = _aftercare_like(60_000)
    blob = encode_coding(results)
    raw_text = sum(len(r) + len(t) for r, t in results.questions[0].responses.items())
    assert len(blob) < raw_text // 3
    assert decode_coding(blob) == results


def test_unreadable_blobs_decode_to_none() -> None:
    blob = encode_coding(_aftercare_like(50))
    old_json_format = zlib.compress(b'{"v":2,"type":"coding","questions":[]}')
    body = zlib.decompress(blob[len(CODING_MAGIC) :])
    assert decode_coding(old_json_format) is None
    assert decode_coding(blob[: len(blob) // 2]) is None  # truncated stream
    assert decode_coding(CODING_MAGIC + zlib.compress(body[:-3])) is None  # truncated last frame
    assert decode_coding(CODING_MAGIC + zlib.compress(body + b"\x00")) is None  # trailing bytes
    assert decode_coding(CODING_MAGIC + b"not zlib at all") is None
    assert decode_coding(b"") is None


def test_a_codebook_round_trips_and_is_no_other_kind() -> None:
    from survey_jobs_mcp.tools.models import Codebook, CodebookCategory, CodebookCode

    codebook = Codebook(
        job_id="job_0123456789abcdef01234567",
        provider="surveycoder",
        kind="codebook_generation",
        completed_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        question_text="What would you improve?",
        categories=[
            CodebookCategory("c1", "Price", [CodebookCode("k1", "Too expensive", "Cost", "negative")]),
            CodebookCategory(None, None, [CodebookCode("k2", "Other")]),
        ],
    )
    blob = result_codec.encode_codebook(codebook)
    assert result_codec.decode_codebook(blob) == codebook
    assert result_codec.decode_coding(blob) is None and result_codec.decode_quality(blob) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=200))
def test_positions_encode_as_the_msgpack_list_of_their_ints(positions: list[int]) -> None:
    raw = result_codec.msgpack_positions(array("I", positions))
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(["x", raw])) == ["x", positions]
