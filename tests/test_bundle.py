"""The MCP bundle (bundle/): manifest from the real server, official validate + pack, host wiring.

The official tooling (``@anthropic-ai/mcpb``, through ``npx``) validates and packs the bundle, and
resolves the manifest's settings into the command and environment exactly as a host does. Tests
that need it skip only when ``npx`` is not on PATH. The last test installs the packed bundle with
uv, as Claude Desktop does for a ``uv`` bundle, and talks MCP to it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import mcp
import pytest
from mcp import StdioServerParameters
from mcp.server.mcpserver import MCPServer

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.sandbox import Sandbox
from survey_jobs_mcp.server.settings import Settings
from tests.protocol_support import TOOL_NAMES

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "bundle"
needs_npx = pytest.mark.skipif(shutil.which("npx") is None, reason="npx (Node.js) is not on PATH")


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_build", BUNDLE / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build()


def _manifest() -> dict[str, Any]:
    return json.loads((BUNDLE / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python bundle/build.py --check`, as CI runs it: fails on a stale manifest, validate or pack."""
    if shutil.which("npx") is None:
        pytest.skip("npx (Node.js) is not on PATH")
    out = tmp_path_factory.mktemp("mcpb")
    proc = subprocess.run(
        [sys.executable, str(BUNDLE / "build.py"), "--check", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "manifest: current (7 tools, 5 prompts)"
    assert lines[1] == "mcpb validate: ok"
    assert lines[2].startswith(f"mcpb pack: ok -> {out / 'survey-jobs-mcp-0.1.0.mcpb'} (")
    assert lines[3].startswith("archive: ok (")
    return out / "survey-jobs-mcp-0.1.0.mcpb"


def test_build_check_validates_and_packs_the_committed_manifest(packed: Path) -> None:
    with zipfile.ZipFile(packed) as archive:
        names = set(archive.namelist())
        assert json.loads(archive.read("manifest.json")) == _manifest()
        assert archive.read("main.py") == (BUNDLE / "main.py").read_bytes()
    assert {"manifest.json", "icon.png", "main.py", "pyproject.toml", "README.md", "LICENSE"} <= names
    assert "server/__main__.py" in names and "server/sandbox/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", ".ci/", "bundle/"))]


@needs_npx
def test_validation_failure_fails_the_build(tmp_path: Path) -> None:
    broken = _manifest() | {"server": {"type": "conda", "entry_point": "main.py"}}
    (tmp_path / "manifest.json").write_text(json.dumps(broken), encoding="utf-8")
    proc = build.run_mcpb("validate", str(tmp_path / "manifest.json"))
    assert proc.returncode == 1
    assert "server.type" in proc.stdout
    with pytest.raises(build.BuildError, match="mcpb validate failed"):
        build.validate_and_pack(tmp_path, tmp_path / "out.mcpb")
    assert not (tmp_path / "out.mcpb").exists()


async def _listed_tools(tmp_path: Path) -> list[dict[str, str]]:
    server = build_server(Settings.from_env({"SURVEY_JOBS_DATA_DIR": str(tmp_path)}), env={})
    async with mcp.Client(server) as client:
        return [{"name": t.name, "description": t.description} for t in (await client.list_tools()).tools]


@pytest.mark.anyio
async def test_committed_manifest_lists_exactly_what_the_server_answers(tmp_path: Path) -> None:
    """No npx needed: the drift guard holds on a machine without Node.js too."""
    listed = await _listed_tools(tmp_path)
    assert [t["name"] for t in listed] == TOOL_NAMES
    manifest = _manifest()
    assert manifest["tools"] == listed
    assert manifest == build.render_manifest(await build.read_server())
    assert build.png_scanlines((BUNDLE / "icon.png").read_bytes()) == build.icon_pixels()


@pytest.mark.anyio
async def test_manifest_prompts_are_the_servers_own_text() -> None:
    toy = MCPServer("toy")

    @toy.prompt(description="Summarise one coding job.")
    def summarise_coding_job(job_id: str) -> str:
        return f"Call get_job('{job_id}'), then get_coding_results('{job_id}')."

    facts = await build.read_server(toy)
    assert facts.prompts == [
        {
            "name": "summarise_coding_job",
            "description": "Summarise one coding job.",
            "arguments": ["job_id"],
            "text": "Call get_job('${arguments.job_id}'), then get_coding_results('${arguments.job_id}').",
        }
    ]


def test_manifest_settings_are_the_two_sensitive_keys_and_the_sandbox_switch() -> None:
    manifest = _manifest()
    config = manifest["user_config"]
    assert list(config) == ["aftercare_api_key", "surveycoder_api_key", "sandbox"]
    for key in ("aftercare_api_key", "surveycoder_api_key"):
        assert config[key]["type"] == "string" and config[key]["sensitive"] is True
        assert config[key]["required"] is False
    assert config["sandbox"]["type"] == "boolean" and config["sandbox"]["default"] is False
    assert manifest["server"]["type"] == "uv" and manifest["manifest_version"] == "0.4"
    assert manifest["version"] == build.project()["version"]


@needs_npx
def test_host_maps_settings_to_the_servers_environment(tmp_path: Path) -> None:
    manifest_path = BUNDLE / "manifest.json"
    untouched = build.host_config(manifest_path, tmp_path, {})
    assert untouched == {
        "command": "uv",
        "args": ["run", "--directory", str(tmp_path), "main.py"],
        "env": {"AFTERCARE_API_KEY": "", "SURVEYCODER_API_KEY": "", "SURVEY_JOBS_SANDBOX": "false"},
    }
    filled = build.host_config(
        manifest_path, tmp_path, {"aftercare_api_key": "ac-1", "surveycoder_api_key": "sc-2", "sandbox": True}
    )
    assert filled["env"] == {
        "AFTERCARE_API_KEY": "ac-1",
        "SURVEYCODER_API_KEY": "sc-2",
        "SURVEY_JOBS_SANDBOX": "true",
    }


def _server_env(host_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The host's environment for the server, plus what a desktop session has (PATH, HOME, TLS)."""
    keep = ("PATH", "HOME", "SSL_CERT_FILE", "SSL_CERT_DIR", "UV_CACHE_DIR", "SYSTEMROOT", "APPDATA")
    return {
        **{k: os.environ[k] for k in keep if k in os.environ},
        **host_env,
        "SURVEY_JOBS_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


async def _sandbox_session(params: StdioServerParameters) -> None:
    async with mcp.Client(params) as client:
        assert [t.name for t in (await client.list_tools()).tools] == TOOL_NAMES
        listed = await client.call_tool("list_jobs", {"limit": 2})
    assert not listed.is_error, listed.content
    assert listed.structured_content["total"] == len(Sandbox(seed=7).jobs()) >= 15


@needs_npx
@pytest.mark.anyio
@pytest.mark.e2e
async def test_entry_point_serves_with_the_hosts_environment(tmp_path: Path) -> None:
    """The entry script with the env the host builds for "sandbox mode" on (the project is installed)."""
    host = build.host_config(BUNDLE / "manifest.json", BUNDLE, {"sandbox": True})
    env = _server_env(host["env"], tmp_path)
    params = StdioServerParameters(command=sys.executable, args=[str(BUNDLE / "main.py")], env=env)
    await _sandbox_session(params)


@pytest.mark.anyio
@pytest.mark.e2e
async def test_packed_bundle_installs_and_serves_with_uv(packed: Path, tmp_path: Path) -> None:
    """What Claude Desktop does with the .mcpb: unpack, `uv run` the manifest's command, speak MCP."""
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not installed (it is in the test extra: pip install -e '.[test]')")
    unpacked = tmp_path / "survey-jobs-mcp"
    with zipfile.ZipFile(packed) as archive:
        archive.extractall(unpacked)
    host = build.host_config(unpacked / "manifest.json", unpacked, {"sandbox": True})
    assert host["command"] == "uv"
    env = _server_env(host["env"], tmp_path)
    env.pop("VIRTUAL_ENV", None)
    await _sandbox_session(StdioServerParameters(command=uv, args=host["args"], env=env))
    assert (unpacked / ".venv").is_dir() and (unpacked / "uv.lock").is_file()


def test_check_fails_on_a_stale_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tool description edited in the server but not regenerated into the manifest fails CI."""
    stale = _manifest()
    stale["tools"][1]["description"] = "an older description"
    (tmp_path / "manifest.json").write_text(build.manifest_text(stale), encoding="utf-8")
    shutil.copy2(BUNDLE / "icon.png", tmp_path / "icon.png")
    monkeypatch.setattr(build, "HERE", tmp_path)
    with pytest.raises(build.BuildError) as err:
        build.check(tmp_path / "out")
    message = str(err.value)
    assert message.startswith("bundle/manifest.json is stale; run `python bundle/build.py` and commit it:")
    assert '-      "description": "an older description"' in message
    assert not (tmp_path / "out").exists()
