"""``survey-jobs-mcp track ID...``: make Aftercare jobs known to ``list_jobs``.

Aftercare has no list endpoint, so the local store is the only way ``list_jobs`` can know a job
exists. ``track`` records the ids and, unless ``--no-check``, asks Aftercare for each job's kind and
status right away (so a typo is caught now, not at the next ``list_jobs``).
"""

from __future__ import annotations

import sys
from typing import TextIO

import anyio

from survey_jobs_mcp.tools.errors import SurveyJobsError

from .providers.registry import JOB_IDS, PROVIDER_INFO
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
