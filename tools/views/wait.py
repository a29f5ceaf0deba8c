"""The answer of ``wait_for_jobs``: tiny while nothing finished, the next calls once jobs finish.

An agent may call this many times in a row while jobs run, so the interim answer carries only each
job's state and progress and how to continue (well under 300 tokens for five jobs). When jobs
finish it gives each one's final status, its error, and the exact call that reads its results
(which the server is already reading in the background).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..models import CODING_KINDS, QUALITY_KINDS, Job
from ..quoting import clean_label, handle, plain, plain_id
from ..render import Summary, drop_none
from ..source import WaitOutcome
from ..tokens import DEFAULT_TOKENS, fits
from .lean import OutModel

FINAL = ("completed", "partially_failed", "failed")
MAX_ROWS = 20
ENOUGH_CALLS = 10


class WaitJobOut(OutModel):
    id: str
    status: str = Field(description="Normalized: queued, running, completed, partially_failed, failed.")
    provider_status: str | None = None
    percent: int | None = Field(None, description="Progress, where the provider reports it.")
    error: dict[str, str] | None = None
    next: dict[str, Any] | None = Field(None, description="The call that reads this job's results.")


class WaitOut(OutModel):
    """Structured result of wait_for_jobs."""

    state: Literal["waiting", "finished", "nothing_to_wait_for"] = Field(
        description='"waiting": the condition was not met in time; call again with the same arguments.'
    )
    finished: int
    watched: int
    elapsed_s: float
    jobs: list[WaitJobOut]
    more: int | None = Field(None, description="Watched jobs not listed (the list is capped).")
    prefetching: list[str] | None = Field(None, description="Finished jobs whose results are being read.")
    notes: list[str] | None = None
    next: dict[str, Any] | None = None


def results_call(job: Job) -> dict[str, Any] | None:
    if job.status not in ("completed", "partially_failed"):
        return None
    tool = "get_quality_results" if job.kind in QUALITY_KINDS else "get_coding_results"
    if job.kind not in QUALITY_KINDS and job.kind not in CODING_KINDS:
        return None
    return {"tool": tool, "arguments": {"job_id": plain_id(job.job_id)}}


def _call_text(call: dict[str, Any]) -> str:
    args = ", ".join(
        f"{k}={v!r}".replace("'", '"') if isinstance(v, list) else f'{k}="{v}"'
        for k, v in call["arguments"].items()
    )
    return f"`{call['tool']}({args})`"


def _item(job: Job, done: bool) -> dict[str, Any]:
    error = None
    if done and job.error is not None:
        error = {"code": plain(job.error.code, 40), "message": plain(job.error.message, 160)}
    return drop_none(
        {
            "id": plain_id(job.job_id),
            "status": job.status,
            "provider_status": plain(job.provider_status, 30) if done else None,
            "percent": job.progress.percentage if job.progress and not done else None,
            "error": error,
            "next": results_call(job) if done else None,
        }
    )


def _pct(job: Job) -> str:
    return f" {job.progress.percentage}%" if job.progress else ""


def _row(job: Job, done: bool, columns: list[str]) -> str:
    cells = [handle(job.job_id), job.status]
    if "progress" in columns:
        cells.append(_pct(job).strip())
    if "error" in columns:
        cells.append(f"{handle(job.error.code)} {clean_label(job.error.message, 120)}" if job.error else "")
    if "next" in columns:
        call = results_call(job)
        cells.append(_call_text(call) if call else "")
    return "| " + " | ".join(cells) + " |"


def _table(jobs: list[Job], done: bool) -> list[str]:
    columns = ["id", "status"]
    if not done and any(j.progress for j in jobs):
        columns.append("progress")
    if done and any(j.error for j in jobs):
        columns.append("error")
    if done and any(results_call(j) for j in jobs):
        columns.append("next")
    return [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *(_row(j, done, columns) for j in jobs),
    ]


def wait_view(
    outcome: WaitOutcome, *, job_ids: list[str] | None, return_when: str, timeout_s: float
) -> Summary:
    """Render the outcome; ``job_ids``/``return_when``/``timeout_s`` are echoed in the call-again hint."""
    jobs = outcome.jobs
    finished = [j for j in jobs if j.status in FINAL]
    running = [j for j in jobs if j.status not in FINAL]
    again_args: dict[str, Any] = {}
    if job_ids is not None:
        again_args["job_ids"] = [plain_id(j.job_id) for j in running] or [plain_id(i) for i in job_ids]
    if return_when != "first_finished":
        again_args["return_when"] = return_when
    again = {"tool": "wait_for_jobs", "arguments": again_args}
    if not jobs:
        state = "nothing_to_wait_for"
    elif (return_when == "first_finished" and finished) or not running:
        state = "finished"
    else:
        state = "waiting"
    first_result = next((c for c in (results_call(j) for j in finished) if c), None)
    next_call = again if state == "waiting" else first_result or (again if running else None)
    shown = (finished + running)[:MAX_ROWS]
    structured = drop_none(
        {
            "state": state,
            "finished": len(finished),
            "watched": len(jobs),
            "elapsed_s": round(outcome.elapsed_s, 1),
            "jobs": [_item(j, j.status in FINAL) for j in shown],
            "more": (len(jobs) - len(shown)) or None,
            "prefetching": [plain_id(i) for i in outcome.prefetching] or None,
            "notes": [plain(n, 200) for n in outcome.notes[:3]] or None,
            "next": next_call,
        }
    )
    text = _text(outcome, state, finished, running, shown, again, first_result)
    summary = Summary(text, structured)
    while not fits(summary.text, summary.structured, DEFAULT_TOKENS) and len(shown) > 1:
        shown = shown[: len(shown) // 2]
        structured["jobs"] = [_item(j, j.status in FINAL) for j in shown]
        structured["more"] = len(jobs) - len(shown)
        summary = Summary(_text(outcome, state, finished, running, shown, again, first_result), structured)
    return summary


def _text(
    outcome: WaitOutcome,
    state: str,
    finished: list[Job],
    running: list[Job],
    shown: list[Job],
    again: dict[str, Any],
    first_result: dict[str, Any] | None,
) -> str:
    elapsed = f"{outcome.elapsed_s:.0f} s"
    total = len(outcome.jobs)
    if state == "nothing_to_wait_for":
        lines = ["# Nothing to wait for", "", *(f"Note: {clean_label(n, 200)}" for n in outcome.notes[:3])]
        lines.append("No unfinished jobs are known. Call list_jobs to see recent jobs.")
        return "\n".join(lines) + "\n"
    if state == "waiting":
        lines = [f"# Waiting: {len(finished)} of {total} job(s) finished after {elapsed}", ""]
        lines += _table(shown, False)
        if total > len(shown):
            lines.append(f"+{total - len(shown)} more")
        lines += [
            "",
            f"Next: call {_call_text(again)} again; after about {ENOUGH_CALLS} calls in a row, stop and tell "
            "the user the jobs are still running.",
        ]
        return "\n".join(lines) + "\n"
    lines = [f"# {len(finished)} of {total} job(s) finished (after {elapsed})", ""]
    done_rows = [j for j in shown if j.status in FINAL]
    lines += _table(done_rows, True)
    waiting = [j for j in shown if j.status not in FINAL]
    if waiting:
        parts = [
            f"{handle(j.job_id)} {j.status}" + (f" {j.progress.percentage}%" if j.progress else "")
            for j in waiting
        ]
        lines += ["", "Still running: " + ", ".join(parts) + "."]
    if total > len(shown):
        lines.append(f"+{total - len(shown)} more")
    if outcome.prefetching:
        lines += ["", "Their results are already being read in the background, so the next call is quick."]
    for note in outcome.notes[:3]:
        lines.append(f"Note: {clean_label(note, 200)}")
    if first_result is not None:
        lines += ["", f"Next: {_call_text(first_result)}."]
    if running:
        lines.append(f"To keep waiting for the others: {_call_text(again)}.")
    return "\n".join(lines) + "\n"
