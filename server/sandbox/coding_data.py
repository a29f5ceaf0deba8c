"""Aftercare coding results: a job's code trees flattened into pageable response entries.

Upstream pages may split one question's tree, so the sandbox does too: the job is a flat list of
``(question, code, answer)`` items in tree pre-order; a page is a slice of that list rebuilt into a
partial tree (ancestor codes included, possibly with ``responses: []``). Rendering the whole list
gives the full body, so merging every page by question and code id reproduces it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .answers import Answer, CodeTree

Item = tuple[int, int, int]
"""(question index, code id, answer index within that question)."""


@dataclass(slots=True)
class CodedQuestion:
    qid: str
    text: str
    tree: CodeTree
    answers: list[Answer]


@dataclass(slots=True)
class CodingData:
    """All of one coding job's placements, ready to render whole or by slices."""

    questions: list[CodedQuestion]
    items: list[Item] = field(default_factory=list)
    _paths: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, questions: list[CodedQuestion], *, also_at_parent: bool) -> CodingData:
        """Place every answer; with ``also_at_parent`` answers in codes whose id is divisible by 3
        are listed at the parent code too (as in the published example)."""
        data = cls(questions)
        for qi, q in enumerate(questions):
            at: dict[int, list[int]] = {}
            for ai, (_rid, _text, codes, _fu) in enumerate(q.answers):
                for c in codes:
                    at.setdefault(c, []).append(ai)
                    parent = q.tree.parent[c]
                    if also_at_parent and parent is not None and c % 3 == 0:
                        at.setdefault(parent, []).append(ai)
            for c in q.tree.preorder:
                for ai in sorted(set(at.get(c, ()))):
                    data.items.append((qi, c, ai))
        return data

    @property
    def response_count(self) -> int:
        return sum(len(q.answers) for q in self.questions)

    def render(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """``questionCodes`` for items[start:stop] (the whole job by default)."""
        out: list[dict[str, Any]] = []
        seen: dict[int, tuple[dict[str, Any], dict[int, dict[str, Any]]]] = {}
        for qi, cid, ai in self.items[start:stop]:
            q = self.questions[qi]
            entry = seen.get(qi)
            if entry is None:
                qbody: dict[str, Any] = {"questionIdentifier": q.qid, "question": q.text, "responseCodes": []}
                entry = (qbody, {})
                seen[qi] = entry
                out.append(qbody)
            qbody, nodes = entry
            node = nodes.get(cid)
            if node is None:
                path = self._paths.get((qi, cid))
                if path is None:
                    path = self._paths[(qi, cid)] = q.tree.path(cid)
                siblings = qbody["responseCodes"]
                for pid in path:
                    node = nodes.get(pid)
                    if node is None:
                        node = {"id": pid, "label": q.tree.labels[pid], "responses": [], "subCodes": []}
                        nodes[pid] = node
                        siblings.append(node)
                    siblings = node["subCodes"]
            rid, text, _codes, followup = q.answers[ai]
            resp: dict[str, Any] = {"responseIdentifier": rid, "answer": text}
            if followup:
                resp["followupResponses"] = [{"question": fq, "answer": fa} for fq, fa in followup]
            node["responses"].append(resp)  # type: ignore[index]
        return out
