"""SurveyCoder wire bodies -> provider-neutral domain objects (pure functions, no I/O).

A SurveyCoder coding job codes exactly one question, so the domain has one ``QuestionCoding``
whose handle is ``Q1`` (the upstream question uuid is internal and never a handle for our tools).
Categories act as nets: each category becomes a parent node whose children are its codes, so the
summariser counts a net's distinct respondents like any other parent. Every response is listed in
``results`` with its codes, including those with no code, so the uncoded count is exact.
"""

from __future__ import annotations

from survey_jobs_mcp.tools.buckets import classify_bucket
from survey_jobs_mcp.tools.models import (
    Assignment,
    Codebook,
    CodebookCategory,
    CodebookCode,
    CodeNode,
    CodingResults,
    JobError,
    JobKind,
    QuestionCoding,
)

from .wire import CodebookResult, CodingResult

SURVEYCODER_QUESTION_ID = "Q1"


def _category_key(category_id: str | None, category: str) -> str:
    return f"cat:{category_id or category}"


def coding_results(
    *,
    job_id: str,
    kind: JobKind,
    completed_at,
    result: CodingResult,
    failure: JobError | None = None,
) -> CodingResults:
    roots: list[CodeNode] = []
    categories: dict[str, CodeNode] = {}
    codes_by_id: dict[str, CodeNode] = {}
    codes_by_name: dict[str, CodeNode] = {}

    def category_node(category_id: str | None, category: str) -> CodeNode:
        key = _category_key(category_id, category)
        node = categories.get(key)
        if node is None:
            node = categories[key] = CodeNode(code_id=key, label=category, bucket=classify_bucket(category))
            roots.append(node)
        return node

    def code_node(code_id: str | None, name: str, category: str | None, category_id: str | None) -> CodeNode:
        node = codes_by_id.get(code_id) if code_id else None
        if node is None:
            node = codes_by_name.get(name)
        if node is None:
            node = CodeNode(code_id=code_id or f"name:{name}", label=name, bucket=classify_bucket(name))
            (category_node(category_id, category).children if category else roots).append(node)
            codes_by_id[node.code_id] = node
            codes_by_name.setdefault(name, node)
        return node

    for entry in result.codebook:
        code_node(entry.id, entry.name, entry.category, entry.category_id)

    responses: dict[str, str] = {}
    has_sentiment = has_confidence = False
    for item in result.results:
        text = item.text or ""
        responses.setdefault(item.id, text)
        for applied in item.codes:
            node = code_node(applied.code_id, applied.name, applied.category, None)
            if item.id not in node.assignments:
                node.assignments[item.id] = Assignment(
                    text=text, sentiment=applied.sentiment, confidence=applied.confidence
                )
            has_sentiment = has_sentiment or applied.sentiment is not None
            has_confidence = has_confidence or applied.confidence is not None

    question = QuestionCoding(
        question_id=SURVEYCODER_QUESTION_ID,
        question_text=result.question_text or "(question text not provided)",
        codes=roots,
        responses=responses,
        uncoded_reported=True,
    )
    return CodingResults(
        job_id=job_id,
        provider="surveycoder",
        kind=kind,
        survey=None,
        completed_at=completed_at,
        questions=[question],
        failure=failure,
        has_sentiment=has_sentiment,
        has_confidence=has_confidence,
    )


def codebook(*, job_id: str, kind: JobKind, completed_at, result: CodebookResult) -> Codebook:
    """A generated codebook: categories in first-seen order, codes in the provider's order.

    Category handles are the ``cat:…`` keys the coded results of the same provider use, so a
    category looks the same in a codebook and in a coding summary.
    """
    categories: dict[str | None, CodebookCategory] = {}
    for entry in result.codebook:
        key = _category_key(entry.category_id, entry.category) if entry.category else None
        category = categories.get(key)
        if category is None:
            category = categories[key] = CodebookCategory(category_id=key, label=entry.category, codes=[])
        category.codes.append(
            CodebookCode(
                code_id=entry.id, name=entry.name, definition=entry.definition, sentiment=entry.sentiment
            )
        )
    ordered = [c for k, c in categories.items() if k is not None]
    if None in categories:
        ordered.append(categories[None])
    return Codebook(
        job_id=job_id,
        provider="surveycoder",
        kind=kind,
        completed_at=completed_at,
        question_text=result.question_text,
        categories=ordered,
    )
