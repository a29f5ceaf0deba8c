"""Code trees with ids, and deterministic synthetic answers already assigned to codes.

Shared by the Aftercare coding bodies and the SurveyCoder results, so both providers describe the
same kind of survey data. Answers are plain tuples built from string templates: 100,000 of them
take well under a second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import vocab

Answer = tuple[str, str, tuple[int, ...], tuple[tuple[str, str], ...] | None]
"""(respondent id, answer text, code ids the answer is placed in, follow-up (question, answer) pairs)."""


@dataclass(slots=True)
class CodeTree:
    """One question's code tree: ids are parent*10+n (top level 1..9)."""

    labels: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)
    preorder: list[int] = field(default_factory=list)
    leaves_by_top: dict[int, list[int]] = field(default_factory=dict)
    other: int = 0
    uncoded: int = 0
    gibberish: int = 0

    def path(self, code_id: int) -> tuple[int, ...]:
        """Ids from the root down to ``code_id``."""
        out = [code_id]
        p = self.parent[code_id]
        while p is not None:
            out.append(p)
            p = self.parent[p]
        return tuple(reversed(out))

    def top_of(self, code_id: int) -> int:
        return self.path(code_id)[0]


def build_tree(question: vocab.QuestionDef) -> CodeTree:
    """Assign ids to a question's tree and append the Other / Uncoded / Gibberish buckets."""
    tree = CodeTree()
    nodes = (*question.tree, (vocab.OTHER_LABEL, ()), (vocab.GIBBERISH_LABEL, ()), (vocab.UNCODED_LABEL, ()))
    if len(nodes) > 9:
        raise ValueError("at most 9 top-level codes (ids are parent*10+n)")

    def add(label: str, kids: tuple, code_id: int, parent: int | None, top: int) -> None:
        tree.labels[code_id] = label
        tree.parent[code_id] = parent
        tree.children.setdefault(parent, []).append(code_id)
        tree.preorder.append(code_id)
        if not kids:
            tree.leaves_by_top.setdefault(top, []).append(code_id)
        for n, (kid_label, grandkids) in enumerate(kids, start=1):
            add(kid_label, grandkids, code_id * 10 + n, code_id, top)

    for n, (label, kids) in enumerate(nodes, start=1):
        add(label, kids, n, None, n)
    tree.other, tree.gibberish, tree.uncoded = len(nodes) - 2, len(nodes) - 1, len(nodes)
    for bucket in (tree.other, tree.gibberish, tree.uncoded):
        tree.leaves_by_top.pop(bucket, None)
    return tree


def _phrase(rng: random.Random, label: str, tone: str) -> str:
    templates = vocab.POS_TEMPLATES if tone == "pos" else vocab.NEG_TEMPLATES
    return rng.choice(templates).format(l=label[0].lower() + label[1:])


def generate_answers(
    question: vocab.QuestionDef,
    tree: CodeTree,
    respondent_ids: list[str],
    seed: str,
    *,
    long_answers: bool = False,
    huge_answer: bool = False,
    skip_rate: float = 0.08,
) -> list[Answer]:
    """Deterministic answers for ``respondent_ids`` (some skip the question), each placed in codes.

    Mix: ~6% uncoded, ~3% gibberish, ~5% other, the rest coded to 1-3 leaves in distinct branches;
    a few carry Unicode, emoji, hostile strings or follow-ups; ``long_answers`` adds answers over
    5 KB and ``huge_answer`` one of about 100 KB.
    """
    rng = random.Random(seed)
    tops = list(tree.leaves_by_top)
    out: list[Answer] = []
    rand = rng.random
    for i, rid in enumerate(respondent_ids):
        if rand() < skip_rate:
            continue
        r = rand()
        if r < 0.06:
            text, codes = rng.choice(vocab.NO_ANSWER), (tree.uncoded,)
        elif r < 0.09:
            text, codes = rng.choice(vocab.GIBBERISH), (tree.gibberish,)
        elif r < 0.14:
            text, codes = rng.choice(vocab.OTHER_TEXTS), (tree.other,)
        else:
            k = 1 if r < 0.70 else (2 if r < 0.92 else 3)
            chosen = [rng.choice(tree.leaves_by_top[t]) for t in rng.sample(tops, min(k, len(tops)))]
            parts = [_phrase(rng, tree.labels[c], question.tone) for c in chosen]
            text = (
                rng.choice(vocab.OPENERS)
                + rng.choice(vocab.CONNECTORS).join(parts)
                + rng.choice(vocab.CLOSERS)
            )
            text = text[0].upper() + text[1:]
            codes = tuple(chosen)
        extra = rand()
        if extra < 0.03:
            text += rng.choice(vocab.HOSTILE)
        elif extra < 0.06:
            text += rng.choice(vocab.UNICODE_BITS)
        if long_answers:  # the flagship job carries every hostile and Unicode sample at least once
            k = len(out) - 100
            if 0 <= k < 3 * len(vocab.HOSTILE) and k % 3 == 0:
                text += vocab.HOSTILE[k // 3]
            k -= 3 * len(vocab.HOSTILE)
            if 0 <= k < 2 * len(vocab.UNICODE_BITS) and k % 2 == 0:
                text += vocab.UNICODE_BITS[k // 2]
        if long_answers and i in (5, 40):
            text += " " + vocab.LONG_SENTENCE * (60 + i)
        if huge_answer and i == 17:
            text += " " + vocab.LONG_SENTENCE * 620
        followup = None
        if rand() < 0.05:
            followup = ((rng.choice(vocab.FOLLOWUP_QUESTIONS), rng.choice(vocab.FOLLOWUP_ANSWERS)),)
        out.append((rid, text, codes, followup))
    return out


def respondent_ids(n: int, prefix: str = "R") -> list[str]:
    """Stable respondent ids R00001, R00002, ..."""
    return [f"{prefix}{i:05d}" for i in range(1, n + 1)]
