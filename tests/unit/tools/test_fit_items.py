"""``largest_fitting_items``: the same answer as the binary search, from few renders.

The pages here are synthetic but shaped like the real ones: a frame whose size moves with the count
(a heading with the range shown, a "+N more" line and a cursor that vanish on the last page), and
items of any size, including multi-byte text. The expected answer is recounted by brute force.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.tools.render import Summary, item_bytes, largest_fitting, largest_fitting_items
from survey_jobs_mcp.tools.tokens import structured_tokens, text_tokens


class Page:
    """A list page of ``items`` from ``offset``; counts the renders and which items were sized."""

    def __init__(self, items: list[str], offset: int = 0, growth: int = 0) -> None:
        self.items = items
        self.offset = offset
        self.growth = growth
        """Bytes the frame itself gains per item shown (the estimate from one render is then short)."""
        self.renders = 0
        self.sized: set[int] = set()

    def line(self, i: int) -> str:
        return f"- `r{self.offset + i}` “{self.items[i]}”"

    def entry(self, i: int) -> dict:
        return {"id": f"r{self.offset + i}", "text": self.items[i]}

    def render(self, k: int) -> Summary:
        self.renders += 1
        total = len(self.items)
        lines = ["# A list", f"## Items {self.offset + 1:,}–{self.offset + k:,} of {total:,}"]
        lines += [self.line(i) for i in range(k)]
        data: dict = {"title": "A list", "items": [self.entry(i) for i in range(k)], "total": total}
        if self.growth:
            lines.append("." * (k * self.growth))
            data["bar"] = "." * (k * self.growth)
        if k < total:
            cursor = "c" * (40 + len(str(self.offset + k)))  # as long as a real one
            lines += ["", f"**Next:** {total - k:,} more: cursor=`{cursor}`"]
            data["next_cursor"] = cursor
        return Summary("\n".join(lines) + "\n", data)

    def size(self, i: int) -> tuple[int, int]:
        self.sized.add(i)
        return item_bytes(self.line(i), self.entry(i))


def brute(page: Page, lo: int, hi: int, max_tokens: int) -> int | None:
    """What the binary search answers for a page whose size grows with the count below ``hi``."""
    if hi < lo:
        return None
    if page.render(hi).fits(max_tokens):
        return hi
    fitting = [k for k in range(lo, hi) if page.render(k).fits(max_tokens)]
    return max(fitting) if fitting else None


TEXT = st.text(
    alphabet=st.sampled_from([*"abc xyz", "é", "😀", "\u4e2d", '"', "\\"]), min_size=0, max_size=120
)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(TEXT, min_size=0, max_size=60),
    lo=st.integers(0, 1),
    cut=st.integers(0, 60),
    max_tokens=st.integers(20, 1500),
    offset=st.sampled_from([0, 95, 995, 99_990]),  # the range in the heading gains digits
    growth=st.sampled_from([0, 0, 1, 9]),
)
def test_same_answer_as_the_binary_search_and_brute_force(
    items: list[str], lo: int, cut: int, max_tokens: int, offset: int, growth: int
) -> None:
    hi = min(len(items), cut)
    page = Page(items, offset, growth)
    expected = brute(page, lo, hi, max_tokens)
    found = largest_fitting_items(page.render, page.size, lo, hi, max_tokens)
    binary = largest_fitting(page.render, lo, hi, max_tokens)
    assert (found and found[0]) == expected == (binary and binary[0])
    if found is not None:
        n, s = found
        assert s == page.render(n)  # the answer is a real render of that count
        assert s.fits(max_tokens)
        if lo <= n < hi:  # one more item exceeds the budget
            assert not page.render(n + 1).fits(max_tokens)


def test_a_long_page_costs_a_few_renders_and_sizes_only_what_can_fit() -> None:
    items = [f"answer number {i} " + "x" * (i * 7 % 150) for i in range(400)]
    page = Page(items, offset=995)  # the range in the heading gains a digit on the way
    n, s = largest_fitting_items(page.render, page.size, 1, 400, 3000)  # type: ignore[misc]
    reference = Page(items, offset=995)
    assert largest_fitting(reference.render, 1, 400, 3000) == (n, s)
    assert not reference.render(n + 1).fits(3000) and s.fits(3000)
    assert page.renders <= 4 < reference.renders
    assert max(page.sized) <= n + 1 < 400  # items that cannot fit are never formatted


def test_the_whole_list_is_taken_when_it_fits_even_if_one_less_does_not() -> None:
    """The last page has no "+N more" line, so it can fit where a shorter page does not."""
    items = ["tiny"] * 3
    page = Page(items)
    full, short = page.render(3), page.render(2)
    assert len(full.text) < len(short.text)
    assert len(json.dumps(full.structured)) < len(json.dumps(short.structured))
    budget = max(text_tokens(full.text), structured_tokens(full.structured))  # just enough for all 3
    assert not page.render(2).fits(budget)
    found = largest_fitting_items(page.render, page.size, 1, 3, budget)
    assert found is not None and found[0] == 3


def test_nothing_fits_and_empty_ranges() -> None:
    page = Page(["a" * 200] * 5)
    assert largest_fitting_items(page.render, page.size, 1, 5, 20) is None
    assert largest_fitting_items(page.render, page.size, 3, 2, 3000) is None
    found = largest_fitting_items(page.render, page.size, 0, 0, 3000)
    assert found is not None and found[0] == 0


def test_item_bytes_is_what_an_item_adds_to_each_channel() -> None:
    page = Page(["naïve “quoted” 😀", "plain", "", "x", "y"])
    for k in (2, 3):  # nothing else on the page changes size from k - 1 to k items here
        before, after = page.render(k - 1), page.render(k)
        text, data = item_bytes(page.line(k - 1), page.entry(k - 1))
        assert len(after.text.encode()) - len(before.text.encode()) == text
        assert len(json.dumps(after.structured)) - len(json.dumps(before.structured)) == data
