"""A tiny deterministic keyword coder for jobs created through the sandbox's POST endpoints.

Real providers run LLM pipelines; the sandbox only needs stable, explainable codes so that a job
created in a test completes with results the test can predict.
"""

from __future__ import annotations

from . import vocab
from .answers import Answer, CodeTree, build_tree

# label -> keywords; leaves listed under their parent. A match on a parent keyword only places the
# answer at the parent.
KEYWORD_TREE: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        "Service",
        ("service", "support"),
        (
            ("Staff", ("staff", "agent", "representative", "helpful", "friendly")),
            ("Speed of service", ("quick", "fast", "slow", "wait")),
        ),
    ),
    (
        "Delivery",
        ("deliver", "shipping", "courier"),
        (
            ("Packaging", ("package", "packaging", "box")),
            ("Delivery time", ("late", "on time", "arrive")),
        ),
    ),
    ("Price", ("price", "cost", "expensive", "cheap", "fee"), ()),
    ("Product quality", ("quality", "broke", "durable", "works"), ()),
    ("Website and app", ("app", "website", "site", "online", "login"), ()),
)

_QUESTION = vocab.QuestionDef(
    "KW",
    "keyword coder",
    "pos",
    tuple((label, tuple((kid, ()) for kid, _ in kids)) for label, _kw, kids in KEYWORD_TREE),
)
_GIBBERISH_HINTS = ("asdf", "qwerty", "hhhh", "lorem")


def keyword_tree() -> CodeTree:
    """The coder's code tree (with Other / Gibberish / No qualifying code buckets)."""
    return build_tree(_QUESTION)


def code_text(tree: CodeTree, text: str) -> tuple[int, ...]:
    """Code ids for ``text``: matching leaves, else a matching parent, else a bucket."""
    low = text.lower()
    codes: list[int] = []
    for n, (_label, kws, kids) in enumerate(KEYWORD_TREE, start=1):
        leaf_hits = [
            n * 10 + k for k, (_kid, kid_kws) in enumerate(kids, start=1) if any(w in low for w in kid_kws)
        ]
        if leaf_hits:
            codes.extend(leaf_hits)
        elif any(w in low for w in kws):
            codes.append(n)
    if codes:
        return tuple(codes)
    stripped = low.strip(" .!?-")
    if not stripped or stripped in vocab.NO_ANSWER:
        return (tree.uncoded,)
    if any(h in low for h in _GIBBERISH_HINTS):
        return (tree.gibberish,)
    return (tree.other,)


def code_answers(tree: CodeTree, pairs: list[tuple[str, str]]) -> list[Answer]:
    """Keyword-code ``(respondent id, text)`` pairs into answer tuples."""
    return [(rid, text, code_text(tree, text), None) for rid, text in pairs]
