"""The sandbox's jobs: identity, lifecycle on the sandbox clock, and lazily built results.

A job's status is a pure function of the clock (``queued`` before ``start_at``, ``processing``
until ``done_at``, then its final status), so tests move lifecycles by advancing the clock and
nothing runs in the background. Results are built on first access and cached, which keeps
``Sandbox()`` construction instant even with a 100,000-response benchmark job.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from .clock import iso

ProviderName = Literal["aftercare", "surveycoder"]
Kind = Literal["coding", "data_quality", "codebook_generation", "auto_coding", "one_call"]


@dataclass(eq=False)
class SandboxJob:
    provider: ProviderName
    kind: Kind
    id: str
    survey: str
    created_at: datetime
    start_at: datetime
    done_at: datetime
    final_status: str
    build: Callable[[], Any]
    """Builds the job's data (CodingData, QualityData or a SurveyCoder result dict)."""
    total: int | None = None
    """Response count when known without building (SurveyCoder totals, data-quality respondents)."""
    error: tuple[str, str] | None = None
    """(code, message) for failed jobs."""
    failed_fraction: float = 0.5
    _data: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self, now: datetime) -> str:
        if now < self.start_at:
            return "queued"
        if now < self.done_at:
            return "processing"
        return self.final_status

    def data(self) -> Any:
        """The job's results, built once (thread-safe)."""
        with self._lock:
            if self._data is None:
                self._data = self.build()
            return self._data

    @property
    def responses(self) -> int:
        if self.total is not None:
            return self.total
        data = self.data()
        return data.response_count if hasattr(data, "response_count") else len(data.respondents)

    # ---- SurveyCoder views ------------------------------------------------------------------

    def progress(self, now: datetime) -> tuple[dict[str, int], datetime]:
        """SurveyCoder progress (steps of 100 responses) and the matching ``updated_at``."""
        total = self.responses
        status = self.status(now)
        if status == "queued":
            return {"processed": 0, "total": total, "percentage": 0}, self.created_at
        steps = max(1, math.ceil(total / 100))
        step = (self.done_at - self.start_at) / steps
        if status == "processing":
            done_steps = int((now - self.start_at) / step) if step else 0
            processed = min(total, done_steps * 100)
            updated = self.start_at + step * done_steps
        elif status == "failed":
            processed = min(total, int(total * self.failed_fraction) // 100 * 100)
            updated = self.done_at
        else:
            processed, updated = total, self.done_at
        pct = processed * 100 // total if total else 100
        return {"processed": processed, "total": total, "percentage": pct}, updated

    def surveycoder_body(self, now: datetime, full: bool) -> dict[str, Any]:
        """``Job`` (full) or ``JobSummary`` for GET /v2/jobs[/{id}]."""
        progress, updated = self.progress(now)
        status = self.status(now)
        body: dict[str, Any] = {
            "id": self.id,
            "type": self.kind,
            "status": status,
            "progress": progress,
            "created_at": iso(self.created_at),
            "updated_at": iso(updated),
        }
        if full and status == "completed":
            body["result"] = self.data()
        if full and status == "failed" and self.error:
            body["error"] = {"code": self.error[0], "message": self.error[1]}
        return body

    def row(self, now: datetime) -> dict[str, Any]:
        """One row of GET /_sandbox/jobs."""
        return {
            "provider": self.provider,
            "kind": self.kind,
            "id": self.id,
            "status": self.status(now),
            "survey": self.survey,
            "responses": self.responses,
            "created_at": iso(self.created_at),
        }


@dataclass
class JobStore:
    """All jobs by id, in creation order of the catalog (thread-safe adds)."""

    jobs: dict[str, SandboxJob] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, job: SandboxJob) -> SandboxJob:
        with self._lock:
            self.jobs[job.id] = job
        return job

    def get(self, job_id: str, provider: ProviderName, kinds: tuple[str, ...]) -> SandboxJob | None:
        job = self.jobs.get(job_id)
        if job is None or job.provider != provider or job.kind not in kinds:
            return None
        return job

    def all(self) -> list[SandboxJob]:
        with self._lock:
            return list(self.jobs.values())


def at(base: datetime, **delta: float) -> datetime:
    """``base + timedelta(**delta)``, for readable catalog tables."""
    return base + timedelta(**delta)
