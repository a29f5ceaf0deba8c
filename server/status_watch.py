"""Notice when a job's status changes, whichever call happened to see it.

The job service shows every job it resolves or lists to a ``StatusWatch``. The watch remembers the
last normalized status per job (in memory, for this server process) and hands the ids whose status
differs from the one it saw before to a listener, which tells resource subscribers. A job seen for
the first time is a baseline, not a change: nobody can have read an older state from this server.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable

from survey_jobs_mcp.tools.models import NormalizedStatus

logger = logging.getLogger("survey_jobs_mcp.status_watch")

StatusListener = Callable[[list[str]], Awaitable[None]]
"""``await listener(job_ids)``: the (canonical) ids whose status just changed."""

MAX_REMEMBERED = 20_000
"""Far more jobs than one assistant session touches; the oldest-seen ones are forgotten first."""


class StatusWatch:
    def __init__(
        self, listener: StatusListener | None = None, *, max_remembered: int = MAX_REMEMBERED
    ) -> None:
        self._listener = listener
        self._max = max_remembered
        self._last: OrderedDict[str, NormalizedStatus] = OrderedDict()

    def _changed(self, sightings: Iterable[tuple[str, NormalizedStatus]]) -> list[str]:
        changed: list[str] = []
        for job_id, status in sightings:
            before = self._last.get(job_id)
            self._last[job_id] = status
            self._last.move_to_end(job_id)
            if before is not None and before != status and job_id not in changed:
                changed.append(job_id)
        while len(self._last) > self._max:
            self._last.popitem(last=False)
        return changed

    async def seen(self, sightings: Iterable[tuple[str, NormalizedStatus]]) -> list[str]:
        """Record ``(job_id, status)`` pairs; tell the listener which ids changed (and return them).

        A failing listener is logged and ignored: a notification problem must never fail the tool
        call that happened to notice the change.
        """
        changed = self._changed(sightings)
        if changed and self._listener is not None:
            try:
                await self._listener(changed)
            except Exception:
                logger.warning("could not notify subscribers about %d job(s)", len(changed), exc_info=True)
        return changed


__all__ = ["StatusListener", "StatusWatch"]
