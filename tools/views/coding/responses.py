"""A code's responses in page order, built once per code and cheap to slice.

A large code holds tens of thousands of respondents and a page shows a few dozen, so the list keeps
only what sorting needs (the respondent ids) and looks up the text of the rows a page shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload


class ResponsePage(Sequence[tuple[str, str]]):
    """Every respondent of a code's subtree once, sorted by id, as ``(respondent id, text)``.

    The text is the one the respondent was coded with at the first code that lists them, breadth
    first from the code (``assignments``: the codes' assignment maps in that order), else their
    answer from the question's responses, else ``""``.
    """

    __slots__ = ("_assignments", "_ids", "_responses")

    def __init__(
        self, ids: list[str], assignments: Sequence[Mapping[str, Any]], responses: Mapping[str, str]
    ) -> None:
        self._ids = ids
        self._assignments = assignments
        self._responses = responses

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, i: int) -> tuple[str, str]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, str]]: ...
    def __getitem__(self, i: int | slice) -> tuple[str, str] | list[tuple[str, str]]:
        if isinstance(i, slice):
            return [self._row(rid) for rid in self._ids[i]]
        return self._row(self._ids[i])

    def _row(self, rid: str) -> tuple[str, str]:
        text = None
        for assigned in self._assignments:
            a = assigned.get(rid)
            if a is not None:
                text = a.text
                break
        return rid, text if text else self._responses.get(rid, "")
