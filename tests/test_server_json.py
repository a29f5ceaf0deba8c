"""server.json, the MCP Registry entry, against the registry's published schema and our own facts.

The schema is the registry's own file (tests/specs/mcp-registry/, pinned by hash); ``jsonschema``
validates with format checks. The registry also checks ownership of a PyPI package by looking for
``mcp-name: <server name>`` in the package's README (its long description), so that is checked too.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "tests" / "specs" / "mcp-registry" / "server.schema.2025-12-11.json"
SCHEMA_SHA256 = "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _errors(doc: dict[str, Any]) -> list[str]:
    schema = _load(SCHEMA_PATH)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc))


@pytest.fixture
def server_json() -> dict[str, Any]:
    return _load(ROOT / "server.json")


@pytest.fixture
def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_vendored_schema_is_the_published_file(server_json: dict[str, Any]) -> None:
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert _load(SCHEMA_PATH)["$id"] == server_json["$schema"]


def test_server_json_is_valid_against_the_registry_schema(server_json: dict[str, Any]) -> None:
    assert _errors(server_json) == []


def test_the_schema_check_is_live(server_json: dict[str, Any]) -> None:
    """The same validator rejects what the registry rejects (so the test above can fail)."""
    bad = copy.deepcopy(server_json)
    bad["description"] = "x" * 101
    bad["packages"][0]["version"] = "latest"
    del bad["packages"][0]["transport"]
    assert _errors(bad) == [
        f"description: '{'x' * 101}' is too long",
        "packages/0/version: 'latest' should not be valid under {'const': 'latest'}",
        "packages/0: 'transport' is a required property",
    ]


def test_server_json_describes_this_package(server_json: dict[str, Any], project: dict[str, Any]) -> None:
    (package,) = server_json["packages"]
    assert package["registryType"] == "pypi" and package["registryBaseUrl"] == "https://pypi.org"
    assert package["identifier"] == project["name"]
    assert server_json["version"] == package["version"] == project["version"]
    assert package["transport"] == {"type": "stdio"}
    repo = project["urls"]["Repository"]
    assert server_json["repository"] == {"url": repo, "source": "github"}
    assert server_json["websiteUrl"] == project["urls"]["Homepage"]
    owner, name = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", repo).groups()
    assert server_json["name"] == f"io.github.{owner}/{name}"  # the namespace GitHub login proves


def test_environment_variables_are_the_ones_the_server_reads(server_json: dict[str, Any]) -> None:
    variables = {v["name"]: v for v in server_json["packages"][0]["environmentVariables"]}
    manifest_env = _load(ROOT / "bundle" / "manifest.json")["server"]["mcp_config"]["env"]
    assert list(variables) == list(manifest_env)  # the bundle and the registry entry agree
    assert [name for name, v in variables.items() if v.get("isSecret")] == [
        "AFTERCARE_API_KEY",
        "SURVEYCODER_API_KEY",
    ]
    assert not any(v["isRequired"] for v in variables.values())  # keyring, or sandbox mode, suffice
    sandbox = variables["SURVEY_JOBS_SANDBOX"]
    assert sandbox["format"] == "boolean" and sandbox["default"] == "false"


def test_readme_proves_pypi_ownership_for_the_registry(server_json: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"<!-- mcp-name: {server_json['name']} -->" in readme
