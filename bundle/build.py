"""Build the MCP bundle (``.mcpb``) that installs survey-jobs-mcp in Claude Desktop with one click.

    python bundle/build.py            # regenerate bundle/manifest.json + icon.png, validate, pack to dist/
    python bundle/build.py --check    # the committed manifest and icon are current, validate and pack pass

The manifest's tool and prompt lists are read from the real server through an in-process MCP client
(``tools/list``, ``prompts/list``, ``prompts/get``), never typed by hand, so they cannot drift from
what the server answers; ``--check`` fails when the committed manifest is stale. Validation and
packing use the official tooling, ``@anthropic-ai/mcpb`` (pinned below), run through ``npx``.
Why the server type is ``uv``: see bundle/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import tomllib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mcp

from survey_jobs_mcp.server.app import build_server
from survey_jobs_mcp.server.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MCPB_PACKAGE = "@anthropic-ai/mcpb@2.1.2"
MANIFEST_VERSION = "0.4"  # the first manifest version with server type "uv"
ENTRY_POINT = "main.py"
# What the bundle carries besides manifest.json, icon.png and the entry point: exactly what
# `uv run` needs to build and install the project (pyproject's readme and license-files included).
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")
PROJECT_DIRS = ("server", "tools")
ICON_SIZE = 512  # what Claude Desktop recommends

USER_CONFIG: dict[str, dict[str, Any]] = {
    "aftercare_api_key": {
        "type": "string",
        "title": "Aftercare API key",
        "description": "Your Aftercare API key (coding and data-quality jobs). Leave empty if you do "
        "not use Aftercare, or in sandbox mode.",
        "sensitive": True,
        "required": False,
        # An empty default matters: for an optional field with no value and no default the host
        # leaves the literal "${user_config.…}" text in the environment.
        "default": "",
    },
    "surveycoder_api_key": {
        "type": "string",
        "title": "SurveyCoder API key",
        "description": "Your SurveyCoder API key (async coding jobs). Leave empty if you do not use "
        "SurveyCoder, or in sandbox mode.",
        "sensitive": True,
        "required": False,
        "default": "",
    },
    "sandbox": {
        "type": "boolean",
        "title": "Sandbox mode",
        "description": "Try the tools on a built-in emulator of both services with sample jobs: no "
        "keys, no network, no real data. Turn it off to see your own jobs.",
        "required": False,
        "default": False,
    },
}
ENV = {
    "AFTERCARE_API_KEY": "${user_config.aftercare_api_key}",
    "SURVEYCODER_API_KEY": "${user_config.surveycoder_api_key}",
    "SURVEY_JOBS_SANDBOX": "${user_config.sandbox}",  # booleans arrive as "true" / "false"
}
LONG_DESCRIPTION = """\
See and read the batch jobs of two survey-analysis services from Claude:

- **Aftercare**: AI coding of open-ended answers into a code tree, and data-quality scoring of \
respondents;
- **SurveyCoder**: async coding jobs with progress.

Ask "which jobs failed today?", "what are the main themes in the Q1 CSAT coding?" or "how many \
respondents look fake, and why?". Results come back as compact, exact summaries under a token \
budget: respondents are counted, not mentions, and every cut is counted with the handle to see it.

Enter the API key of each service you use; Claude Desktop keeps them as secrets. Turn on \
**Sandbox mode** to try every tool on a built-in emulator with sample jobs, with no keys and no \
network. On its first start the extension installs Python and its dependencies with uv (once; this \
needs internet access)."""


class BuildError(Exception):
    """The bundle cannot be built or checked; the message says why and what to do."""


@dataclass(frozen=True)
class ServerFacts:
    instructions: str
    tools: list[dict[str, str]]
    prompts: list[dict[str, Any]]


def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


async def read_server(server: Any | None = None) -> ServerFacts:
    """What the server advertises, read through a real MCP client (no upstream call is made)."""
    with tempfile.TemporaryDirectory(prefix="survey-jobs-mcp-bundle-") as data_dir:
        if server is None:
            server = build_server(Settings.from_env({"SURVEY_JOBS_DATA_DIR": data_dir}), env={})
        async with mcp.Client(server) as client:
            tools = [{"name": t.name, "description": t.description or ""} for t in await _all_tools(client)]
            prompts = [await _prompt_entry(client, p) for p in await _all_prompts(client)]
            return ServerFacts(instructions=client.instructions or "", tools=tools, prompts=prompts)


async def _all_tools(client: mcp.Client) -> list[Any]:
    out, cursor = [], None
    while True:
        page = await client.list_tools(cursor=cursor)
        out += page.tools
        if not (cursor := page.next_cursor):
            return out


async def _all_prompts(client: mcp.Client) -> list[Any]:
    out, cursor = [], None
    while True:
        page = await client.list_prompts(cursor=cursor)
        out += page.prompts
        if not (cursor := page.next_cursor):
            return out


async def _prompt_entry(client: mcp.Client, prompt: Any) -> dict[str, Any]:
    """A manifest prompt: the server's own text, rendered with ``${arguments.NAME}`` placeholders."""
    names = [a.name for a in prompt.arguments or []]
    result = await client.get_prompt(prompt.name, {n: f"${{arguments.{n}}}" for n in names})
    texts = []
    for message in result.messages:
        if getattr(message.content, "type", None) != "text":
            raise BuildError(f"prompt {prompt.name!r} returns non-text content; the manifest needs text")
        texts.append(message.content.text)
    entry: dict[str, Any] = {"name": prompt.name}
    if prompt.description:
        entry["description"] = prompt.description
    if names:
        entry["arguments"] = names
    entry["text"] = "\n\n".join(texts)
    return entry


def render_manifest(facts: ServerFacts, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    meta = meta or project()
    urls = meta["urls"]
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": meta["name"],
        "display_name": "Survey jobs (Aftercare, SurveyCoder)",
        "version": meta["version"],
        "description": meta["description"],
        "long_description": LONG_DESCRIPTION,
        "author": {"name": meta["authors"][0]["name"]},
        "repository": {"type": "git", "url": urls["Repository"]},
        "homepage": urls["Homepage"],
        "documentation": urls["Documentation"],
        "support": urls["Issues"],
        "icon": "icon.png",
        "server": {
            "type": "uv",
            "entry_point": ENTRY_POINT,
            "mcp_config": {
                "command": "uv",
                "args": ["run", "--directory", "${__dirname}", ENTRY_POINT],
                "env": dict(ENV),
            },
        },
        "tools": facts.tools,
        "prompts": facts.prompts,
        "keywords": meta["keywords"],
        "license": meta["license"],
        "compatibility": {
            "platforms": ["darwin", "win32", "linux"],
            "runtimes": {"python": meta["requires-python"]},
        },
        "user_config": USER_CONFIG,
    }


def manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


# ---- icon: a small pure-Python PNG writer (no imaging dependency) ----------------------------------
def icon_pixels(size: int = ICON_SIZE) -> bytes:
    """RGBA scanlines (filter byte 0 each): a teal rounded square with a white bar chart."""
    teal, white, clear = bytes((15, 118, 110, 255)), bytes((255, 255, 255, 255)), bytes(4)
    radius = size * 0.18
    bars = [(0.22, 0.46), (0.44, 0.28), (0.66, 0.36)]  # (left edge, top) as fractions; bottom 0.74
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")
        fy = (y + 0.5) / size
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            cx = min(max(px, radius), size - radius)
            cy = min(max(py, radius), size - radius)
            if (px - cx) ** 2 + (py - cy) ** 2 > radius**2:
                row += clear
                continue
            fx = px / size
            in_bar = any(left <= fx < left + 0.12 and top <= fy < 0.74 for left, top in bars)
            row += white if in_bar or (0.18 <= fx < 0.82 and 0.77 <= fy < 0.80) else teal
        rows.append(bytes(row))
    return b"".join(rows)


def png(width: int, height: int, scanlines: bytes) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def png_scanlines(data: bytes) -> bytes:
    """The decompressed image data of a PNG we wrote (compressed bytes may differ across zlibs)."""
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


# ---- staging, official tooling ---------------------------------------------------------------------
def stage(dest: Path, manifest: dict[str, Any], icon: bytes) -> None:
    """Lay out the bundle directory: manifest, icon, entry point, and the project uv installs."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(HERE / ENTRY_POINT, dest / ENTRY_POINT)
    (dest / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")
    (dest / "icon.png").write_bytes(icon)


def npx() -> str:
    found = shutil.which("npx")
    if found is None:
        raise BuildError("npx is not on PATH: install Node.js (it ships npm and npx) to run the mcpb tooling")
    return found


def run_mcpb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [npx(), "-y", MCPB_PACKAGE, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def validate_and_pack(staged: Path, out_file: Path) -> None:
    validated = run_mcpb("validate", str(staged / "manifest.json"))
    if validated.returncode != 0:
        raise BuildError(f"mcpb validate failed:\n{validated.stdout}{validated.stderr}")
    print("mcpb validate: ok")
    packed = run_mcpb("pack", str(staged), str(out_file))
    if packed.returncode != 0 or not out_file.is_file():
        raise BuildError(f"mcpb pack failed (exit {packed.returncode}):\n{packed.stdout}{packed.stderr}")
    print(f"mcpb pack: ok -> {out_file} ({out_file.stat().st_size} bytes)")


def host_config(manifest_path: Path, bundle_dir: Path, user_config: dict[str, Any]) -> dict[str, Any]:
    """The command/args/env a host builds from the manifest, by mcpb's own getMcpConfigForManifest."""
    proc = subprocess.run(
        [npx(), "-y", "-p", MCPB_PACKAGE, "node", str(HERE / "host_config.mjs"), str(manifest_path),
         str(bundle_dir), json.dumps(user_config)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        raise BuildError(f"host_config.mjs failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def check_archive(out_file: Path, manifest: dict[str, Any]) -> None:
    """The packed bundle holds what `uv run` needs, and the manifest we generated."""
    with zipfile.ZipFile(out_file) as archive:
        names = set(archive.namelist())
        packed_manifest = json.loads(archive.read("manifest.json"))
    needed = {"manifest.json", "icon.png", ENTRY_POINT, *PROJECT_FILES, "server/cli.py", "tools/__init__.py"}
    if missing := sorted(needed - names):
        raise BuildError(f"the packed bundle lacks {missing}")
    if stray := sorted(n for n in names if "__pycache__" in n or n.endswith(".pyc")):
        raise BuildError(f"the packed bundle carries compiled files: {stray[:3]}")
    if packed_manifest != manifest:
        raise BuildError("the manifest inside the packed bundle differs from the generated one")
    print(f"archive: ok ({len(names)} files)")


def _diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "committed", "generated", lineterm="")
    return "\n".join(list(lines)[:40])


def check(out_dir: Path) -> Path:
    manifest = render_manifest(asyncio.run(read_server()))
    committed = (HERE / "manifest.json").read_text(encoding="utf-8")
    if committed != manifest_text(manifest):
        raise BuildError(
            "bundle/manifest.json is stale; run `python bundle/build.py` and commit it:\n"
            + _diff(committed, manifest_text(manifest))
        )
    icon = (HERE / "icon.png").read_bytes()
    if png_scanlines(icon) != icon_pixels():
        raise BuildError("bundle/icon.png differs from the generated icon; run `python bundle/build.py`")
    print(f"manifest: current ({len(manifest['tools'])} tools, {len(manifest['prompts'])} prompts)")
    return _pack(manifest, icon, out_dir)


def build(out_dir: Path) -> Path:
    manifest = render_manifest(asyncio.run(read_server()))
    icon = png(ICON_SIZE, ICON_SIZE, icon_pixels())
    (HERE / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")
    (HERE / "icon.png").write_bytes(icon)
    print(f"wrote bundle/manifest.json ({len(manifest['tools'])} tools) and bundle/icon.png")
    return _pack(manifest, icon, out_dir)


def _pack(manifest: dict[str, Any], icon: bytes, out_dir: Path) -> Path:
    out_file = out_dir.resolve() / f"{manifest['name']}-{manifest['version']}.mcpb"
    with tempfile.TemporaryDirectory(prefix="survey-jobs-mcp-stage-") as tmp:
        staged = Path(tmp) / manifest["name"]
        stage(staged, manifest, icon)
        validate_and_pack(staged, out_file)
    check_archive(out_file, manifest)
    return out_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify, write nothing into the repository")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="the .mcpb's folder (default dist/)")
    args = parser.parse_args(argv)
    try:
        (check if args.check else build)(args.out)
    except BuildError as exc:
        print(f"bundle/build.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
