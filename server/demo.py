"""``survey-jobs-mcp demo``: what the assistant reads, on the embedded sandbox.

Starts the sandbox in-process, connects a real MCP client (``mcp.Client``) to the server, calls
each tool the way an agent chains them (list -> job -> results -> drill-down -> a mistake), then
fetches one prompt (what a slash command hands the model) and reads one resource (what a user
attaches to a chat), and prints the text the model would read. No keys, no network. Output goes to
stdout: the demo is not an MCP server.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import anyio
from mcp import Client

from .app import build_server
from .embedded import embedded_sandbox


def _first(rows: list[dict[str, Any]], **match: str) -> str | None:
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row["id"]
    return None


async def _run(out: TextIO) -> int:
    with embedded_sandbox() as emb:
        rows = emb.sandbox.jobs()
        coding = _first(rows, provider="aftercare", kind="coding", status="completed")
        quality = _first(rows, provider="aftercare", kind="data_quality", status="completed")
        running = _first(rows, provider="surveycoder", status="processing")
        one_call = _first(rows, provider="surveycoder", kind="one_call", status="completed")
        calls: list[tuple[str, dict[str, Any]]] = [
            ("list_jobs", {}),
            ("list_jobs", {"status": "failed", "since": "7d"}),
        ]
        if running:
            calls.append(("get_job", {"job_id": running}))
        if coding:
            calls += [
                ("get_coding_results", {"job_id": coding}),
                ("get_coding_results", {"job_id": coding, "question_id": "Q1", "max_tokens": 1500}),
            ]
        if one_call:
            calls.append(("get_coding_results", {"job_id": one_call, "max_tokens": 1500}))
        if quality:
            calls += [
                ("get_quality_results", {"job_id": quality}),
                (
                    "get_quality_results",
                    {"job_id": quality, "issue_type": "llm_generated", "max_tokens": 1000},
                ),
            ]
        calls += _research_calls(rows)
        calls.append(("get_job", {"job_id": "../etc/passwd"}))

        server = build_server(emb.settings, env=emb.env)
        async with Client(server) as client:
            tools = (await client.list_tools()).tools
            out.write(
                f"survey-jobs-mcp demo — {len(tools)} tools on the embedded sandbox (no keys, no network)\n"
            )
            out.write(f"tools: {', '.join(t.name for t in tools)}\n")
            code_call_done = False
            for name, arguments in calls:
                result = await client.call_tool(name, arguments)
                text = "\n".join(getattr(block, "text", "") for block in result.content)
                shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
                flag = "  [isError]" if result.is_error else ""
                out.write(f"\n{'=' * 100}\n>>> {name}({shown}){flag}\n{'-' * 100}\n{text}\n")
                if name == "get_coding_results" and "question_id" in arguments and not code_call_done:
                    code_call_done = True
                    code_id = _top_code(result.structured_content)
                    if code_id:
                        drill = {
                            "job_id": arguments["job_id"],
                            "question_id": "Q1",
                            "code_id": code_id,
                            "max_tokens": 1200,
                        }
                        result = await client.call_tool("get_coding_results", drill)
                        text = "\n".join(getattr(block, "text", "") for block in result.content)
                        shown = ", ".join(f"{k}={v!r}" for k, v in drill.items())
                        out.write(f"\n{'=' * 100}\n>>> get_coding_results({shown})\n{'-' * 100}\n{text}\n")
            await _prompt_and_resource(client, out, coding=one_call, quality=quality)
    return 0


async def _prompt_and_resource(
    client: Client, out: TextIO, *, coding: str | None, quality: str | None
) -> None:
    """One prompt as a host's slash command fetches it, one resource as a user attaches it."""
    prompts = (await client.list_prompts()).prompts
    out.write(f"\n{'=' * 100}\nprompts: {', '.join(p.name for p in prompts)}\n")
    if coding:
        prompt = await client.get_prompt("summarise_coding_job", {"job_id": coding})
        text = "\n".join(getattr(m.content, "text", "") for m in prompt.messages)
        out.write(f"{'=' * 100}\n>>> prompt summarise_coding_job(job_id={coding!r})\n{'-' * 100}\n{text}\n")
    if quality:
        uri = f"survey-jobs://jobs/{quality}/summary"
        resource = await client.read_resource(uri)
        text = "\n".join(getattr(c, "text", "") for c in resource.contents)
        out.write(f"\n{'=' * 100}\n>>> resource {uri}\n{'-' * 100}\n{text}\n")


def _research_calls(rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Two waves compared, themes without junk respondents, a generated codebook, an Excel export."""
    tracker = [r for r in rows if r["survey"] == "BRAND-TRACKER-2026"]
    waves = [r["id"] for r in tracker if r["kind"] == "coding"]
    quality = _first(tracker, kind="data_quality")
    codebook = _first(tracker, kind="codebook_generation")
    calls: list[tuple[str, dict[str, Any]]] = []
    if len(waves) == 2:
        baseline, wave = waves
        calls.append(
            ("compare_coding_results", {"job_id": wave, "baseline_job_id": baseline, "max_tokens": 1500})
        )
        if quality:
            calls += [
                ("get_coding_results", {"job_id": wave, "exclude_flagged_in": quality, "max_tokens": 1500}),
                ("export_results", {"job_id": wave, "exclude_flagged_in": quality}),
            ]
    if codebook:
        calls.append(("get_coding_results", {"job_id": codebook, "max_tokens": 1200}))
    return calls


def _top_code(structured: dict[str, Any] | None) -> str | None:
    """Find the first code handle in a question-tree response (for the drill-down step)."""
    if not structured:
        return None
    stack: list[Any] = [structured]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            if "code_id" in item and isinstance(item["code_id"], str):
                return item["code_id"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def run_demo(out: TextIO | None = None) -> int:
    return anyio.run(_run, out or sys.stdout)
