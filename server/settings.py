"""Runtime settings, read once from the environment.

Only the variables the README documents are read from the environment; the timeout, retry and
cache knobs are plain fields with defaults so tests (and a future config file) can override them with
``dataclasses.replace`` without widening the documented contract.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .providers.registry import PROVIDER_INFO

APP_DIR_NAME = "survey-jobs-mcp"
DEFAULT_PREFETCH = 2


class SettingsError(ValueError):
    """A configuration value is unusable; the message names the variable and what is expected."""


@dataclass(frozen=True, slots=True)
class Settings:
    base_urls: Mapping[str, str] = field(
        default_factory=lambda: {name: info.default_base_url for name, info in PROVIDER_INFO.items()}
    )
    """Per provider (registry name): its API root, from the provider's ``*_BASE_URL`` variable."""
    data_dir: Path = field(default_factory=lambda: default_data_dir(os.environ, sys.platform))
    # HTTP timeouts (seconds). Read 20 s: the slowest documented endpoint (a big results page) stays well
    # under it, and together with the deadline a tool still answers before the client's 60 s timeout.
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    # Retries: exponential backoff with full jitter, bounded by attempts and by an overall deadline per
    # logical request (40 s, so a tool answers within 45 s even after several retries).
    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_factor: float = 2.0
    backoff_max: float = 4.0
    retry_after_cap: float = 10.0
    request_deadline: float = 40.0
    # Keys are looked up at most this often per provider (a keyring lookup can cost tens of ms).
    key_cache_seconds: float = 60.0
    # Local result cache (terminal job results), least-recently-used rows evicted beyond this.
    cache_max_bytes: int = 200 * 1024 * 1024
    export_dir: Path | None = None
    """Where ``export_results`` writes (``SURVEY_JOBS_EXPORT_DIR``); None = ``default_export_dir``."""
    # Finished results are compacted into the cache this long after the last page (their stored pages
    # already make them durable), so the encoding does not compete with building the answer.
    compact_delay_s: float = 2.0
    # Readers started in the background for jobs seen finishing (0 = no prefetch); SURVEY_JOBS_PREFETCH.
    prefetch: int = DEFAULT_PREFETCH
    # wait_for_jobs: seconds between two status requests for one job, and requests per second per
    # provider for all pollers together (the HTTP layer still honours 429 and Retry-After).
    poll_interval_s: float = 2.0
    poll_rate_per_provider: float = 4.0
    # list_jobs refreshes tracked unfinished jobs (oldest-checked first) for at most this long; the rest
    # show their last known status.
    list_refresh_budget_s: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, platform: str | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``); empty variables count as unset."""
        env = os.environ if env is None else env
        data_dir_raw = (env.get("SURVEY_JOBS_DATA_DIR") or "").strip()
        data_dir = (
            Path(data_dir_raw).expanduser()
            if data_dir_raw
            else default_data_dir(env, platform or sys.platform)
        )
        export_raw = (env.get("SURVEY_JOBS_EXPORT_DIR") or "").strip()
        return cls(
            prefetch=_prefetch(env),
            base_urls={
                name: _base_url(env, info.base_url_env, info.default_base_url)
                for name, info in PROVIDER_INFO.items()
            },
            data_dir=data_dir,
            export_dir=Path(export_raw).expanduser() if export_raw else default_export_dir(env, data_dir),
        )

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.sqlite3"

    @property
    def export_path(self) -> Path:
        return self.export_dir or default_export_dir(os.environ, self.data_dir)

    def base_url(self, provider: str) -> str:
        try:
            return self.base_urls[provider]
        except KeyError:
            raise SettingsError(
                f"unknown provider {provider!r} (expected one of {', '.join(self.base_urls)})"
            ) from None


MAX_PREFETCH = 8


def _prefetch(env: Mapping[str, str]) -> int:
    raw = (env.get("SURVEY_JOBS_PREFETCH") or "").strip()
    if not raw:
        return DEFAULT_PREFETCH
    if not raw.isdigit() or int(raw) > MAX_PREFETCH:
        raise SettingsError(
            f"SURVEY_JOBS_PREFETCH must be a whole number from 0 (no prefetch) to {MAX_PREFETCH}, got {raw!r}"
        )
    return int(raw)


def _base_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http(s) URL such as {default}, got {raw!r}")
    if parts.query or parts.fragment:
        raise SettingsError(f"{name} must not carry a query or fragment, got {raw!r}")
    return raw.rstrip("/")


def default_data_dir(env: Mapping[str, str], platform: str) -> Path:
    """The platform's per-user data directory, without a platformdirs dependency.

    Linux/BSD follow the XDG base-directory spec (a relative ``XDG_DATA_HOME`` is invalid and ignored).
    """
    home = Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP_DIR_NAME
    if platform.startswith(("win32", "cygwin")):
        local = env.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
        return base / APP_DIR_NAME
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / APP_DIR_NAME


EXPORT_DIR_NAME = "survey-jobs"


def default_export_dir(env: Mapping[str, str], data_dir: Path) -> Path:
    """``survey-jobs`` in the user's Downloads folder when one exists, else ``<data dir>/exports``.

    Downloads is where a researcher looks for a file an app made; the folder is not created here
    (only when an export is written), so an unused setting leaves no trace.
    """
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    xdg = env.get("XDG_DOWNLOAD_DIR")
    downloads = Path(xdg) if xdg and Path(xdg).is_absolute() else home / "Downloads"
    if downloads.is_dir():
        return downloads / EXPORT_DIR_NAME
    return data_dir / "exports"
