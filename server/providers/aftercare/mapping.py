"""Aftercare wire bodies -> provider-neutral domain objects (pure functions, no I/O).

Two facts of the upstream shape drive this module:
- results come in pages, and a page may split one question's tree: the same question and the same
  code id appear on several pages with different responses. ``CodingMerger`` merges by question
  identifier and code id, so a code's responses are the union over all pages;
- the same response may be listed at a code and at its sub-code (the published example does this).
  The domain keeps assignments per node exactly as upstream lists them; the summariser counts
  distinct respondents per subtree, so a double listing is counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from survey_jobs_mcp.tools.buckets import classify_bucket
from survey_jobs_mcp.tools.models import (
    AnswerEvaluation,
    Assignment,
    CodeNode,
    CodingResults,
    IssueCheck,
    IssueType,
    JobError,
    QuestionCoding,
    RespondentQuality,
)

from .wire import QuestionCodeData, RespondentEvaluation, ResponseCode

_ISSUE_TYPE_ALIASES: dict[str, IssueType] = {
    "nonsensical": "nonsensical",
    "irrelevant": "irrelevant",
    "loweffort": "low_effort",
    "llmgenerated": "llm_generated",
    # The published enum says "Repeated Answers"/"Duplicate Answers"; its own description (and the
    # batch page) say "Self Duplicated"/"Shared Duplicate". Accept both spellings.
    "repeatedanswers": "self_duplicate",
    "selfduplicated": "self_duplicate",
    "selfduplicate": "self_duplicate",
    "duplicateanswers": "shared_duplicate",
    "sharedduplicate": "shared_duplicate",
    "sharedduplicated": "shared_duplicate",
}


def canonical_issue_type(upstream: str) -> IssueType:
    key = "".join(ch for ch in upstream.lower() if ch.isalnum())
    return _ISSUE_TYPE_ALIASES.get(key, "other")


@dataclass(slots=True)
class _QuestionAcc:
    text: str
    roots: list[CodeNode] = field(default_factory=list)
    nodes: dict[str, CodeNode] = field(default_factory=dict)
    responses: dict[str, str] = field(default_factory=dict)
    assignments: dict[str, Assignment] = field(default_factory=dict)
    """One ``Assignment`` per respondent, shared by every code it sits in (Aftercare has no
    per-code sentiment or confidence), so a 100k-response job allocates 100k of them, not 180k."""


class CodingMerger:
    """Accumulates the validated pages of one completed coding job into one tree per question."""

    def __init__(self) -> None:
        self._questions: dict[str, _QuestionAcc] = {}

    def add_page(self, question_codes: list[QuestionCodeData]) -> None:
        for question in question_codes:
            qid = question["questionIdentifier"]
            acc = self._questions.get(qid)
            if acc is None:
                acc = self._questions[qid] = _QuestionAcc(text=question["question"])
            for code in question["responseCodes"]:
                self._merge(acc, code, acc.roots)

    def _merge(self, acc: _QuestionAcc, code: ResponseCode, siblings: list[CodeNode]) -> None:
        code_id = str(code["id"])
        node = acc.nodes.get(code_id)
        if node is None:
            node = CodeNode(code_id=code_id, label=code["label"], bucket=classify_bucket(code["label"]))
            acc.nodes[code_id] = node
            siblings.append(node)
        entries = code["responses"]
        if entries:
            # Comprehensions and dict.update keep the per-response work in C: this loop runs for
            # every response of every page (~180,000 entries for a 100,000-response job).
            shared = acc.assignments
            rids = [entry["responseIdentifier"] for entry in entries]
            new = [(r, e["answer"]) for r, e in zip(rids, entries, strict=True) if r not in shared]
            if new:
                acc.responses.update(new)
                shared.update((rid, Assignment(answer)) for rid, answer in new)
            node.assignments.update(zip(rids, map(shared.__getitem__, rids), strict=True))
        for sub in code["subCodes"]:
            self._merge(acc, sub, node.children)

    def questions(self) -> list[QuestionCoding]:
        return [
            QuestionCoding(
                question_id=qid,
                question_text=acc.text,
                codes=acc.roots,
                responses=acc.responses,
                uncoded_reported=False,
            )
            for qid, acc in self._questions.items()
        ]


def coding_results(
    *, job_id: str, survey: str | None, completed_at, merger: CodingMerger, failure: JobError | None = None
) -> CodingResults:
    return CodingResults(
        job_id=job_id,
        provider="aftercare",
        kind="coding",
        survey=survey,
        completed_at=completed_at,
        questions=merger.questions(),
        failure=failure,
    )


def respondent_quality(item: RespondentEvaluation, position: int) -> RespondentQuality:
    """Map one respondent; a missing ``responseIdentifier`` gets a positional handle."""
    answers = [
        AnswerEvaluation(
            question=ev.surveyEntry.question,
            question_id=ev.surveyEntry.questionIdentifier,
            answer=ev.surveyEntry.answer,
            demerit=ev.demeritScore,
            num_issues=ev.numIssues,
            checks=[
                IssueCheck(
                    issue_type=canonical_issue_type(check.type),
                    upstream_type=check.type,
                    score=check.score,
                    is_issue=check.isIssue,
                    evidence=check.evidence,
                )
                for check in ev.qualityIssueChecks
            ],
        )
        for ev in item.evaluations
    ]
    return RespondentQuality(
        respondent_id=item.responseIdentifier or f"#{position}",
        demerit=item.demeritScore,
        quality=item.qualityScore,
        num_issues=item.numIssues,
        answers=answers,
    )
