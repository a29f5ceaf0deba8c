"""``survey-jobs-mcp track ID...`` / ``track --list`` / ``untrack ID...``: the tracked Aftercare jobs.

Aftercare has no list endpoint, so the local store is the only way ``list_jobs`` can know a job
exists. ``track`` records the ids and, unless ``--no-check``, asks Aftercare for each job's kind and
status right away (so a typo is caught now, not at the next ``list_jobs``). ``--list`` shows what is
tracked and how fresh each status is; ``untrack`` forgets ids (an id Aftercare answers 404 for on
two checks an hour apart is also dropped by itself).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

import anyio

from survey_jobs_mcp.tools.errors import SurveyJobsError

from .providers.registry import JOB_IDS, PROVIDER_INFO
from .providers.tracked import age
from .settings import Settings
from .store import Store


def run_track(
    job_ids: list[str], *, check: bool = True, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings = Settings.from_env()
    valid: list[tuple[str, str]] = []
    status = 0
    for raw in job_ids:
        try:
            info = PROVIDER_INFO[JOB_IDS.detect(raw)]
        except SurveyJobsError as exc:
            err.write(f"{exc}\n")
            status = 2
            continue
        if not info.needs_tracking:
            err.write(f"{raw}: {info.label} jobs are listed by {info.label} itself; no need to track them.\n")
            continue
        valid.append((JOB_IDS.canonical(raw), info.name))
    store = Store.open(settings.store_path)
    try:
        if store.degraded_note:  # tracking into a memory-only store would be forgotten at once
            err.write(f"error: {store.degraded_note}\n")
            return 1
        if notice := store.take_notice():
            err.write(f"note: {notice}\n")
        for job_id, provider in valid:
            store.track(job_id, provider, None)
    finally:
        store.close()
    if check and valid:
        status = max(status, anyio.run(_check, settings, [job_id for job_id, _ in valid], out, err))
    elif valid:
        out.write(f"tracking {len(valid)} job(s); list_jobs will refresh them\n")
    return status


async def _check(settings: Settings, job_ids: list[str], out: TextIO, err: TextIO) -> int:
    from .app import build_server

    server = build_server(settings)
    from mcp import Client

    status = 0
    async with Client(server) as client:
        for job_id in job_ids:
            result = await client.call_tool("get_job", {"job_id": job_id})
            text = result.content[0].text if result.content else ""
            if result.is_error:
                err.write(f"{job_id}: tracked, but not confirmed: {text}\n")
                status = 1
            else:
                sc = result.structured_content or {}
                out.write(f"{job_id}: tracked ({sc.get('kind', '?')}, {sc.get('provider_status', '?')})\n")
    return status


def run_track_list(*, out: TextIO | None = None) -> int:
    """One line per tracked job: id, provider, kind, last status, and how old that status is."""
    out = out or sys.stdout
    store = Store.open(Settings.from_env().store_path)
    try:
        tracked = store.list_tracked()
    finally:
        store.close()
    now = datetime.now(UTC)
    for job in tracked:
        checked = f"checked {age(job.last_checked_at, now)} ago" if job.last_checked_at else "never checked"
        missing = f"; not found since {age(job.missing_since, now)} ago" if job.missing_since else ""
        status = job.last_status or "unknown"
        out.write(f"{job.job_id}  {job.provider}  {job.kind or '?'}  {status}  ({checked}{missing})\n")
    out.write(f"{len(tracked)} tracked job(s)\n")
    return 0


def run_untrack(job_ids: list[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Forget tracked ids; an id that was not tracked is reported (exit 1), a malformed one too (2)."""
    out, err = out or sys.stdout, err or sys.stderr
    status = 0
    valid: list[str] = []
    for raw in job_ids:
        try:
            valid.append(JOB_IDS.normalize(raw.strip()))
        except SurveyJobsError as exc:
            err.write(f"{exc}\n")
            status = 2
    store = Store.open(Settings.from_env().store_path)
    try:
        gone = set(store.untrack(valid))
    finally:
        store.close()
    for job_id in valid:
        if job_id in gone:
            out.write(f"{job_id}: no longer tracked\n")
        else:
            err.write(f"{job_id}: was not tracked\n")
            status = max(status, 1)
    return status
