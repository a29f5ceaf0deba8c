"""The metadata PyPI will show, read from the installed distribution (built from pyproject.toml).

``pip install -e .`` builds the same core metadata a wheel carries, so these facts are checked as
PyPI and installers see them, not as pyproject.toml spells them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# SHA-256 of the Apache License 2.0 text as published at apache.org (LICENSE-2.0.txt).
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def _metadata() -> importlib.metadata.PackageMetadata:
    return importlib.metadata.metadata("survey-jobs-mcp")


def test_license_is_apache_2_with_the_standard_text() -> None:
    meta = _metadata()
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_SHA256


def test_long_description_is_the_readme_as_markdown() -> None:
    meta = _metadata()
    assert meta["Description-Content-Type"] == "text/markdown"
    # The body of the metadata file; some importlib.metadata versions expose it as "Description".
    description = meta.get("Description") or meta.get_payload()
    # Compare the opening only: the installed copy is as old as the last `pip install -e .`.
    opening = (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n", 2)[:2]
    assert description.split("\n\n", 2)[:2] == opening
    assert opening[0] == "# survey-jobs-mcp"


def test_classifiers_match_the_supported_pythons() -> None:
    meta = _metadata()
    classifiers = meta.get_all("Classifier")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11" == meta["Requires-Python"]
    python = "Programming Language :: Python :: "
    minors = sorted(c.removeprefix(python) for c in classifiers if c.startswith(python + "3."))
    assert minors == ["3.11", "3.12", "3.13"]
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # superseded by License-Expression
    for os_name in ("MacOS", "Microsoft :: Windows", "POSIX :: Linux"):
        assert f"Operating System :: {os_name}" in classifiers


def test_project_urls_point_at_one_repository() -> None:
    urls = dict(u.split(", ", 1) for u in _metadata().get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Repository", "Issues"}
    repo = urls["Repository"]
    assert repo.startswith("https://github.com/")
    assert urls["Homepage"] == repo
    assert urls["Documentation"] == f"{repo}#readme"
    assert urls["Issues"] == f"{repo}/issues"
