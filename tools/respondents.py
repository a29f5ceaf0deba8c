"""A question's responses as two lists, and plain assignments as positions in them.

Why: a 100,000-response Aftercare job kept as dicts (respondent id -> answer, and per code
respondent id -> one ``Assignment`` object per placement) cost ~14 MB of Python objects besides its
strings, and building those dicts was most of the merge's CPU (inserting 100,000 freshly decoded
ids into a dict misses the cache on every one). Here a question keeps its respondents numbered in
the order the provider first listed them (``Respondents``: two lists, ids and answers), and a code
whose assignments are plain (no sentiment, no confidence, coded with the respondent's own answer:
all of Aftercare) keeps only the positions of its respondents, 4 bytes each (``PlainAssignments``).
The index counts with those positions directly (``tools/views/coding/bitsets.py``) and the result
cache stores them as they are.

Both are ``Mapping``s, so code written for the dict shapes keeps working. They are built for
iteration: lookups by id scan (or build a lookup table after a few), and iterating a
``PlainAssignments``' ``items()``/``values()`` builds each ``Assignment`` on the fly, so a hot path
should use ``assigned_texts`` instead.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Collection, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from itertools import accumulate, compress

from .models import Assignment

POSITION_TYPE = "I"
"""``array`` type of a position (unsigned 32-bit on every supported platform)."""


class Respondents(Mapping[str, str]):
    """A question's responses: respondent ``ids[i]`` answered ``texts[i]`` (ids are distinct).

    A ``Mapping`` respondent id -> answer in position order. Built from the two lists (the result
    cache, cleaning), or by the coding merger from its id -> position table, whose keys in order are
    the ids (the id list is then made on first use: reading and counting never need it). The merger
    adds to the table and the answers while it reads pages, never changing an entry; after that
    both are read-only.
    """

    __slots__ = ("_by_lookup", "_ids", "_lookup", "texts")

    def __init__(
        self,
        ids: list[str] | None = None,
        texts: list[str] | None = None,
        *,
        lookup: dict[str, int] | None = None,
    ) -> None:
        self.texts: list[str] = [] if texts is None else texts
        self._by_lookup = lookup is not None  # the ids are the table's keys (the merger's)
        self._ids: list[str] | None = None if self._by_lookup else ([] if ids is None else ids)
        self._lookup = lookup

    @property
    def ids(self) -> list[str]:
        """Respondent id by position (cached; do not modify)."""
        if self._by_lookup and (self._ids is None or len(self._ids) != len(self._lookup)):  # type: ignore[arg-type]
            self._ids = list(self._lookup)  # type: ignore[arg-type]
        return self._ids  # type: ignore[return-value]

    def position(self, rid: object) -> int | None:
        """Where ``rid`` is (None if absent). Without the merger's table, the id -> position table
        (~70 bytes a respondent) is built on the first lookup by id (from drill-downs)."""
        lookup = self._lookup
        if not self._by_lookup and (lookup is None or len(lookup) != len(self._ids)):  # type: ignore[arg-type]
            ids = self.ids
            lookup = self._lookup = dict(zip(ids, range(len(ids)), strict=True))
        return lookup.get(rid)  # type: ignore[union-attr, call-overload]

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __contains__(self, rid: object) -> bool:
        return self.position(rid) is not None

    def __getitem__(self, rid: str) -> str:
        p = self.position(rid)
        if p is None:
            raise KeyError(rid)
        return self.texts[p]

    def keys(self) -> KeysView[str]:
        return _Keys(self)

    def values(self) -> ValuesView[str]:
        return _Values(self)

    def items(self) -> ItemsView[str, str]:
        return _Items(self)

    def __repr__(self) -> str:
        return f"Respondents({len(self.texts)} responses)"

    def without(self, drop: Collection[str]) -> Renumbered | None:
        """These responses less the ids in ``drop``, renumbered; None when none of them is dropped."""
        gone = list(map(drop.__contains__, self.ids))
        if not any(gone):
            return None
        kept = bytes(map(operator.not_, gone))
        new = Respondents(list(compress(self.ids, kept)), list(compress(self.texts, kept)))
        return Renumbered(new, kept, list(accumulate(kept, initial=-1))[1:])


@dataclass(frozen=True, slots=True)
class Renumbered:
    """``Respondents.without``: the kept responses, and old position -> kept? / new position."""

    respondents: Respondents
    kept: bytes
    new_position: list[int]

    def assignments(self, old: PlainAssignments) -> PlainAssignments:
        """``old`` without the dropped respondents, as positions in the renumbered responses."""
        positions = old.positions
        return PlainAssignments(
            self.respondents,
            compress(map(self.new_position.__getitem__, positions), map(self.kept.__getitem__, positions)),
        )


class _Keys(KeysView[str]):
    _mapping: Respondents

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping.ids)


class _Values(ValuesView[str]):
    _mapping: Respondents

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping.texts)


class _Items(ItemsView[str, str]):
    _mapping: Respondents

    def __iter__(self) -> Iterator[tuple[str, str]]:
        m = self._mapping
        return zip(m.ids, m.texts, strict=True)


class PlainAssignments(Mapping[str, Assignment]):
    """The respondents placed directly in one code, as positions in their question's ``Respondents``.

    Every assignment is plain: its text is the respondent's answer, with no sentiment and no
    confidence. Positions are distinct and in the order the respondents were placed (the dict
    shape's insertion order), which is the order examples are taken in.
    """

    __slots__ = ("_mask", "positions", "respondents")

    def __init__(self, respondents: Respondents, positions: Iterable[int] = ()) -> None:
        self.respondents = respondents
        self.positions = array(POSITION_TYPE, positions)
        self._mask: bytearray | None = None

    def __len__(self) -> int:
        return len(self.positions)

    def __iter__(self) -> Iterator[str]:
        return map(self.respondents.ids.__getitem__, self.positions)

    def _position(self, rid: object) -> int | None:
        """The respondent's position if it is placed here. Lookups by id come from drill-downs (a
        page's rows), so the first one marks this code's positions, a byte per respondent."""
        p = self.respondents.position(rid)
        if p is None:
            return None
        mask = self._mask
        if mask is None or len(mask) != len(self.respondents):
            mask = self._mask = bytearray(len(self.respondents))
            for q in self.positions:
                mask[q] = 1
        return p if mask[p] else None

    def __contains__(self, rid: object) -> bool:
        return self._position(rid) is not None

    def __getitem__(self, rid: str) -> Assignment:
        p = self._position(rid)
        if p is None:
            raise KeyError(rid)
        return Assignment(self.respondents.texts[p])

    def texts(self) -> Iterator[str]:
        """Each placed respondent's answer, in placement order (no ``Assignment`` built)."""
        return map(self.respondents.texts.__getitem__, self.positions)

    def pairs(self) -> Iterator[tuple[str, str]]:
        """(respondent id, answer) in placement order (no ``Assignment`` built)."""
        return zip(iter(self), self.texts(), strict=True)

    def items(self) -> ItemsView[str, Assignment]:
        return _PlainItems(self)

    def values(self) -> ValuesView[Assignment]:
        return _PlainValues(self)

    def __repr__(self) -> str:
        return f"PlainAssignments({len(self.positions)} respondents)"


class _PlainItems(ItemsView[str, Assignment]):
    _mapping: PlainAssignments

    def __iter__(self) -> Iterator[tuple[str, Assignment]]:
        m = self._mapping
        return zip(iter(m), map(Assignment, m.texts()), strict=True)


class _PlainValues(ValuesView[Assignment]):
    _mapping: PlainAssignments

    def __iter__(self) -> Iterator[Assignment]:
        return map(Assignment, self._mapping.texts())


def first_occurrences(positions: array) -> array:
    """``positions`` with each position kept once, where it first occurs (the same array if none
    repeats). A byte per position up to the largest: far less than a ``set`` of int objects."""
    if not positions:
        return positions
    seen = bytearray(max(positions) + 1)
    for p in positions:
        if seen[p]:
            break
        seen[p] = 1
    else:
        return positions
    seen = bytearray(len(seen))
    out = array(POSITION_TYPE)
    for p in positions:
        if not seen[p]:
            seen[p] = 1
            out.append(p)
    return out


def assigned_texts(assignments: Mapping[str, Assignment]) -> Iterator[tuple[str, str]]:
    """(respondent id, the text it was coded with) for every assignment, in order; for plain
    assignments without building an ``Assignment`` each (C-level maps only)."""
    if isinstance(assignments, PlainAssignments):
        return assignments.pairs()
    return ((rid, a.text) for rid, a in assignments.items())


def is_judged(assignments: Mapping[str, Assignment]) -> bool:
    """Whether any assignment may carry a sentiment or a confidence (plain ones never do)."""
    return not isinstance(assignments, PlainAssignments) and len(assignments) > 0
