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
from itertools import filterfalse
from operator import attrgetter, itemgetter
from typing import Any

from survey_jobs_mcp.tools.buckets import classify_bucket
from survey_jobs_mcp.tools.models import (
    AnswerEvaluation,
    CodeNode,
    CodingResults,
    IssueCheck,
    IssueType,
    JobError,
    QuestionCoding,
    RespondentQuality,
)
from survey_jobs_mcp.tools.respondents import PlainAssignments, Respondents, first_occurrences

from .wire import QuestionCodeData, RespondentEvaluation, ResponseCode, WireCode, WireQuestion

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


_rid_of = itemgetter("responseIdentifier")
_answer_of = itemgetter("answer")
_wire_rid_of = attrgetter("responseIdentifier")
_wire_answer_of = attrgetter("answer")


@dataclass(slots=True)
class _QuestionAcc:
    text: str
    roots: list[CodeNode] = field(default_factory=list)
    nodes: dict[str, CodeNode] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    """Respondent id -> its position (the order respondents were first listed); kept by the
    responses as their id table."""
    respondents: Respondents = field(init=False)
    """The question's responses: ``positions`` and the answers in that order."""
    repeats: set[str] = field(default_factory=set)
    """Codes that may list a respondent twice (re-listed known ones): checked once, at the end."""

    def __post_init__(self) -> None:
        self.respondents = Respondents(lookup=self.positions)

    def node(self, code_id: str, label: str, siblings: list[CodeNode]) -> CodeNode:
        node = self.nodes.get(code_id)
        if node is None:
            node = CodeNode(
                code_id=code_id,
                label=label,
                assignments=PlainAssignments(self.respondents),
                bucket=classify_bucket(label),
            )
            self.nodes[code_id] = node
            siblings.append(node)
        return node

    def place(self, node: CodeNode, rids: list[str], entries: list[Any], answer_of: Any) -> None:
        """Put ``entries`` (whose ids are ``rids``) in ``node``; a respondent's first answer wins.

        Only C-level maps and list/array/dict updates: this runs for every response of every page
        (~180,000 placements for a 100,000-response job). A list is usually all new respondents
        (their first code) or all known ones (the same answers listed again at a parent code).
        Within one list a repeated respondent keeps the list's last answer, as a dict update would.
        """
        placed = node.assignments.positions  # type: ignore[attr-defined]
        positions = self.positions
        known = list(map(positions.get, rids))
        if None not in known:
            placed.extend(known)
            self.repeats.add(node.code_id)
            return
        start = len(positions)
        texts = self.respondents.texts
        if known.count(None) == len(known):
            positions.update(zip(rids, range(start, start + len(rids)), strict=True))
            if len(positions) - start == len(rids):  # no respondent twice in the list: the usual case
                texts.extend(map(answer_of, entries))
                placed.extend(range(start, len(positions)))
                return
            missing = list(dict.fromkeys(rids))
        else:
            missing = list(dict.fromkeys(filterfalse(positions.__contains__, rids)))
        by_rid = dict(zip(rids, map(answer_of, entries), strict=True))
        positions.update(zip(missing, range(start, start + len(missing)), strict=True))
        texts.extend(map(by_rid.__getitem__, missing))
        placed.extend(map(positions.__getitem__, rids))
        self.repeats.add(node.code_id)

    def finish(self) -> None:
        """Each code lists a respondent once, where it was first placed (idempotent)."""
        for code_id in self.repeats:
            assigned = self.nodes[code_id].assignments
            assigned.positions = first_occurrences(assigned.positions)  # type: ignore[attr-defined]
        self.repeats.clear()


class CodingMerger:
    """Accumulates the validated pages of one completed coding job into one tree per question.

    Pages come either as plain dicts checked by ``BATCH_CODING_SUCCESS`` (``add_page``) or as the
    structs of ``decode_coding_page`` (``add_decoded``); both may be mixed within one job.
    """

    def __init__(self) -> None:
        self._questions: dict[str, _QuestionAcc] = {}

    def _question(self, qid: str, text: str) -> _QuestionAcc:
        acc = self._questions.get(qid)
        if acc is None:
            acc = self._questions[qid] = _QuestionAcc(text=text)
        return acc

    def add_page(self, question_codes: list[QuestionCodeData]) -> None:
        for question in question_codes:
            acc = self._question(question["questionIdentifier"], question["question"])
            for code in question["responseCodes"]:
                self._merge(acc, code, acc.roots)

    def _merge(self, acc: _QuestionAcc, code: ResponseCode, siblings: list[CodeNode]) -> None:
        node = acc.node(str(code["id"]), code["label"], siblings)
        entries = code["responses"]
        if entries:
            acc.place(node, list(map(_rid_of, entries)), entries, _answer_of)
        for sub in code["subCodes"]:
            self._merge(acc, sub, node.children)

    def add_decoded(self, question_codes: list[WireQuestion]) -> None:
        for question in question_codes:
            acc = self._question(question.questionIdentifier, question.question)
            for code in question.responseCodes:
                self._merge_decoded(acc, code, acc.roots)

    def _merge_decoded(self, acc: _QuestionAcc, code: WireCode, siblings: list[CodeNode]) -> None:
        node = acc.node(str(code.id), code.label, siblings)
        entries = code.responses
        if entries:
            acc.place(node, list(map(_wire_rid_of, entries)), entries, _wire_answer_of)
        for sub in code.subCodes:
            self._merge_decoded(acc, sub, node.children)

    def response_count(self) -> int:
        """Distinct (question, respondent) answers merged so far (progress: "responses read")."""
        return sum(len(acc.respondents) for acc in self._questions.values())

    def questions(self) -> list[QuestionCoding]:
        for acc in self._questions.values():
            acc.finish()
        return [
            QuestionCoding(
                question_id=qid,
                question_text=acc.text,
                codes=acc.roots,
                responses=acc.respondents,
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
