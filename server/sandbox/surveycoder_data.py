"""SurveyCoder ``CodingResult`` bodies (one_call / auto_coding) and codebook-generation results.

The codebook is flat with a one-level net (``category``): SurveyCoder has no deeper trees. Leaves
of the shared code tree become codes, their top-level ancestor becomes the category; answers that
fell in the "No qualifying code" bucket come back with ``codes: []`` (uncoded).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from .answers import Answer, CodeTree

_SENTIMENT = {"pos": "positive", "neg": "negative"}


def det_uuid(rng: random.Random) -> str:
    """A UUID4-shaped id drawn from ``rng`` (deterministic per seed)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _codebook(tree: CodeTree, tone: str, rng: random.Random) -> tuple[list[dict[str, Any]], dict[int, dict]]:
    category_ids = {top: det_uuid(rng) for top in tree.children[None]}
    book: list[dict[str, Any]] = []
    by_code: dict[int, dict[str, Any]] = {}
    for cid in tree.preorder:
        if tree.children.get(cid) or cid == tree.uncoded:
            continue  # nets are categories; uncoded answers get no code
        top = tree.top_of(cid)
        bucket = cid in (tree.other, tree.gibberish)
        category = "Other" if bucket else tree.labels[top]
        label = tree.labels[cid]
        entry = {
            "id": det_uuid(rng),
            "name": label,
            "definition": f"Mentions of {label.lower()}" + ("" if bucket else f" ({category.lower()})"),
            "category": category,
            "category_id": category_ids[top],
            "sentiment": "neutral" if bucket else _SENTIMENT.get(tone, "neutral"),
            "count": 0,
        }
        book.append(entry)
        by_code[cid] = entry
    return book, by_code


def coding_result(
    tree: CodeTree, tone: str, question_text: str, answers: list[Answer], seed: str
) -> dict[str, Any]:
    """A full ``CodingResult`` for ``answers`` (mention order = the answer's code order)."""
    rng = random.Random(seed)
    project_id, question_id = det_uuid(rng), det_uuid(rng)
    book, by_code = _codebook(tree, tone, rng)
    results: list[dict[str, Any]] = []
    coded = 0
    for rid, text, codes, _fu in answers:
        applied = []
        for cid in codes:
            entry = by_code.get(cid)
            if entry is None:  # a net or the uncoded bucket: map a net hit to its first leaf
                kids = tree.children.get(cid)
                if not kids:
                    continue
                entry = by_code[_first_leaf(tree, cid)]
            if any(a["code_id"] == entry["id"] for a in applied):
                continue
            entry["count"] += 1
            sentiment = entry["sentiment"] if rng.random() > 0.08 else "mixed"
            applied.append(
                {
                    "code_id": entry["id"],
                    "name": entry["name"],
                    "category": entry["category"],
                    "sentiment": sentiment,
                    "confidence": round(0.55 + rng.random() * 0.44, 2),
                }
            )
        coded += bool(applied)
        results.append({"id": rid, "text": text, "codes": applied})
    return {
        "project_id": project_id,
        "question_id": question_id,
        "question_text": question_text,
        "codebook": book,
        "results": results,
        "stats": {"total_responses": len(results), "coded": coded},
    }


def codebook_result(tree: CodeTree, tone: str, seed: str) -> dict[str, Any]:
    """Result of a ``codebook_generation`` job: ids plus the codebook (counts are 0: nothing coded)."""
    rng = random.Random(seed)
    project_id, question_id = det_uuid(rng), det_uuid(rng)
    book, _ = _codebook(tree, tone, rng)
    for entry in book:
        del entry["count"]
    return {"project_id": project_id, "question_id": question_id, "codebook": book}


def _first_leaf(tree: CodeTree, cid: int) -> int:
    while tree.children.get(cid):
        cid = tree.children[cid][0]
    return cid
