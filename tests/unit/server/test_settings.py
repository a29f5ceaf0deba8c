"""Settings come from the documented environment variables only, with platform-correct defaults."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from survey_jobs_mcp.server.settings import Settings, SettingsError, default_data_dir


def test_defaults_from_empty_env() -> None:
    s = Settings.from_env({"HOME": "/home/ann"}, platform="linux")
    assert s.base_urls == {
        "aftercare": "https://surveys.getaftercare.com",
        "surveycoder": "https://api.surveycoder.io",
    }
    assert s.data_dir == Path("/home/ann/.local/share/survey-jobs-mcp")
    assert s.store_path == s.data_dir / "store.sqlite3"
    # sane knobs: a tool must answer within 45 s
    assert s.connect_timeout == 5.0 and s.read_timeout == 20.0
    assert s.request_deadline <= 40.0 and s.max_attempts >= 3
    assert s.cache_max_bytes == 200 * 1024 * 1024


def test_env_overrides_and_trailing_slashes() -> None:
    s = Settings.from_env(
        {
            "AFTERCARE_BASE_URL": "http://127.0.0.1:8123/aftercare/",
            "SURVEYCODER_BASE_URL": " https://sc.example.com// ",
            "SURVEY_JOBS_DATA_DIR": "/tmp/sj-data",
        },
        platform="linux",
    )
    assert s.base_url("aftercare") == "http://127.0.0.1:8123/aftercare"
    assert s.base_url("surveycoder") == "https://sc.example.com"
    assert s.data_dir == Path("/tmp/sj-data")


def test_empty_variables_count_as_unset() -> None:
    env = {"AFTERCARE_BASE_URL": "", "SURVEY_JOBS_DATA_DIR": "  ", "HOME": "/h"}
    s = Settings.from_env(env, platform="linux")
    assert s.base_url("aftercare") == "https://surveys.getaftercare.com"
    assert s.data_dir == Path("/h/.local/share/survey-jobs-mcp")


@pytest.mark.parametrize(
    "bad", ["ftp://x.example.com", "surveys.getaftercare.com", "https://", "https://h/?a=1"]
)
def test_bad_base_url_names_the_variable(bad: str) -> None:
    with pytest.raises(SettingsError, match="AFTERCARE_BASE_URL"):
        Settings.from_env({"AFTERCARE_BASE_URL": bad})


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"HOME": "/home/a", "XDG_DATA_HOME": "/xdg"}, "/xdg/survey-jobs-mcp"),
        ("linux", {"HOME": "/home/a", "XDG_DATA_HOME": "rel/x"}, "/home/a/.local/share/survey-jobs-mcp"),
        ("freebsd14", {"HOME": "/home/a"}, "/home/a/.local/share/survey-jobs-mcp"),
        ("darwin", {"HOME": "/Users/a"}, "/Users/a/Library/Application Support/survey-jobs-mcp"),
        ("win32", {"HOME": "/c/u", "LOCALAPPDATA": "/c/local"}, "/c/local/survey-jobs-mcp"),
        ("win32", {"HOME": "/c/u"}, "/c/u/AppData/Local/survey-jobs-mcp"),
    ],
)
def test_platform_data_dir(platform: str, env: dict[str, str], expected: str) -> None:
    assert default_data_dir(env, platform) == Path(expected)


def test_frozen_and_replaceable() -> None:
    s = Settings.from_env({})
    with pytest.raises(FrozenInstanceError):
        s.max_attempts = 9  # type: ignore[misc]
    fast = replace(s, backoff_base=0.01, request_deadline=3.0)
    assert fast.backoff_base == 0.01 and s.backoff_base == 0.25


def test_unknown_provider() -> None:
    with pytest.raises(SettingsError, match="unknown provider"):
        Settings.from_env({}).base_url("qualtrics")


def test_export_dir_downloads_when_it_exists_else_the_data_dir(tmp_path: Path) -> None:
    home = tmp_path / "ann"
    s = Settings.from_env({"HOME": str(home)}, platform="linux")
    assert s.export_path == s.data_dir / "exports" == home / ".local/share/survey-jobs-mcp/exports"
    (home / "Downloads").mkdir(parents=True)
    assert (
        Settings.from_env({"HOME": str(home)}, platform="linux").export_path == home / "Downloads/survey-jobs"
    )
    xdg = tmp_path / "Téléchargements"
    xdg.mkdir()
    env = {"HOME": str(home), "XDG_DOWNLOAD_DIR": str(xdg)}
    assert Settings.from_env(env, platform="linux").export_path == xdg / "survey-jobs"
    assert not (home / "Downloads/survey-jobs").exists()  # created only when an export is written


def test_export_dir_from_the_environment() -> None:
    s = Settings.from_env({"HOME": "/home/ann", "SURVEY_JOBS_EXPORT_DIR": " ~/reports "}, platform="linux")
    assert s.export_path == Path("~/reports").expanduser()  # surrounding spaces dropped, ~ expanded


def test_prefetch_setting_from_the_environment():
    assert Settings.from_env({}).prefetch == 2
    assert Settings.from_env({"SURVEY_JOBS_PREFETCH": "0"}).prefetch == 0
    assert Settings.from_env({"SURVEY_JOBS_PREFETCH": " 5 "}).prefetch == 5
    for bad in ("-1", "two", "9"):
        with pytest.raises(SettingsError, match="SURVEY_JOBS_PREFETCH must be a whole number from 0"):
            Settings.from_env({"SURVEY_JOBS_PREFETCH": bad})
