"""The codebook view: exact totals, optional fields shown only where present, budget, paging, safety."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_jobs_mcp.tools.catalog.get_coding_results import CodingResultsOut
from survey_jobs_mcp.tools.models import Codebook, CodebookCategory, CodebookCode
from survey_jobs_mcp.tools.tokens import structured_tokens, text_tokens
from survey_jobs_mcp.tools.views.codebook import summarise_codebook
from tests.hostile import HOSTILE
from tests.snapshot_support import check_summary_snapshot

JOB = "job_1a2b3c4d5e6f7a8b9c0d1e2f"
OUR_LINE = re.compile(r"^(# Codebook \(job|## |\*\*|- \*\*|\+\d|The codebook|$)")


def book(categories: list[CodebookCategory], question: str | None = "What is missing?") -> Codebook:
    return Codebook(
        JOB, "surveycoder", "codebook_generation", datetime(2026, 11, 22, tzinfo=UTC), question, categories
    )


def sample() -> Codebook:
    return book(
        [
            CodebookCategory(
                "cat:k1",
                "Performance",
                [
                    CodebookCode("c1", "Slow loading", "Pages take long to load", "negative"),
                    CodebookCode("c2", "Crashes", None, "negative"),
                ],
            ),
            CodebookCategory(
                "cat:k2", "Usability", [CodebookCode("c3", "Too many clicks", "Navigation effort")]
            ),
            CodebookCategory(None, None, [CodebookCode("c4", "Other", None, "neutral")]),
        ]
    )


def test_totals_and_optional_fields() -> None:
    s = summarise_codebook(sample())
    d = s.structured
    assert d["mode"] == "codebook" and d["kind"] == "codebook_generation"
    cb = d["codebook"]
    assert (cb["codes_total"], cb["categories_total"], cb["uncategorised"]) == (4, 2, 1)
    assert (cb["with_definition"], cb["with_sentiment"]) == (2, 3)
    assert (
        "**Codes:** 3 in 2 categories (+1 without a category) · definitions on 2 · sentiment on 3" in s.text
    )
    assert "## Performance `cat:k1` — 2 codes" in s.text and "## Usability `cat:k2` — 1 code" in s.text
    assert "- **Crashes** `c2` · negative\n" in s.text  # no definition: nothing invented
    assert "- **Slow loading** `c1` · negative — “Pages take long to load”" in s.text
    assert cb["categories"][1]["codes"] == [
        {"code_id": "c3", "name": "Too many clicks", "definition": "Navigation effort"}
    ]
    assert "no responses were coded with it, so there are no counts" in s.text
    assert "next_cursor" not in d
    CodingResultsOut.model_validate(d)


def random_book(seed: int) -> Codebook:
    rnd = random.Random(seed)
    cats = []
    for k in range(rnd.choice([0, 1, 3, 12, 40])):
        codes = [
            CodebookCode(
                rnd.choice([f"c{k}-{n}", rnd.choice(HOSTILE[:12])]),
                rnd.choice([*HOSTILE, "Fast", "x" * 400]),
                rnd.choice([None, "short", rnd.choice(HOSTILE), "long " * 200]),
                rnd.choice([None, "positive", rnd.choice(HOSTILE)]),
            )
            for n in range(rnd.randint(0, 12))
        ]
        label = rnd.choice([None, "Net", rnd.choice(HOSTILE)])
        cats.append(CodebookCategory(None if label is None else f"cat:{k}", label, codes))
    return book(cats, rnd.choice([None, "Why?", rnd.choice(HOSTILE)]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), max_tokens=st.sampled_from([300, 301, 500, 1200, 3000, 20000]))
def test_property_budget_paging_every_code_once(seed: int, max_tokens: int) -> None:
    cb = random_book(seed)
    total = cb.codes
    seen = 0
    cursor = None
    for _ in range(total + 2):
        s = summarise_codebook(cb, max_tokens=max_tokens, cursor=cursor)
        assert text_tokens(s.text) <= max_tokens and structured_tokens(s.structured) <= max_tokens
        CodingResultsOut.model_validate(s.structured)
        for line in s.text.splitlines():
            assert OUR_LINE.match(line), line[:80]
        book_out = s.structured.get("codebook")
        if book_out is None:  # the emergency answer
            return
        assert book_out["offset"] == seen and book_out["codes_total"] == total
        seen += sum(len(c["codes"]) for c in book_out["categories"])
        assert book_out.get("codes_omitted", 0) == total - seen
        cursor = s.structured.get("next_cursor")
        if not cursor:
            break
    assert seen == total or max_tokens < 500


def test_snapshot() -> None:
    s = summarise_codebook(sample())
    check_summary_snapshot("codebook", s.text, s.structured, indent=1)
