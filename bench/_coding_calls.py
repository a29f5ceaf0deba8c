"""The product side of ``coding_100k.py``: MCP calls, the baseline loops, and the exactness recount.

Not a benchmark. Every product figure goes through a real in-process ``mcp.Client`` on a server
built by ``build_server`` with a fresh data dir, so nothing is cached between cold runs.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio


@dataclass(frozen=True)
class Upstream:
    url: str
    key: str
    small: str
    """A one-page job read once per client before the timed call: a host lists tools when it
    connects, and the SDK client compiles each output schema on its first result (~80 ms)."""


def settings_for(base_url: str, data_dir: str, key: str) -> tuple[Any, dict[str, str]]:
    from survey_jobs_mcp.server.settings import Settings

    settings = Settings.from_env(
        {
            "AFTERCARE_BASE_URL": base_url + "/aftercare",
            "SURVEYCODER_BASE_URL": base_url + "/surveycoder",
            "SURVEY_JOBS_DATA_DIR": data_dir,
        }
    )
    return settings, {"AFTERCARE_API_KEY": key, "SURVEYCODER_API_KEY": "unused"}


def text_of(result: Any) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content)


def checked(result: Any, what: str) -> dict[str, Any]:
    if result.is_error:
        raise RuntimeError(f"{what} failed: {text_of(result)[:500]}")
    return result.structured_content or {}


def code_ids(structured: dict[str, Any]) -> list[str]:
    out: list[str] = []

    def walk(codes: list[dict[str, Any]] | None) -> None:
        for c in codes or ():
            out.append(c["code_id"])
            walk(c.get("children"))

    for q in structured.get("questions") or ():
        walk(q.get("codes"))
    return out


def cpu_timed(fn: Any, *args: Any) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn(*args)``; CPU is far less noisy on a
    shared box, and it covers every thread (worker threads, the result-cache writer)."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0


# ---- baselines -------------------------------------------------------------------------------


def raw_loop(base_url: str, key: str, targets: list[str]) -> float:
    """(a) GET every page and read its body (httpx decodes gzip); no JSON. Seconds."""
    import httpx

    t0 = time.perf_counter()
    with httpx.Client(base_url=base_url, headers={"X-Aftercare-Key": key}, timeout=60) as c:
        for target in targets:
            r = c.get(target)
            r.raise_for_status()
            r.content  # noqa: B018
    return time.perf_counter() - t0


def json_loop(base_url: str, key: str, job: str, keep: list[bytes] | None = None) -> float:
    """(b) GET page, ``json.loads``, follow ``nextCursor`` until null. Seconds."""
    import httpx

    t0 = time.perf_counter()
    with httpx.Client(base_url=base_url, headers={"X-Aftercare-Key": key}, timeout=60) as c:
        cursor = None
        while True:
            r = c.get(f"/aftercare/api/v1/coding/{job}", params={"cursor": cursor} if cursor else None)
            r.raise_for_status()
            body = json.loads(r.content)
            if keep is not None:
                keep.append(r.content)
            cursor = body["results"]["nextCursor"]
            if not cursor:
                break
    return time.perf_counter() - t0


async def async_json_loop(base_url: str, key: str, job: str) -> float:
    """Diagnostic: the same loop on ``httpx.AsyncClient`` (the product's client). Seconds."""
    import httpx

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, headers={"X-Aftercare-Key": key}, timeout=60) as c:
        cursor = None
        while True:
            r = await c.get(f"/aftercare/api/v1/coding/{job}", params={"cursor": cursor} if cursor else None)
            r.raise_for_status()
            cursor = json.loads(r.content)["results"]["nextCursor"]
            if not cursor:
                break
    return time.perf_counter() - t0


# ---- the product -----------------------------------------------------------------------------


AFTER_WARM_UP: list[Callable[[], None]] = []
"""Called once the server is up and has answered the warm-up call (the memory child reads its
``VmHWM`` there: what the 100k read adds is measured from a running server, not from imports)."""


async def _warm_up(client: Any, up: Upstream) -> None:
    checked(await client.call_tool("get_coding_results", {"job_id": up.small}), "warm-up")
    for hook in AFTER_WARM_UP:
        hook()


async def cold(up: Upstream, job: str, data_dir: str) -> tuple[float, dict[str, Any]]:
    """One ``get_coding_results(job)`` on a fresh server and data dir: (seconds, structured)."""
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = settings_for(up.url, data_dir, up.key)
    async with Client(build_server(settings, env=env)) as client:
        await _warm_up(client, up)
        t0 = time.perf_counter()
        result = await client.call_tool("get_coding_results", {"job_id": job})
        secs = time.perf_counter() - t0
        return secs, checked(result, "cold overview")


async def cold_until_cached(up: Upstream, job: str, data_dir: str) -> None:
    """``cold``, and then stay until the compacted result is in the store's cache (written at once
    here instead of 2 s later), so a peak measured after it includes the cache encode and write."""
    import dataclasses

    import anyio
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server
    from survey_jobs_mcp.server.store import Store

    settings, env = settings_for(up.url, data_dir, up.key)
    settings = dataclasses.replace(settings, compact_delay_s=0.0)
    async with Client(build_server(settings, env=env)) as client:
        await _warm_up(client, up)
        checked(await client.call_tool("get_coding_results", {"job_id": job}), "cold overview")
        for _ in range(600):
            with Store.open(settings.store_path) as store:
                if store.cache_size()[0] >= 2:  # the warm-up job's row and this one
                    return
            await anyio.sleep(0.05)
    raise RuntimeError("the result cache row was never written")


async def timed_cold(up: Upstream, job: str, data_dir: str) -> tuple[tuple[float, float], dict[str, Any]]:
    """Like ``cold``, with the process's CPU seconds during the call: ((wall, cpu), structured)."""
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = settings_for(up.url, data_dir, up.key)
    async with Client(build_server(settings, env=env)) as client:
        await _warm_up(client, up)
        c0, t0 = time.process_time(), time.perf_counter()
        result = await client.call_tool("get_coding_results", {"job_id": job})
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        return (secs, cpu), checked(result, "cold overview")


async def cold_then_warm(
    up: Upstream, job: str, data_dir: str, calls: int
) -> tuple[float, list[tuple[str, float, dict[str, Any]]], dict[str, Any]]:
    """A cold call, then at once ``calls`` drill-downs: per question its tree, then two of its codes
    and their next page. Returns (cold s, [(kind, s, structured)], overview)."""
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = settings_for(up.url, data_dir, up.key)
    warm: list[tuple[str, float, dict[str, Any]]] = []
    async with Client(build_server(settings, env=env)) as client:
        await _warm_up(client, up)

        async def call(args: dict[str, Any], kind: str) -> dict[str, Any]:
            t = time.perf_counter()
            r = await client.call_tool("get_coding_results", {"job_id": job, **args})
            secs = time.perf_counter() - t
            out = checked(r, str(args))
            warm.append((kind, secs, out))
            return out

        t0 = time.perf_counter()
        overview = checked(await client.call_tool("get_coding_results", {"job_id": job}), "cold")
        cold_s = time.perf_counter() - t0
        questions = [q["question_id"] for q in overview.get("questions") or ()]
        qi = 0
        while len(warm) < calls and questions:
            qid = questions[qi % len(questions)]
            qi += 1
            tree = await call({"question_id": qid}, "question_id")
            for cid in code_ids(tree)[qi - 1 :][:2]:
                if len(warm) >= calls:
                    break
                page = await call({"question_id": qid, "code_id": cid}, "code_id")
                if page.get("next_cursor") and len(warm) < calls:
                    args = {"question_id": qid, "code_id": cid, "cursor": page["next_cursor"]}
                    await call(args, "cursor")
    return cold_s, warm, overview


async def concurrent(up: Upstream, jobs: list[str], data_dir: str) -> list[tuple[float, dict[str, Any]]]:
    """Cold reads of ``jobs`` started together on one fresh server: [(s to answer, structured)]."""
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = settings_for(up.url, data_dir, up.key)
    done: list[tuple[float, dict[str, Any]]] = []
    async with Client(build_server(settings, env=env)) as client:
        await _warm_up(client, up)
        t0 = time.perf_counter()

        async def one(job: str) -> None:
            r = await client.call_tool("get_coding_results", {"job_id": job})
            done.append((time.perf_counter() - t0, checked(r, f"concurrent {job}")))

        async with anyio.create_task_group() as tg:
            for job in jobs:
                tg.start_soon(one, job)
    return sorted(done, key=lambda x: x[0])


# ---- exactness ---------------------------------------------------------------------------------


class Recount:
    """Distinct-respondent counts recomputed from the raw pages, independently of the product."""

    def __init__(self, raw_pages: list[bytes]) -> None:
        from survey_jobs_mcp.tools.buckets import classify_bucket

        own: dict[str, dict[str, set[str]]] = {}
        kids: dict[str, dict[str, list[str]]] = {}
        labels: dict[str, dict[str, str]] = {}
        roots: dict[str, list[str]] = {}
        for raw in raw_pages:
            for q in json.loads(raw)["results"]["questionCodes"]:
                qid = q["questionIdentifier"]
                o, k, lab, r = (
                    own.setdefault(qid, {}),
                    kids.setdefault(qid, {}),
                    labels.setdefault(qid, {}),
                    roots.setdefault(qid, []),
                )
                todo = [(c, None) for c in q["responseCodes"]]
                while todo:
                    c, parent = todo.pop()
                    cid = str(c["id"])
                    if cid not in o:
                        o[cid], k[cid], lab[cid] = set(), [], c["label"]
                        (k[parent] if parent else r).append(cid)
                    o[cid].update(e["responseIdentifier"] for e in c["responses"])
                    todo.extend((s, cid) for s in c["subCodes"])
        self.counts: dict[str, dict[str, int]] = {}
        self.questions: dict[str, dict[str, int]] = {}
        for qid in own:
            subtree: dict[str, set[str]] = {}

            def members(cid: str, qid: str = qid, subtree: dict[str, set[str]] = subtree) -> set[str]:
                if cid not in subtree:
                    s = set(own[qid][cid])
                    for child in kids[qid][cid]:
                        s |= members(child)
                    subtree[cid] = s
                return subtree[cid]

            everyone: set[str] = set()
            per_root: Counter[str] = Counter()
            for cid in roots[qid]:
                everyone |= members(cid)
                per_root.update(members(cid))
            coded = set().union(
                *(
                    own[qid][c]
                    for c in own[qid]
                    if classify_bucket(labels[qid][c]) not in ("uncoded", "no_answer")
                )
            )
            self.counts[qid] = {cid: len(s) for cid, s in subtree.items()}
            self.questions[qid] = {
                "responses": len(everyone),
                "coded": len(coded & everyone),
                "multi_coded": sum(1 for v in per_root.values() if v >= 2),
            }
        self.checked = 0

    def check(self, structured: dict[str, Any], qid: str | None = None) -> None:
        """Assert every count the answer shows equals the recount (raises AssertionError)."""
        for q in structured.get("questions") or ():
            qid, want = q["question_id"], self.questions[q["question_id"]]
            got = {k: q[k] for k in ("responses", "coded", "multi_coded")}
            assert got == want, f"{qid}: {got} != recount {want}"
            assert q["uncoded"] == want["responses"] - want["coded"]
            self._codes(qid, q.get("codes"))
        if structured.get("code"):
            assert qid is not None, "a code answer is checked within its question"
            self._codes(qid, [structured["code"]])
            total = structured.get("responses_total")
            assert total == self.counts[qid][structured["code"]["code_id"]], "responses_total"
        self.checked += 1

    def _codes(self, qid: str, codes: list[dict[str, Any]] | None) -> None:
        for c in codes or ():
            want = self.counts[qid][c["code_id"]]
            assert c["count"] == want, f"{qid}/{c['code_id']}: count {c['count']} != recount {want}"
            self._codes(qid, c.get("children"))
