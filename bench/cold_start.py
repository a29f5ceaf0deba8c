"""Benchmark: stdio cold start of the console script, against the floor of ``import mcp``.

Measures, in the same run and interleaved (so both see the same machine load):

- **server**: spawn ``<venv>/bin/survey-jobs-mcp`` (stdio, ``SURVEY_JOBS_DATA_DIR`` = a temp dir),
  write ``initialize`` + ``notifications/initialized`` + ``tools/list`` on stdin at once, and stop
  the clock when the ``tools/list`` response (id 1) arrives on stdout;
- **floor**: spawn ``<venv>/bin/python -c "import mcp"`` and stop the clock when it exits. Every
  MCP server built on the SDK pays this; it is the best a stdio server could do.

Target: median(server) / median(floor) <= 1.3. With ``--importtime`` (or on a miss) it also runs
``python -X importtime -m server --version`` plus an import of ``server.app`` and lists which of our
own modules and third-party packages cost time beyond ``mcp``.

Run from the repo root: ``.venv/bin/python bench/cold_start.py [--runs 7] [--strict] [--importtime]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPECTED_TOOLS = 7  # the TOOLS of tools/catalog (cold_start imports nothing of ours)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SCRIPT = VENV_BIN / "survey-jobs-mcp"
PYTHON = VENV_BIN / "python"
TARGET = 1.3

MESSAGES = [
    {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench-cold-start", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
]
PAYLOAD = "".join(json.dumps(m) + "\n" for m in MESSAGES)


def _env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AFTERCARE_", "SURVEYCODER_"))}
    env["SURVEY_JOBS_DATA_DIR"] = data_dir
    # Keys are irrelevant for tools/list (looked up per request); set so no keyring is consulted.
    env["AFTERCARE_API_KEY"] = "bench-unused"
    env["SURVEYCODER_API_KEY"] = "bench-unused"
    env["AFTERCARE_BASE_URL"] = "http://127.0.0.1:9"
    env["SURVEYCODER_BASE_URL"] = "http://127.0.0.1:9"
    return env


def time_server(data_dir: str) -> tuple[float, int]:
    """Seconds from spawn to the tools/list response; and the number of tools listed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(SCRIPT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(data_dir),
        cwd=ROOT,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(PAYLOAD)
        proc.stdin.flush()
        while True:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server closed stdout before answering tools/list (rc={proc.poll()})")
            msg = json.loads(line)
            if msg.get("id") == 1:
                elapsed = time.perf_counter() - t0
                tools = msg["result"]["tools"]
                break
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return elapsed, len(tools)


def time_floor() -> float:
    t0 = time.perf_counter()
    subprocess.run([str(PYTHON), "-c", "import mcp"], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def importtime_report(top: int = 15) -> str:
    """Our imports and third-party packages that ``survey-jobs-mcp`` loads beyond ``import mcp``."""

    def cumulative(code: list[str]) -> dict[str, tuple[int, int]]:
        out = subprocess.run(
            [str(PYTHON), "-X", "importtime", *code], capture_output=True, text=True, cwd=ROOT
        ).stderr
        rows: dict[str, tuple[int, int]] = {}
        for line in out.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if m:
                rows[m.group(4)] = (int(m.group(1)), int(m.group(2)))
        return rows

    base = cumulative(["-c", "import mcp"])
    full = cumulative(["-c", "import server.cli, server.serve, server.app"])
    extra = {name: v for name, v in full.items() if name not in base}
    extra_self_ms = sum(s for s, _ in extra.values()) / 1000
    lines = [
        f"imports beyond `import mcp` when serving: {len(extra)} modules, "
        f"{extra_self_ms:.0f} ms self time (single -X importtime run, noisy)",
    ]
    ours = sorted(
        ((n, c) for n, (_, c) in extra.items() if n.split(".")[0] in ("server", "tools")),
        key=lambda x: -x[1],
    )
    lines.append("  our modules (cumulative ms):")
    for name, cum in ours[:top]:
        lines.append(f"    {cum / 1000:8.1f}  {name}")
    by_pkg: dict[str, int] = {}
    for name, (self_us, _) in extra.items():
        pkg = name.split(".")[0]
        if pkg not in ("server", "tools"):
            by_pkg[pkg] = by_pkg.get(pkg, 0) + self_us
    lines.append("  third-party/stdlib packages pulled in beyond mcp (self ms, summed per top package):")
    for pkg, us in sorted(by_pkg.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"    {us / 1000:8.1f}  {pkg}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    ap.add_argument("--importtime", action="store_true", help="always print the import-time breakdown")
    args = ap.parse_args()
    if not SCRIPT.exists():
        print(f"console script not found: {SCRIPT} (run with the venv's python)", file=sys.stderr)
        return 2

    server_s: list[float] = []
    floor_s: list[float] = []
    n_tools = 0
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        # One untimed warm-up of each so .pyc files and the page cache are warm for both.
        time_floor()
        time_server(str(Path(tmp) / "warm"))
        for i in range(args.runs):
            floor_s.append(time_floor())
            elapsed, n_tools = time_server(str(Path(tmp) / f"run{i}"))
            server_s.append(elapsed)

    med_server = statistics.median(server_s) * 1000
    med_floor = statistics.median(floor_s) * 1000
    ratio = med_server / med_floor
    ok = ratio <= TARGET and n_tools == EXPECTED_TOOLS
    print(f"cold_start: stdio spawn -> tools/list answer, median of {args.runs} (interleaved)")
    print(f"{'measure':<44}{'median ms':>10}  samples ms")
    rows = [
        ("survey-jobs-mcp spawn -> tools/list", med_server, server_s),
        ('floor: python -c "import mcp" spawn -> exit', med_floor, floor_s),
    ]
    for label, med, samples in rows:
        print(f"{label:<44}{med:>10.0f}  {[round(x * 1000) for x in samples]}")
    print(f"tools listed: {n_tools}")
    print(f"ratio server/floor: {ratio:.2f}  target <= {TARGET}  {'PASS' if ok else 'MISS'}")
    if args.importtime or not ok:
        print()
        print(importtime_report())
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
