"""The embedded sandbox: run the server against a local emulator, with no keys and no network.

Used by ``survey-jobs-mcp demo`` and ``serve --sandbox``. The sandbox runs on a loopback port in a
background thread; the server gets its base URLs, its keys (through an env mapping, never
``os.environ``), and a throw-away data directory in which the sandbox's Aftercare jobs are already
tracked (Aftercare has no list endpoint, so this is how they show up in ``list_jobs``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .providers.registry import PROVIDER_INFO
from .sandbox import Sandbox, SandboxServer
from .settings import Settings
from .store import Store


@dataclass(frozen=True)
class Embedded:
    settings: Settings
    env: dict[str, str]
    sandbox: Sandbox
    server: SandboxServer


@contextmanager
def embedded_sandbox(*, seed: int = 7, sandbox: Sandbox | None = None) -> Iterator[Embedded]:
    sb = sandbox or Sandbox(seed=seed, realtime=True)
    with SandboxServer(sb) as srv, tempfile.TemporaryDirectory(prefix="survey-jobs-mcp-sandbox-") as tmp:
        env = {"AFTERCARE_API_KEY": sb.keys.aftercare, "SURVEYCODER_API_KEY": sb.keys.surveycoder}
        settings = Settings.from_env(
            {
                "AFTERCARE_BASE_URL": srv.aftercare_url,
                "SURVEYCODER_BASE_URL": srv.surveycoder_url,
                "SURVEY_JOBS_DATA_DIR": tmp,
                # Exports of sandbox data go to the throw-away folder unless the user chose a folder.
                "SURVEY_JOBS_EXPORT_DIR": os.environ.get("SURVEY_JOBS_EXPORT_DIR")
                or str(Path(tmp) / "exports"),
            }
        )
        track_sandbox_jobs(settings, sb)
        yield Embedded(settings=settings, env=env, sandbox=sb, server=srv)


def track_sandbox_jobs(settings: Settings, sb: Sandbox) -> int:
    """Track every job of a provider with no list endpoint, as a user would with ``survey-jobs-mcp track``."""
    store = Store.open(settings.store_path)
    try:
        rows = [r for r in sb.jobs() if PROVIDER_INFO[r["provider"]].needs_tracking]
        for row in rows:
            store.track(row["id"], row["provider"], row["kind"])
        return len(rows)
    finally:
        store.close()
