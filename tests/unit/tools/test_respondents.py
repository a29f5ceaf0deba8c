"""``Respondents`` and ``PlainAssignments`` behave exactly like the dicts they replace."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.tools.models import Assignment
from survey_jobs_mcp.tools.respondents import (
    PlainAssignments,
    Respondents,
    assigned_texts,
    first_occurrences,
    is_judged,
)
from survey_jobs_mcp.tools.views.coding import bitsets


def table(n: int = 6) -> Respondents:
    return Respondents([f"r{i}" for i in range(n)], [f"answer {i}" for i in range(n)])


def test_respondents_are_the_mapping_of_their_two_lists() -> None:
    r = table()
    as_dict = {f"r{i}": f"answer {i}" for i in range(6)}
    assert len(r) == 6 and list(r) == list(as_dict) and r == as_dict and as_dict == r
    assert list(r.keys()) == list(as_dict) and list(r.values()) == list(as_dict.values())
    assert list(r.items()) == list(as_dict.items()) and len(r.items()) == 6
    assert ("r2", "answer 2") in r.items() and ("r2", "other") not in r.items()
    assert r["r3"] == "answer 3" and r.get("r9") is None and r.get("r9", "") == ""
    assert "r5" in r and "r6" not in r and 5 not in r
    with pytest.raises(KeyError):
        r["nobody"]


def test_lookups_by_id_build_a_table_once_that_follows_appended_responses() -> None:
    r = table(50)
    assert r._lookup is None  # iterating, counting and caching never look up by id
    assert r.position("r42") == 42 and r.position("r99") is None and r.position(42) is None
    assert r._lookup is not None and len(r._lookup) == 50
    r.ids.append("late")  # the merger appends while pages arrive
    r.texts.append("late answer")
    assert r["late"] == "late answer" and len(r._lookup) == 51


def test_responses_built_from_an_id_table_take_their_ids_from_its_keys() -> None:
    lookup = {"b": 0, "a": 1}
    r = Respondents(texts=["answer b", "answer a"], lookup=lookup)
    assert r._ids is None  # made on first use
    assert list(r) == ["b", "a"] and r == {"b": "answer b", "a": "answer a"} and r.position("a") == 1
    lookup["c"] = 2  # the merger adds respondents as pages arrive
    r.texts.append("answer c")
    assert r.ids == ["b", "a", "c"] and r["c"] == "answer c" and len(r) == 3


def test_plain_assignments_are_the_mapping_of_their_positions() -> None:
    r = table()
    a = PlainAssignments(r, [4, 0, 2])
    expected = {"r4": Assignment("answer 4"), "r0": Assignment("answer 0"), "r2": Assignment("answer 2")}
    assert len(a) == 3 and list(a) == ["r4", "r0", "r2"]  # placement order, not position order
    assert a == expected and expected == a and dict(a.items()) == expected
    assert list(a.values()) == list(expected.values()) and list(a.keys()) == ["r4", "r0", "r2"]
    assert a["r0"] == Assignment("answer 0") and a.get("r1") is None
    assert "r2" in a and "r1" not in a and ("r4", Assignment("answer 4")) in a.items()
    assert list(a.texts()) == ["answer 4", "answer 0", "answer 2"]
    assert (
        list(assigned_texts(a))
        == list(assigned_texts(expected))
        == [
            ("r4", "answer 4"),
            ("r0", "answer 0"),
            ("r2", "answer 2"),
        ]
    )
    assert not is_judged(a) and is_judged(expected) and not is_judged({})
    with pytest.raises(KeyError):
        a["r1"]
    with pytest.raises(KeyError):
        a["nobody"]


def test_first_occurrences_keep_the_first_place_of_each_position() -> None:
    same = array("I", [3, 1, 2])
    assert first_occurrences(same) is same
    assert list(first_occurrences(array("I", [3, 1, 3, 0, 1, 5]))) == [3, 1, 0, 5]
    assert list(first_occurrences(array("I"))) == []


def test_without_renumbers_responses_and_assignments() -> None:
    r = table()
    assert r.without(frozenset({"r9"})) is None
    renumbered = r.without(frozenset({"r0", "r3"}))
    assert renumbered is not None
    kept = renumbered.respondents
    assert kept == {"r1": "answer 1", "r2": "answer 2", "r4": "answer 4", "r5": "answer 5"}
    a = renumbered.assignments(PlainAssignments(r, [5, 3, 0, 1]))
    assert a.respondents is kept and list(a) == ["r5", "r1"] and list(a.positions) == [3, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5000), max_size=300))
def test_bitsets_round_trip_positions(positions: list[int]) -> None:
    bits = bitsets.bitset(positions)
    ids = [f"id{i}" for i in range(5001)]
    assert bits.bit_count() == len(set(positions))
    assert list(bitsets.members(bits, ids)) == [ids[p] for p in sorted(set(positions))]
    assert list(first_occurrences(array("I", positions))) == list(dict.fromkeys(positions))
