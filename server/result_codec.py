"""Compact, versioned serialisation of finished results for the local store's result cache.

A finished job's results never change, so they are cached after the first fetch and drill-down
calls (even after a restart) never page through the provider again. The format is our own domain
shape, not upstream JSON: a response's text is stored once per question and assignments keep only
what differs per code (sentiment, confidence). zlib keeps a 100,000-response job to a few MB.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import datetime
from typing import Any

from survey_jobs_mcp.tools.models import (
    AnswerEvaluation,
    Assignment,
    CodeNode,
    CodingResults,
    IssueCheck,
    JobError,
    QualityReport,
    QuestionCoding,
    RespondentQuality,
)

FORMAT_VERSION = 2


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


def _encode_node(node: CodeNode, responses: dict[str, str]) -> list[Any]:
    """A node whose assignments carry nothing but the respondent's answer (all of Aftercare) is
    stored as a plain id list; otherwise each id maps to [sentiment, confidence(, text)]."""
    items = node.assignments.items()
    if all(a.sentiment is None and a.confidence is None and a.text == responses.get(rid) for rid, a in items):
        assignments: Any = list(node.assignments)
    else:
        assignments = {}
        for rid, a in items:
            extra: list[Any] = [a.sentiment, a.confidence]
            if a.text != responses.get(rid):
                extra.append(a.text)
            assignments[rid] = extra
    return [
        node.code_id,
        node.label,
        node.bucket,
        assignments,
        [_encode_node(c, responses) for c in node.children],
    ]


def _decode_node(raw: list[Any], responses: dict[str, str], shared: dict[str, Assignment]) -> CodeNode:
    code_id, label, bucket, assignments, children = raw
    if isinstance(assignments, list):
        decoded = {}
        for rid in assignments:
            plain = shared.get(rid)
            if plain is None:
                plain = shared[rid] = Assignment(responses.get(rid, ""))
            decoded[rid] = plain
    else:
        decoded = {
            rid: Assignment(
                text=extra[2] if len(extra) > 2 else responses.get(rid, ""),
                sentiment=extra[0],
                confidence=extra[1],
            )
            for rid, extra in assignments.items()
        }
    return CodeNode(
        code_id=code_id,
        label=label,
        bucket=bucket,
        assignments=decoded,
        children=[_decode_node(c, responses, shared) for c in children],
    )


def encode_coding(results: CodingResults) -> bytes:
    return _pack(
        {
            "v": FORMAT_VERSION,
            "type": "coding",
            "job_id": results.job_id,
            "provider": results.provider,
            "kind": results.kind,
            "survey": results.survey,
            "completed_at": _dt(results.completed_at),
            "failure": _error(results.failure),
            "sentiment": results.has_sentiment,
            "confidence": results.has_confidence,
            "questions": [
                {
                    "id": q.question_id,
                    "text": q.question_text,
                    "uncoded_reported": q.uncoded_reported,
                    "responses": q.responses,
                    "codes": [_encode_node(n, q.responses) for n in q.codes],
                }
                for q in results.questions
            ],
        }
    )


_BROKEN = (KeyError, IndexError, TypeError, ValueError, AttributeError)
"""What reading a well-formed but incomplete or mistyped payload raises (a missing field, a list
where a dict was written, a bad date): the row is treated as a miss, never as an error."""


def decode_coding(blob: bytes) -> CodingResults | None:
    """Return the cached results, or None when the blob is unreadable, incomplete or of another version."""
    p = _unpack(blob)
    if p is None or p.get("type") != "coding":
        return None
    try:
        return _decode_coding(p)
    except _BROKEN:
        return None


def _decode_coding(p: dict[str, Any]) -> CodingResults:
    questions = []
    for q in p["questions"]:
        responses = q["responses"]
        questions.append(
            QuestionCoding(
                question_id=q["id"],
                question_text=q["text"],
                codes=[_decode_node(n, responses, {}) for n in q["codes"]],
                responses=responses,
                uncoded_reported=q["uncoded_reported"],
            )
        )
    return CodingResults(
        job_id=p["job_id"],
        provider=p["provider"],
        kind=p["kind"],
        survey=p["survey"],
        completed_at=_parse_dt(p["completed_at"]),
        questions=questions,
        failure=_parse_error(p["failure"]),
        has_sentiment=p["sentiment"],
        has_confidence=p["confidence"],
    )


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
    p = _unpack(blob)
    if p is None or p.get("type") != "quality":
        return None
    try:
        return _decode_quality(p)
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
