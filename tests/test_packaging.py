"""The wheel installs exactly one top-level import name, ``survey_jobs_mcp``, with every package."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])


def test_every_folder_with_an_init_is_a_declared_package() -> None:
    found = {
        "survey_jobs_mcp." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("server", "tools")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found == _declared_packages()


def test_the_wheel_has_one_top_level_name(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("survey_jobs_mcp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {
        name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))
    }
    assert top_level == {"survey_jobs_mcp"}
    modules = {name for name in names if name.endswith(".py")}
    assert "survey_jobs_mcp/server/cli.py" in modules and "survey_jobs_mcp/tools/catalog/spec.py" in modules
    assert "survey_jobs_mcp/server/providers/aftercare/adapter.py" in modules
    assert not any(name.startswith("survey_jobs_mcp/__init__") for name in names)  # a namespace root


def test_python_dash_m_works_from_a_directory_with_its_own_tools_package(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "__init__.py").write_text("")
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "__init__.py").write_text("raise ImportError('the wrong server package')")
    out = subprocess.run(
        [sys.executable, "-m", "survey_jobs_mcp.server", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("survey-jobs-mcp ")
