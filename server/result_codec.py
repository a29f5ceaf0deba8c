"""Compact, versioned serialisation of finished results for the local store's result cache.

A finished job's results never change, so they are cached after the first fetch and drill-down
calls (even after a restart) never page through the provider again. The format is our own domain
shape, not upstream JSON: a response's text is stored once per question and assignments keep only
what differs per code (sentiment, confidence). zlib keeps a 100,000-response job to a few MB.
"""

from __future__ import annotations

import json
import struct
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

import msgspec

from survey_jobs_mcp.tools.models import (
    AnswerEvaluation,
    Assignment,
    Codebook,
    CodebookCategory,
    CodebookCode,
    CodeNode,
    CodingResults,
    IssueCheck,
    JobError,
    QualityReport,
    QuestionCoding,
    RespondentQuality,
)
from survey_jobs_mcp.tools.respondents import PlainAssignments, Respondents

T = TypeVar("T")

FORMAT_VERSION = 2
"""Version of the data-quality blob (JSON); coding blobs start with ``CODING_MAGIC`` instead."""


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _error(value: JobError | None) -> list[str] | None:
    return [value.code, value.message] if value else None


def _parse_error(value: list[str] | None) -> JobError | None:
    return JobError(code=value[0], message=value[1]) if value else None


def _pack(payload: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), 1)


def _unpack(blob: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(zlib.decompress(blob))
    except (zlib.error, ValueError):
        return None
    return payload if isinstance(payload, dict) and payload.get("v") == FORMAT_VERSION else None


# ---- coding results: framed msgpack in a zlib stream ----------------------------------------------
#
# Why not one JSON document: ``json.dumps`` of a 100,000-response job held the GIL for ~110 ms in one
# C call, right when the assistant's first drill-downs arrive (they stalled for up to 180 ms), and it
# built the whole text three times over (objects, str, bytes): ~60 MB at the peak of a cold read.
# Here each question is a few frames (msgpack, encoded in C by msgspec in ~1 ms slices) fed to a
# streaming compressor; zlib releases the GIL, and the encoder sleeps for a moment between slices,
# so a drill-down answered meanwhile waits for at most one slice. Plain assignments (no sentiment, no
# confidence, the respondent's own answer: all of Aftercare) are stored as indices into the
# question's response list, which also makes decoding a few C-level maps.

CODING_MAGIC = b"SJMC3\n"
_FRAME = struct.Struct("<I")
_CHUNK = 5_000
_SLICE_S = 0.002
_PAUSE_S = 0.0005
_NONE = frozenset({None})
_text = attrgetter("text")
_sentiment = attrgetter("sentiment")
_confidence = attrgetter("confidence")


class _Writer:
    """Frames into one zlib stream; after every ~2 ms of work it sleeps briefly (``pace``)."""

    def __init__(self, pace: bool) -> None:
        self._zlib = zlib.compressobj(1)
        self._out = bytearray(CODING_MAGIC)
        self._encode = msgspec.msgpack.Encoder().encode
        self._pace = pace
        self._since = time.perf_counter()

    def frame(self, value: Any) -> None:
        data = self._encode(value)
        self._out += self._zlib.compress(_FRAME.pack(len(data)))
        self._out += self._zlib.compress(data)
        if self._pace and time.perf_counter() - self._since > _SLICE_S:
            time.sleep(_PAUSE_S)  # let a waiting thread (the event loop) take the GIL
            self._since = time.perf_counter()

    def finish(self) -> bytes:
        """The blob (a ``bytearray``: joining pieces at the end would hold the blob twice)."""
        self._out += self._zlib.flush()
        return self._out  # type: ignore[return-value]


def _preorder(codes: list[CodeNode]) -> list[CodeNode]:
    out: list[CodeNode] = []
    stack = list(reversed(codes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def msgpack_positions(positions: array) -> msgspec.Raw | list[int]:
    """``positions`` as an encoded msgpack array of uint32 (a 5-byte item each, built with slice
    copies): the same list of ints to a decoder, without one int object per position (a 60,000-
    respondent code was ~2.4 MB of transient objects while the cache was written)."""
    n = len(positions)
    if positions.itemsize != 4:
        return positions.tolist()
    big = array(positions.typecode, positions)
    if sys.byteorder == "little":
        big.byteswap()
    data = big.tobytes()
    out = bytearray(5 + 5 * n)
    out[0] = 0xDD  # array 32
    out[1:5] = n.to_bytes(4, "big")
    out[5::5] = b"\xce" * n  # uint 32
    for k in range(4):
        out[6 + k :: 5] = data[k::4]
    return msgspec.Raw(out)


def _plain_indices(
    node: CodeNode, responses: Mapping[str, str], pos: dict[str, int], texts: list[str]
) -> Any:
    """The node's respondents as response indices if every assignment is plain, else None.

    ``PlainAssignments`` of this question already are those indices. Otherwise only C-level maps
    (this runs over every assignment of the job): the text check compares against the response
    list by index and short-cuts on identity.
    """
    assignments = node.assignments
    if isinstance(assignments, PlainAssignments) and assignments.respondents is responses:
        return msgpack_positions(assignments.positions)
    if not pos:  # response indices by id, made only for a node that is not positions already
        pos.update(zip(responses, range(len(texts)), strict=True))
    idx = list(map(pos.get, assignments))
    if None in idx:
        return None
    values = assignments.values()
    if list(map(_text, values)) != list(map(texts.__getitem__, idx)):  # type: ignore[arg-type]
        return None
    if not set(map(_sentiment, values)) <= _NONE or not set(map(_confidence, values)) <= _NONE:
        return None
    return idx  # type: ignore[return-value]


def encode_coding(results: CodingResults, *, pace: bool = True) -> bytes:
    """The cache blob of ``results``. ``pace`` yields the GIL between slices (for the background
    writer); the blob is the same either way."""
    w = _Writer(pace)
    w.frame(
        {
            "type": "coding",
            "job_id": results.job_id,
            "provider": results.provider,
            "kind": results.kind,
            "survey": results.survey,
            "completed_at": _dt(results.completed_at),
            "failure": _error(results.failure),
            "sentiment": results.has_sentiment,
            "confidence": results.has_confidence,
            "questions": len(results.questions),
        }
    )
    for q in results.questions:
        if isinstance(q.responses, Respondents):  # the lists themselves, not copies
            rids, texts = q.responses.ids, q.responses.texts
        else:
            rids, texts = list(q.responses), list(q.responses.values())
        nodes = _preorder(q.codes)
        w.frame([q.question_id, q.question_text, q.uncoded_reported, len(rids), len(q.codes), len(nodes)])
        for i in range(0, len(rids), _CHUNK):
            w.frame([rids[i : i + _CHUNK], texts[i : i + _CHUNK]])
        pos: dict[str, int] = {}
        for node in nodes:
            idx = _plain_indices(node, q.responses, pos, texts)
            if idx is None:
                assigned: Any = [[r, a.sentiment, a.confidence, a.text] for r, a in node.assignments.items()]
            else:
                assigned = idx
            w.frame([node.code_id, node.label, node.bucket, len(node.children), idx is not None, assigned])
    return w.finish()


class _Frames:
    def __init__(self, raw: bytes) -> None:
        self._raw = memoryview(raw)
        self._at = 0
        self._decode = msgspec.msgpack.Decoder().decode

    def next(self) -> Any:
        (size,) = _FRAME.unpack_from(self._raw, self._at)
        start = self._at + _FRAME.size
        self._at = start + size
        if self._at > len(self._raw):
            raise ValueError("truncated frame")
        return self._decode(self._raw[start : self._at])

    @property
    def done(self) -> bool:
        return self._at == len(self._raw)


def _decode_question(frames: _Frames) -> QuestionCoding:
    qid, text, uncoded_reported, n_responses, n_roots, n_nodes = frames.next()
    rids: list[str] = []
    texts: list[str] = []
    while len(rids) < n_responses:
        more_rids, more_texts = frames.next()
        rids.extend(more_rids)
        texts.extend(more_texts)
    if len(rids) != n_responses or len(texts) != n_responses:
        raise ValueError("response list does not match its header")
    responses = Respondents(rids, texts)  # written from a mapping: ids are distinct
    roots: list[CodeNode] = []
    open_nodes: list[tuple[CodeNode, int]] = []  # (node, children still to read)
    for _ in range(n_nodes):
        code_id, label, bucket, n_children, plain, assigned = frames.next()
        assignments: Mapping[str, Assignment]
        if plain:
            if assigned and not (min(assigned) >= 0 and max(assigned) < n_responses):
                raise ValueError("assignment outside the question's responses")
            assignments = PlainAssignments(responses, assigned)
        else:
            assignments = {r: Assignment(text=t, sentiment=s, confidence=c) for r, s, c, t in assigned}
        node = CodeNode(code_id=code_id, label=label, bucket=bucket, assignments=assignments)
        while open_nodes and open_nodes[-1][1] == 0:
            open_nodes.pop()
        if open_nodes:
            parent, left = open_nodes[-1]
            parent.children.append(node)
            open_nodes[-1] = (parent, left - 1)
        else:
            roots.append(node)
        open_nodes.append((node, n_children))
    if len(roots) != n_roots:
        raise ValueError("code tree does not match its header")
    return QuestionCoding(
        question_id=qid,
        question_text=text,
        codes=roots,
        responses=responses,
        uncoded_reported=uncoded_reported,
    )


_BROKEN = (KeyError, IndexError, TypeError, ValueError, AttributeError)
"""What reading a well-formed but incomplete or mistyped payload raises (a missing field, a list
where a dict was written, a bad date): the row is treated as a miss, never as an error."""


def decode_coding(blob: bytes) -> CodingResults | None:
    """Return the cached results, or None when the blob is unreadable, incomplete or of another format."""
    if not blob.startswith(CODING_MAGIC):
        return None
    try:
        return _decode_coding(_Frames(zlib.decompress(memoryview(blob)[len(CODING_MAGIC) :])))
    except (*_BROKEN, zlib.error, struct.error):  # msgspec.DecodeError is a ValueError
        return None


def _decode_coding(frames: _Frames) -> CodingResults | None:
    head = frames.next()
    if not isinstance(head, dict) or head.get("type") != "coding":
        return None
    questions = [_decode_question(frames) for _ in range(head["questions"])]
    if not frames.done:
        return None
    return CodingResults(
        job_id=head["job_id"],
        provider=head["provider"],
        kind=head["kind"],
        survey=head["survey"],
        completed_at=_parse_dt(head["completed_at"]),
        questions=questions,
        failure=_parse_error(head["failure"]),
        has_sentiment=head["sentiment"],
        has_confidence=head["confidence"],
    )


# ---- data-quality reports: one JSON document (at most tens of thousands of respondents) -------------


def encode_quality(report: QualityReport) -> bytes:
    return _pack(
        {
            "v": FORMAT_VERSION,
            "type": "quality",
            "job_id": report.job_id,
            "survey": report.survey,
            "failure": _error(report.failure),
            "respondents": [asdict(r) for r in report.respondents],
        }
    )


def decode_quality(blob: bytes) -> QualityReport | None:
    """Return the cached report, or None when the blob is unreadable, incomplete or of another version."""
    return _decode_document(blob, "quality", _decode_quality)


def _decode_document(blob: bytes, kind: str, build: Callable[[dict[str, Any]], T]) -> T | None:
    """``build`` of a JSON document blob of ``kind``; None when it is unreadable, of another kind or
    version, or incomplete (a miss, so the caller reads the results again)."""
    p = _unpack(blob)
    if p is None or p.get("type") != kind:
        return None
    try:
        return build(p)
    except _BROKEN:
        return None


def _decode_quality(p: dict[str, Any]) -> QualityReport:
    respondents = [
        RespondentQuality(
            respondent_id=r["respondent_id"],
            demerit=r["demerit"],
            quality=r["quality"],
            num_issues=r["num_issues"],
            answers=[
                AnswerEvaluation(
                    question=a["question"],
                    question_id=a["question_id"],
                    answer=a["answer"],
                    demerit=a["demerit"],
                    num_issues=a["num_issues"],
                    checks=[IssueCheck(**c) for c in a["checks"]],
                )
                for a in r["answers"]
            ],
        )
        for r in p["respondents"]
    ]
    return QualityReport(
        job_id=p["job_id"], survey=p["survey"], respondents=respondents, failure=_parse_error(p["failure"])
    )


# ---- codebooks: one small JSON document --------------------------------------------------------


def encode_codebook(codebook: Codebook) -> bytes:
    return _pack(
        {
            "v": FORMAT_VERSION,
            "type": "codebook",
            "job_id": codebook.job_id,
            "provider": codebook.provider,
            "kind": codebook.kind,
            "completed_at": _dt(codebook.completed_at),
            "question_text": codebook.question_text,
            "categories": [asdict(c) for c in codebook.categories],
        }
    )


def decode_codebook(blob: bytes) -> Codebook | None:
    """The cached codebook, or None when the blob is unreadable or of another version."""
    return _decode_document(blob, "codebook", _decode_codebook)


def _decode_codebook(p: dict[str, Any]) -> Codebook:
    categories = [
        CodebookCategory(
            category_id=c["category_id"],
            label=c["label"],
            codes=[CodebookCode(**code) for code in c["codes"]],
        )
        for c in p["categories"]
    ]
    return Codebook(
        job_id=p["job_id"],
        provider=p["provider"],
        kind=p["kind"],
        completed_at=_parse_dt(p["completed_at"]),
        question_text=p["question_text"],
        categories=categories,
    )
