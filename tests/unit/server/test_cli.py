"""The command line, run as a user runs it: the installed console script in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer

SCRIPT = Path(sys.executable).with_name("survey-jobs-mcp")
CANARY = "scp_test_CANARYcanary0123456789abcdefXY"


def _run(
    args: list[str], env: dict[str, str], stdin: str = "", timeout: int = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout
    )


def _base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "PATH": str(SCRIPT.parent),
        "SURVEY_JOBS_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # a headless box: no backend
    }


def test_demo_prints_each_tool_with_no_keys_and_no_network(tmp_path: Path) -> None:
    proc = _run(["demo"], _base_env(tmp_path), timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "7 tools on the embedded sandbox" in out
    for call in (">>> list_jobs()", ">>> get_job(", ">>> get_coding_results(", ">>> get_quality_results("):
        assert call in out
    assert "# Coding results" in out and "# Data-quality results" in out and "# Jobs" in out
    assert out.count("[isError]") == 1  # only the deliberate bad id
    assert (
        "prompts: failed_jobs_today, summarise_coding_job, data_quality_report, compare_waves, clean_themes"
        in out
    )
    assert (
        ">>> prompt summarise_coding_job(job_id='job_" in out and "Summarise the results of coding job" in out
    )
    assert ">>> resource survey-jobs://jobs/" in out and out.count("# Data-quality results") == 3
    assert "Traceback" not in proc.stderr


def test_auth_set_without_keyring_backend_explains_and_keeps_the_key_secret(tmp_path: Path) -> None:
    proc = _run(["auth", "set", "surveycoder"], _base_env(tmp_path), stdin=CANARY + "\n")
    assert proc.returncode == 1
    both = proc.stdout + proc.stderr
    assert "SURVEYCODER_API_KEY" in both and "keyrings.alt" in both
    assert "Traceback" not in both and CANARY not in both


def test_auth_status_shows_env_key_masked_and_keyring_unavailable(tmp_path: Path) -> None:
    env = _base_env(tmp_path) | {"SURVEYCODER_API_KEY": CANARY}
    proc = _run(["auth", "status"], env)
    assert proc.returncode == 0, proc.stderr
    both = proc.stdout + proc.stderr
    assert CANARY not in both and "Traceback" not in both
    assert "SURVEYCODER_API_KEY" in both  # says where the key comes from
    assert CANARY[-2:] in both  # masked form keeps only a recognisable tail


def test_auth_status_check_asks_the_provider(tmp_path: Path) -> None:
    sb = Sandbox(seed=7)
    with SandboxServer(sb) as srv:
        env = _base_env(tmp_path) | {
            "AFTERCARE_BASE_URL": srv.aftercare_url,
            "SURVEYCODER_BASE_URL": srv.surveycoder_url,
            "AFTERCARE_API_KEY": sb.keys.aftercare,
            "SURVEYCODER_API_KEY": CANARY,  # wrong key: the provider must reject it
        }
        proc = _run(["auth", "status", "--check"], env)
    both = proc.stdout + proc.stderr
    assert proc.returncode == 1, both
    assert "accepted" in both and "reject" in both.lower()
    assert CANARY not in both and sb.keys.aftercare not in both


def test_track_records_and_confirms_aftercare_jobs(tmp_path: Path) -> None:
    sb = Sandbox(seed=7)
    quality = next(r["id"] for r in sb.jobs() if r["kind"] == "data_quality" and r["status"] == "completed")
    with SandboxServer(sb) as srv:
        env = _base_env(tmp_path) | {
            "AFTERCARE_BASE_URL": srv.aftercare_url,
            "SURVEYCODER_BASE_URL": srv.surveycoder_url,
            "AFTERCARE_API_KEY": sb.keys.aftercare,
        }
        ok = _run(["track", quality.upper()], env)
        bad = _run(["track", "../etc/passwd"], env)
        unknown = _run(["track", "00000000-0000-4000-8000-000000000000"], env)
    assert ok.returncode == 0, ok.stderr
    assert f"{quality}: tracked (data_quality, completed)" in ok.stdout
    assert bad.returncode == 2 and "not a valid job id" in bad.stderr
    assert (
        unknown.returncode == 1
        and "not confirmed" in unknown.stderr
        and "no coding or data-quality job" in unknown.stderr
    )

    from survey_jobs_mcp.server.store import Store

    with Store.open(tmp_path / "data" / "store.sqlite3") as store:
        tracked = {t.job_id: t for t in store.list_tracked("aftercare")}
    assert tracked[quality].kind == "data_quality" and tracked[quality].last_status == "completed"
    assert "00000000-0000-4000-8000-000000000000" in tracked  # recorded even though not confirmed
