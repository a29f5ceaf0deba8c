"""Every tool path in-process through ``mcp.Client`` against the sandbox over real HTTP; exact counts
recomputed from the raw upstream bodies; the token budget on both channels."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import httpx
import pytest

from tests.mcp_support import (
    Harness,
    normalized,
    recount_aftercare,
    recount_quality,
    recount_surveycoder,
    text_of,
    tokens,
)

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]


# ---------------------------------------------------------------- list_jobs
async def test_list_jobs_default_counts_match_sandbox(h: Harness):
    r = await h.call("list_jobs")
    assert r.is_error is False
    sc = r.structured_content
    rows = h.sb.jobs()
    expected = Counter(normalized(row) for row in rows)
    assert {k: v for k, v in sc["counts"].items() if v} == dict(expected)
    assert sc["total"] == len(rows) == 24
    assert sc["by_provider"] == dict(Counter(row["provider"] for row in rows))
    assert {j["id"] for j in sc["jobs"]} == {row["id"] for row in rows}
    by_id = {row["id"]: row for row in rows}
    for j in sc["jobs"]:
        row = by_id[j["id"]]
        assert (j["provider"], j["kind"], j["provider_status"]) == (
            row["provider"],
            row["kind"],
            row["status"],
        )
        assert j["status"] == normalized(row)
    dated = [datetime.fromisoformat(j["dated_at"]) for j in sc["jobs"]]
    assert dated == sorted(dated, reverse=True)
    text = text_of(r)
    assert "24 jobs — 3 queued, 3 running, 14 completed, 1 partially_failed, 3 failed" in text
    assert "Aftercare 15, SurveyCoder 9" in text
    assert tokens(text) < 3000 and tokens(json.dumps(sc)) < 3000


@pytest.mark.parametrize(
    "status, expected",
    [
        ("failed", {"failed", "partially_failed"}),
        ("partially_failed", {"partially_failed"}),
        ("queued", {"queued"}),
        ("running", {"running"}),
        ("completed", {"completed"}),
    ],
)
async def test_list_jobs_status_filter(h: Harness, status, expected):
    r = await h.call("list_jobs", {"status": status, "limit": 100})
    sc = r.structured_content
    want = {row["id"] for row in h.sb.jobs() if normalized(row) in expected}
    assert {j["id"] for j in sc["jobs"]} == want
    assert sc["total"] == len(want)
    assert {j["status"] for j in sc["jobs"]} == expected


@pytest.mark.parametrize("provider", ["aftercare", "surveycoder"])
async def test_list_jobs_provider_filter(h: Harness, provider):
    before = h.sb.faults.calls("surveycoder.jobs.list")
    r = await h.call("list_jobs", {"provider": provider, "limit": 100})
    sc = r.structured_content
    want = {row["id"] for row in h.sb.jobs() if row["provider"] == provider}
    assert {j["id"] for j in sc["jobs"]} == want
    assert sc["by_provider"] == {provider: len(want)}
    # Aftercare only: SurveyCoder must not even be asked.
    assert h.sb.faults.calls("surveycoder.jobs.list") - before == (1 if provider == "surveycoder" else 0)


async def test_list_jobs_window_echoed_absolute(h: Harness):
    r = await h.call("list_jobs", {"since": "7d", "until": "yesterday", "limit": 100})
    sc = r.structured_content
    # now = 2026-11-23 13:00 Berlin; 7d -> 2026-11-16 13:00; "yesterday" as until -> start of today? The
    # echo must be absolute and carry the input.
    assert sc["window"]["since"] == "2026-11-16T13:00:00+01:00"
    assert sc["window"]["since_input"] == "7d"
    assert sc["window"]["until_input"] == "yesterday"
    assert sc["window"]["until"] == "2026-11-23T00:00:00+01:00"  # until yesterday = its end = today 00:00
    until = datetime.fromisoformat(sc["window"]["until"])
    assert "2026-11-16T13:00:00+01:00" in text_of(r)
    since = datetime.fromisoformat(sc["window"]["since"])
    for j in sc["jobs"]:
        assert since <= datetime.fromisoformat(j["dated_at"]) < until
    # Exactly the jobs dated in the window (completed Aftercare coding by completedAt; SurveyCoder by
    # updated_at): job_d5425… (11-16 13:00:21), ad8a88d1 (11-17), job_30bb… (11-19), 8d8e423d (11-20).
    assert {j["id"] for j in sc["jobs"]} >= {
        "job_d5425bb9cfa5229130ee77b4",
        "ad8a88d1-dd09-4558-a5b2-86f7eb77ef78",
        "job_30bb9e7ccac2a2cd899052fc",
        "8d8e423d-47c4-4c67-869f-bc3b50931b51",
    }
    assert "895bdb2a-11e0-4aba-b65c-c5a58cac39f0" not in {j["id"] for j in sc["jobs"]}  # 11-14


async def test_list_jobs_since_24h(h: Harness):
    r = await h.call("list_jobs", {"since": "24h", "limit": 100})
    sc = r.structured_content
    assert sc["window"] == {"since": "2026-11-22T13:00:00+01:00", "since_input": "24h"}
    ids = {j["id"] for j in sc["jobs"]}
    assert "job_2d736ac2c935cc1c5631fb09" not in ids  # updated 2026-11-22 07:00 Berlin
    assert "job_0c3975803bff1233b520d9af" in ids  # 2026-11-23 01:00


async def test_list_jobs_limit_cursor_pages_all_once(h: Harness):
    seen: list[str] = []
    cursor = None
    pages = 0
    async with h.client() as c:
        while True:
            args = {"limit": 4} | ({"cursor": cursor} if cursor else {})
            r = await c.call_tool("list_jobs", args)
            assert r.is_error is False, text_of(r)
            sc = r.structured_content
            assert sc["total"] == 24
            assert len(sc["jobs"]) <= 4
            seen += [j["id"] for j in sc["jobs"]]
            pages += 1
            cursor = sc.get("next_cursor")
            if not cursor:
                break
    assert pages == 6
    assert len(seen) == len(set(seen)) == 24
    assert set(seen) == {row["id"] for row in h.sb.jobs()}


# ---------------------------------------------------------------- get_job
NEXT_TOOL = {"coding": "get_coding_results", "data_quality": "get_quality_results"}


async def test_get_job_every_provider_kind_status(h: Harness):
    async with h.client() as c:
        for row in h.sb.jobs():
            r = await c.call_tool("get_job", {"job_id": row["id"]})
            assert r.is_error is False, text_of(r)
            sc = r.structured_content
            assert sc["id"] == row["id"]
            assert (sc["provider"], sc["kind"]) == (row["provider"], row["kind"])
            assert sc["provider_status"] == row["status"]
            assert sc["status"] == normalized(row)
            want_tool = "get_job"
            # A partially failed Aftercare coding job that kept only its error has nothing to read.
            has_results = row["status"] != "partial_failure"
            if sc["status"] in ("completed", "partially_failed"):
                want_tool = NEXT_TOOL.get(row["kind"], "get_coding_results") if has_results else "get_job"
            if sc["status"] in ("completed", "partially_failed", "failed") and want_tool == "get_job":
                # finished without results to summarise: no results tool is suggested
                assert sc.get("next", {}).get("tool") not in ("get_coding_results", "get_quality_results")
                continue
            assert sc["next"]["tool"] == want_tool, (row, sc)
            assert sc["next"]["arguments"] == {"job_id": row["id"]}
            assert f'{want_tool}(job_id="{row["id"]}")' in text_of(r)
            if row["provider"] == "surveycoder":
                assert sc["progress"]["total"] == row["responses"]


# ---------------------------------------------------------------- coding results
AC_CODING = "8d8e423d-47c4-4c67-869f-bc3b50931b51"
AC_CODING_ALL = (
    "895bdb2a-11e0-4aba-b65c-c5a58cac39f0",
    "ad8a88d1-dd09-4558-a5b2-86f7eb77ef78",
    "8d8e423d-47c4-4c67-869f-bc3b50931b51",
)
SC_ONE_CALL = ("job_d5425bb9cfa5229130ee77b4", "job_30bb9e7ccac2a2cd899052fc")
SC_AUTO = "job_2d736ac2c935cc1c5631fb09"
DQ = ("5241d6f5-8ff5-4e98-844c-a5655a740321", "c3aab4a1-f49d-4b87-a3d3-415a7f8a0274")


async def _question_codes(c, job_id, qid):
    r = await c.call_tool(
        "get_coding_results",
        {"job_id": job_id, "question_id": qid, "max_tokens": 20000, "examples_per_code": 0},
    )
    assert r.is_error is False, text_of(r)
    (q,) = r.structured_content["questions"]
    return q


async def test_aftercare_coding_counts_exact_against_raw(h: Harness):
    async with h.client() as c:
        for job_id in AC_CODING_ALL:
            expected = recount_aftercare(h.sb.raw_coding(job_id))
            r = await c.call_tool("get_coding_results", {"job_id": job_id, "max_tokens": 20000})
            assert r.is_error is False, text_of(r)
            sc = r.structured_content
            assert sc["mode"] == "overview"
            assert sc["questions_total"] == len(expected)
            assert [q["question_id"] for q in sc["questions"]] == list(expected)
            for q in sc["questions"]:
                want = expected[q["question_id"]]
                assert (q["responses"], q["coded"], q["uncoded"], q["multi_coded"]) == (
                    want["responses"],
                    want["coded"],
                    want["uncoded"],
                    want["multi_coded"],
                ), (job_id, q["question_id"])
                full = await _question_codes(c, job_id, q["question_id"])
                got = {code["code_id"]: code["count"] for code in full["codes"]}
                assert got == want["codes"], (job_id, q["question_id"])
                for code in full["codes"]:
                    assert code["pct"] == round(100 * code["count"] / want["responses"], 1)


def _raw_pages(h: Harness, job_id: str) -> list[list[dict]]:
    pages = []
    cursor = None
    with httpx.Client(headers={"X-Aftercare-Key": h.sb.keys.aftercare}) as http:
        while True:
            params = {"cursor": cursor} if cursor else {}
            body = http.get(f"{h.srv.aftercare_url}/api/v1/coding/{job_id}", params=params).json()
            pages.append(body["results"]["questionCodes"])
            cursor = body["results"]["nextCursor"]
            if not cursor:
                return pages


async def test_code_split_across_pages_is_merged(h: Harness):
    pages = _raw_pages(h, AC_CODING)
    assert len(pages) >= 3
    where: dict[tuple[str, int], int] = Counter()
    for page in pages:
        for q in page:
            for code in q["responseCodes"]:
                where[(q["questionIdentifier"], code["id"])] += 1
    split = [k for k, n in where.items() if n >= 2]
    assert split, "no code spans two pages: the merge is not exercised"
    expected = recount_aftercare(h.sb.raw_coding(AC_CODING))
    async with h.client() as c:
        for qid, code_id in split[:3]:
            q = await _question_codes(c, AC_CODING, qid)
            got = {x["code_id"]: x["count"] for x in q["codes"]}
            assert got[str(code_id)] == expected[qid]["codes"][str(code_id)]


async def test_surveycoder_coding_counts_exact_against_raw(h: Harness):
    async with h.client() as c:
        for job_id in (*SC_ONE_CALL, SC_AUTO):
            raw = h.sb.raw_surveycoder_job(job_id)
            want = recount_surveycoder(raw)
            r = await c.call_tool("get_coding_results", {"job_id": job_id, "max_tokens": 20000})
            sc = r.structured_content
            assert sc["kind"] == raw["type"]
            (q,) = sc["questions"]
            assert q["question_id"] == "Q1"
            assert q["question_text"] == raw["result"]["question_text"]
            assert (q["responses"], q["coded"], q["uncoded"]) == (
                want["responses"],
                want["coded"],
                want["uncoded"],
            )
            assert q["responses"] == raw["result"]["stats"]["total_responses"]
            assert q["coded"] == raw["result"]["stats"]["coded"]
            full = await _question_codes(c, job_id, "Q1")
            got = {code["code_id"]: code["count"] for code in full["codes"]}
            assert got == want["codes"], job_id


async def test_coding_code_paging_sees_every_response_once(h: Harness):
    raw = h.sb.raw_coding(AC_CODING)
    q = next(x for x in raw["results"]["questionCodes"] if x["questionIdentifier"] == "Q1_going_well")
    root = max(q["responseCodes"], key=lambda code: len(code["subCodes"]))

    def subtree(code):
        ids = {r["responseIdentifier"] for r in code["responses"]}
        for s in code["subCodes"]:
            ids |= subtree(s)
        return ids

    want = subtree(root)
    await _page_code(h, AC_CODING, "Q1_going_well", str(root["id"]), want)


async def test_surveycoder_code_paging_one_call_and_auto(h: Harness):
    for job_id in (SC_ONE_CALL[0], SC_AUTO):
        raw = h.sb.raw_surveycoder_job(job_id)["result"]
        code = raw["codebook"][0]
        want = {i["id"] for i in raw["results"] if any(c["code_id"] == code["id"] for c in i["codes"])}
        await _page_code(h, job_id, "Q1", code["id"], want)
        cat = "cat:" + code["category_id"]
        members = {e["id"] for e in raw["codebook"] if e["category_id"] == code["category_id"]}
        want_cat = {i["id"] for i in raw["results"] if any(c["code_id"] in members for c in i["codes"])}
        await _page_code(h, job_id, "Q1", cat, want_cat)


async def _page_code(h: Harness, job_id: str, qid: str, code_id: str, want: set[str]) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    async with h.client() as c:
        while True:
            args = {"job_id": job_id, "question_id": qid, "code_id": code_id, "max_tokens": 400}
            if cursor:
                args["cursor"] = cursor
            r = await c.call_tool("get_coding_results", args)
            assert r.is_error is False, text_of(r)
            sc = r.structured_content
            assert sc["mode"] == "code"
            assert sc["code"]["code_id"] == code_id
            assert sc["code"]["count"] == sc["responses_total"] == len(want)
            assert sc["offset"] == len(seen)
            seen += [x["respondent_id"] for x in sc["responses"]]
            pages += 1
            cursor = sc.get("next_cursor")
            if not cursor:
                break
    assert pages >= 2
    assert len(seen) == len(set(seen))
    assert set(seen) == want


# ---------------------------------------------------------------- quality results
async def test_quality_counts_exact_against_raw(h: Harness):
    async with h.client() as c:
        for job_id in DQ:
            want = recount_quality(h.sb.raw_quality(job_id))
            r = await c.call_tool("get_quality_results", {"job_id": job_id})
            assert r.is_error is False, text_of(r)
            sc = r.structured_content
            assert sc["respondents_scored"] == want["respondents"]
            assert sc["flagged"]["count"] == want["flagged"]
            assert {k: v for k, v in sc["by_issue"].items() if v} == want["by_issue"]
            assert sc["demerit"]["mean"] == want["mean"]
            assert sc["demerit"]["median"] == want["median"]
            assert sum(sc["distribution"].values()) == want["respondents"]
            demerits = [w["demerit"] for w in sc["worst"]]
            assert demerits == sorted(demerits, reverse=True)
            top = max(i["demeritScore"] for i in h.sb.raw_quality(job_id)["results"]["items"])
            assert demerits[0] == top


async def test_quality_filters_exact(h: Harness):
    job_id = DQ[1]
    items = h.sb.raw_quality(job_id)["results"]["items"]

    def has(item, upstream):
        return any(
            c["isIssue"] and c["type"] == upstream
            for e in item["evaluations"]
            for c in e["qualityIssueChecks"]
        )

    async with h.client() as c:
        r = await c.call_tool(
            "get_quality_results", {"job_id": job_id, "issue_type": "low_effort", "max_tokens": 20000}
        )
        sc = r.structured_content
        want = {i["responseIdentifier"] for i in items if has(i, "Low Effort")}
        assert sc["filter"]["matched"] == len(want)
        assert {w["respondent_id"] for w in sc["worst"]} == want
        r = await c.call_tool(
            "get_quality_results", {"job_id": job_id, "min_demerit": 40, "max_tokens": 20000}
        )
        sc = r.structured_content
        want = {i["responseIdentifier"] for i in items if i["demeritScore"] >= 40}
        assert sc["filter"]["matched"] == len(want) == sc["listed_total"]
        assert {w["respondent_id"] for w in sc["worst"]} == want
        worst = max(items, key=lambda i: i["demeritScore"])
        r = await c.call_tool(
            "get_quality_results",
            {"job_id": job_id, "respondent_id": worst["responseIdentifier"], "max_tokens": 20000},
        )
        sc = r.structured_content
        assert sc["mode"] == "respondent"
        assert sc["respondent"]["respondent_id"] == worst["responseIdentifier"]
        assert sc["respondent"]["demerit"] == worst["demeritScore"]
        assert sc["answers_total"] == len(worst["evaluations"])
        assert [a["answer"] for a in sc["answers"]] == [
            e["surveyEntry"]["answer"] for e in worst["evaluations"]
        ]
        issues = sum(ch["is_issue"] for a in sc["answers"] for ch in a["checks"])
        assert issues == sum(ch["isIssue"] for e in worst["evaluations"] for ch in e["qualityIssueChecks"])


async def test_quality_pages_scale_with_the_budget(h: Harness):
    """A bigger budget lists more respondents per call; cursors continue exactly (no overlap, no gap)
    and together list every respondent once, worst first."""
    items = h.sb.raw_quality(DQ[0])["results"]["items"]
    expected = [
        i["responseIdentifier"]
        for i in sorted(items, key=lambda i: (-i["demeritScore"], i["responseIdentifier"]))
    ]
    calls = {}
    async with h.client() as c:
        for budget in (3000, 20000):
            seen: list[str] = []
            cursor = None
            calls[budget] = 0
            while True:
                args = {"job_id": DQ[0], "max_tokens": budget} | ({"cursor": cursor} if cursor else {})
                r = await c.call_tool("get_quality_results", args)
                assert r.is_error is False, text_of(r)
                calls[budget] += 1
                sc = r.structured_content
                assert tokens(text_of(r)) <= budget and tokens(json.dumps(sc)) <= budget
                assert sc["offset"] == len(seen)
                seen.extend(w["respondent_id"] for w in sc["worst"])
                cursor = sc.get("next_cursor")
                if not cursor:
                    break
            assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
            demerits = {i["responseIdentifier"]: i["demeritScore"] for i in items}
            assert [demerits[x] for x in seen] == sorted((demerits[x] for x in seen), reverse=True)
    assert len(items) > 100
    assert calls[20000] < calls[3000]
    first = {}
    async with h.client() as c:
        for budget in (3000, 20000):
            r = await c.call_tool("get_quality_results", {"job_id": DQ[0], "max_tokens": budget})
            first[budget] = len(r.structured_content["worst"])
    assert first[20000] > first[3000] > 25  # no fixed page of 25 any more


# ---------------------------------------------------------------- budget
BUDGET_CALLS = [
    ("get_coding_results", {"job_id": "895bdb2a-11e0-4aba-b65c-c5a58cac39f0"}),
    (
        "get_coding_results",
        {"job_id": "895bdb2a-11e0-4aba-b65c-c5a58cac39f0", "question_id": "__Q0__", "examples_per_code": 5},
    ),
    (
        "get_coding_results",
        {"job_id": "895bdb2a-11e0-4aba-b65c-c5a58cac39f0", "question_id": "__Q0__", "code_id": "__C0__"},
    ),
    ("get_coding_results", {"job_id": SC_ONE_CALL[0], "question_id": "Q1", "examples_per_code": 5}),
    ("get_coding_results", {"job_id": SC_ONE_CALL[0], "question_id": "Q1", "code_id": "__SC0__"}),
    ("get_quality_results", {"job_id": DQ[0]}),
    ("get_quality_results", {"job_id": DQ[0], "issue_type": "shared_duplicate"}),
    ("get_quality_results", {"job_id": DQ[0], "respondent_id": "__R0__"}),
]


async def test_budget_every_mode(h: Harness):
    raw = h.sb.raw_coding("895bdb2a-11e0-4aba-b65c-c5a58cac39f0")["results"]["questionCodes"][0]
    big = max(raw["responseCodes"], key=lambda code: len(code["responses"]))
    sc_code = h.sb.raw_surveycoder_job(SC_ONE_CALL[0])["result"]["codebook"][0]["id"]
    worst = max(h.sb.raw_quality(DQ[0])["results"]["items"], key=lambda i: len(i["evaluations"]))
    subst = {
        "__Q0__": raw["questionIdentifier"],
        "__C0__": str(big["id"]),
        "__SC0__": sc_code,
        "__R0__": worst["responseIdentifier"],
    }
    async with h.client() as c:
        for name, args in BUDGET_CALLS:
            args = {k: subst.get(v, v) if isinstance(v, str) else v for k, v in args.items()}
            sizes = []
            for budget in (300, 1000, 3000, 20000):
                r = await c.call_tool(name, args | {"max_tokens": budget})
                assert r.is_error is False, (name, args, text_of(r))
                t, s = tokens(text_of(r)), tokens(json.dumps(r.structured_content))
                assert t <= budget and s <= budget, (name, args, budget, t, s)
                sizes.append(t)
            assert sizes[0] < sizes[-1], (name, args, sizes)  # a larger budget shows more
