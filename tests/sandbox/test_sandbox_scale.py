"""--scale: a 100,000-response coding job and a 20,000-respondent data-quality job, in bounded memory.

How fast they build is a benchmark question (bench/), never a test: CI machines are small and shared.
"""

from __future__ import annotations

import tracemalloc

import httpx

from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from tests.conftest import SANDBOX_START
from tests.sandbox_support import validate_coding_body, validate_dq_body


def test_scale_100k_generation_in_bounded_memory() -> None:
    tracemalloc.start()
    sb = Sandbox(seed=7, scale=100_000, start=SANDBOX_START)
    bench = [r for r in sb.jobs() if r["survey"] == "BENCH-SCALE"]
    coding = next(r for r in bench if r["kind"] == "coding")
    quality = next(r for r in bench if r["kind"] == "data_quality")
    assert (coding["responses"], quality["responses"]) == (100_000, 20_000)
    coding_data = sb.store.jobs[coding["id"]].data()
    quality_data = sb.store.jobs[quality["id"]].data()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 300e6, f"100k generation peaked at {peak / 1e6:.0f} MB (traced)"
    assert coding_data.response_count == 100_000 and len(quality_data.respondents) == 20_000
    codes = {cid for _q, cid, _a in coding_data.items}
    assert 30 <= len(sb.store.jobs[coding["id"]].data().questions[0].tree.labels) <= 40
    assert len(codes) >= 30
    with (
        SandboxServer(sb) as srv,
        httpx.Client(base_url=srv.aftercare_url, headers={"X-Aftercare-Key": sb.keys.aftercare}) as c,
    ):
        body = c.get(f"/api/v1/coding/{coding['id']}").json()
        validate_coding_body(body)
        assert body["results"]["nextCursor"]
        dq = c.get(f"/api/v1/data-quality/batch/{quality['id']}", params={"limit": 100}).json()
        validate_dq_body(dq)
        assert len(dq["results"]["items"]) == 100
