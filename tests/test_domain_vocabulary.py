"""``tools/`` speaks only the domain: no upstream vocabulary as a string literal in its code.

Provider names, provider status strings and provider issue names belong to the provider side
(``server/providers/``); what the views need to know about a provider reaches them as domain data
(``ProviderProfile``, ``Job.provider_label``, ``IssueCheck.upstream_type``). Docstrings and comments
may name providers; code may not branch on, map from or print their words.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"

UPSTREAM_WORDS = {
    # provider names (the domain knows a provider only by its ProviderProfile)
    "aftercare",
    "surveycoder",
    # upstream job statuses that are not ours (ours: queued, running, completed, partially_failed, failed)
    "processing",
    "partialfailure",
    "totalfailure",
    # upstream issue names that are not ours (ours: tools.models.ISSUE_TYPES)
    "repeatedanswers",
    "repeatedanswer",
    "duplicateanswers",
    "duplicateanswer",
    "selfduplicated",
    "sharedduplicated",
}
"""Compared after lower-casing and dropping all but letters and digits ("Self Duplicated" =
"self_duplicated" = "selfduplicated")."""
UPSTREAM_PHRASES = re.compile(
    r"partial_failure|total_failure|self duplicated|repeated answers?|duplicate answers?|shared duplicated",
    re.IGNORECASE,
)
"""Found anywhere inside a literal (an f-string part, a message)."""

ALLOWED = {
    # list_jobs' provider filter enum: the lead decides whether the catalog builds it from the
    # registry. Every entry must still occur (test below), so this list can only shrink.
    ("tools/catalog/list_jobs.py", "aftercare"),
    ("tools/catalog/list_jobs.py", "surveycoder"),
}


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """String statements (module/class/function/attribute docstrings): prose, not code."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = _docstring_nodes(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


def _vocabulary(literal: str) -> str | None:
    """The upstream word or phrase ``literal`` is or contains, else None."""
    word = re.sub(r"[^a-z0-9]", "", literal.lower())
    if word in UPSTREAM_WORDS:
        return word
    found = UPSTREAM_PHRASES.search(literal)
    return found.group(0) if found else None


def _findings() -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for path in sorted(TOOLS.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for line, literal in _literals(path):
            word = _vocabulary(literal)
            if word is not None:
                found.setdefault((rel, word), []).append(line)
    return found


def test_tools_has_no_upstream_vocabulary_literal() -> None:
    offenders = {
        f"{rel}:{lines[0]}: {word!r}"
        for (rel, word), lines in _findings().items()
        if (rel, word) not in ALLOWED
    }
    assert offenders == set(), (
        "tools/ must speak only the domain: move provider names, upstream statuses and issue names to "
        "server/providers/ and give the views what they need as fields of tools.models objects"
    )


def test_allowed_entries_still_occur() -> None:
    found = _findings()
    stale = {entry for entry in ALLOWED if entry not in found}
    assert stale == set(), "these ALLOWED entries no longer occur: remove them from the list"


def test_the_check_catches_each_kind_of_literal() -> None:
    """The scanner itself: a status table, a provider branch, an issue alias, an f-string part."""
    assert _vocabulary("partial_failure") == "partialfailure"
    assert _vocabulary("surveycoder") == "surveycoder"
    assert _vocabulary("Repeated Answers") == "repeatedanswers"
    assert _vocabulary("self-duplicated") == "selfduplicated"
    assert _vocabulary(" (the provider's names such as 'Repeated Answers' work too)") == "Repeated Answers"
    assert _vocabulary("running") is None and _vocabulary("self_duplicate") is None
    assert (
        _vocabulary("Aftercare coding") is None
    )  # prose naming a provider is not a literal of its vocabulary
    tree_code = 'X = {"total_failure": "failed"}\nif p == "aftercare": pass\n"""docstring: aftercare"""\n'
    tree = ast.parse(tree_code)
    prose = _docstring_nodes(tree)
    literals = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in prose
    ]
    assert sorted(w for w in map(_vocabulary, literals) if w) == ["aftercare", "totalfailure"]
