"""Benchmark: ``export_results`` on a 100,000-response Aftercare coding job (time and peak memory).

The sandbox (``Sandbox(scale=100_000, page_size=1000)``) runs in its own subprocess, as in
``coding_100k.py``. Parts, all in one run:

(a) **floor**: a bare XlsxWriter constant-memory loop writing the same number of rows and columns
    (constant cells, no product code): what the library itself costs;
(b) **cold export**: ``export_results(job_id)`` (xlsx) through an in-process ``mcp.Client`` on a fresh
    server and data dir: read every page, build the index, write the workbook;
(c) **warm export**: the same call again on that server (results cached: only the writing), xlsx and
    csv. Target: warm xlsx / floor <= 1.5;
(d) **peak memory**: VmHWM of a child process that runs the cold export, against a child that runs
    only the cold ``get_coding_results`` (reading + index, no file). The export's own increment is
    the difference. Target: <= 50 MB (constant-memory mode keeps one row in memory).

Run from the repo root: ``.venv/bin/python bench/export_100k.py [--strict]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cli_logging, run_json_child
from _sandbox_process import SandboxProcess
from _sandbox_process import settings_for as _settings

TARGET_FLOOR_RATIO = 1.5
TARGET_EXTRA_MB = 50.0


def vm_hwm_mb() -> float:
    """Peak resident set size of this process (Linux /proc/self/status, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def floor(rows: int, columns: int, folder: str) -> float:
    """(a) The same shape written by XlsxWriter alone: strings in 3 columns, 0/1 numbers in the rest."""
    import xlsxwriter

    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(str(Path(folder) / "floor.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet("Q1")
    bits = [i % 2 for i in range(columns - 3)]
    for r in range(rows + 1):
        ws.write_string(r, 0, f"R{r:06d}")
        ws.write_string(r, 1, "Q1")
        ws.write_string(r, 2, "The delivery speed was excellent and the staff attitude was spot on.")
        ws.write_row(r, 3, bits)
    wb.close()
    return time.perf_counter() - t0


async def exports(info: dict[str, Any], data_dir: str, warm: bool) -> dict[str, Any]:
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = _settings(info, data_dir)
    out: dict[str, Any] = {}
    async with Client(build_server(settings, env=env)) as client:
        for label, args in [("cold_xlsx", {})] + (
            [("warm_xlsx", {}), ("warm_csv", {"format": "csv"})] if warm else []
        ):
            t0 = time.perf_counter()
            result = await client.call_tool("export_results", {"job_id": info["job_id"]} | args)
            out[f"{label}_s"] = time.perf_counter() - t0
            if result.is_error:
                raise RuntimeError(f"{label} failed: {result.content[0].text[:500]}")
            sc = result.structured_content
            out[label] = {"rows": sc["rows"], "columns": sc["columns"], "bytes": sc["bytes"]}
    return out


async def read_only(info: dict[str, Any], data_dir: str) -> None:
    from mcp import Client

    from survey_jobs_mcp.server.app import build_server

    settings, env = _settings(info, data_dir)
    async with Client(build_server(settings, env=env)) as client:
        result = await client.call_tool("get_coding_results", {"job_id": info["job_id"]})
        if result.is_error:
            raise RuntimeError(result.content[0].text[:500])


def memory_child(mode: str, info_json: str) -> int:
    import anyio

    cli_logging()
    import survey_jobs_mcp.server.app  # noqa: F401

    info = json.loads(info_json)
    before = vm_hwm_mb()
    with tempfile.TemporaryDirectory(prefix="bench-export-mem-") as tmp:
        if mode == "export":
            anyio.run(exports, info, tmp, False)
        else:
            anyio.run(read_only, info, tmp)
    print(json.dumps({"hwm_before_mb": before, "hwm_mb": vm_hwm_mb()}), flush=True)
    return 0


def run_child(mode: str, info: dict[str, Any]) -> dict[str, Any]:
    return run_json_child([__file__, "--memory-child", mode, json.dumps(info)], timeout=300)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    ap.add_argument("--memory-child", nargs=2, metavar=("MODE", "INFO"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        return memory_child(*args.memory_child)

    import anyio

    cli_logging()
    with SandboxProcess() as sbp, tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        info = sbp.info
        run = anyio.run(exports, info, str(Path(tmp) / "data"), True)
        shape = run["warm_xlsx"]
        floor_s = floor(shape["rows"], shape["columns"], tmp)
        mem_read = run_child("read", info)
        mem_export = run_child("export", info)
        sbp.stop()
    ratio = run["warm_xlsx_s"] / floor_s
    extra = mem_export["hwm_mb"] - mem_read["hwm_mb"]
    ok_ratio, ok_mem = ratio <= TARGET_FLOOR_RATIO, extra <= TARGET_EXTRA_MB

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(
        f"export_100k: Aftercare coding job of {info['responses']:,} responses -> {shape['rows']:,} rows x "
        f"{shape['columns']} columns; sandbox in a subprocess"
    )
    rows = [
        ("(a) floor: bare XlsxWriter constant_memory, same shape", f"{floor_s:.2f} s", "", ""),
        ("(b) cold export_results xlsx (read + index + write)", f"{run['cold_xlsx_s']:.2f} s", "", ""),
        ("(c) warm export_results xlsx (write only)", f"{run['warm_xlsx_s']:.2f} s", "", ""),
        ("(c) warm / floor", f"{ratio:.2f}", f"<= {TARGET_FLOOR_RATIO}", verdict(ok_ratio)),
        ("(c) warm export_results csv", f"{run['warm_csv_s']:.2f} s", "", ""),
        ("(d) VmHWM, child: cold get_coding_results", f"{mem_read['hwm_mb']:.0f} MB", "", ""),
        ("(d) VmHWM, child: cold export_results xlsx", f"{mem_export['hwm_mb']:.0f} MB", "", ""),
        (
            "(d) export's own peak increment",
            f"{extra:.0f} MB",
            f"<= {TARGET_EXTRA_MB:.0f} MB",
            verdict(ok_mem),
        ),
    ]
    print(f"{'measure':<58}{'value':>10}  {'target':<10}result")
    for label, value, target, result in rows:
        print(f"{label:<58}{value:>10}  {target:<10}{result}")
    print(
        f"files: xlsx {run['warm_xlsx']['bytes'] / 1e6:.1f} MB, csv {run['warm_csv']['bytes'] / 1e6:.1f} MB; "
        f"VmHWM after imports {mem_export['hwm_before_mb']:.0f} MB"
    )
    print(
        json.dumps(
            {
                "floor_s": floor_s,
                **{k: v for k, v in run.items() if k.endswith("_s")},
                "read": mem_read,
                "export": mem_export,
            }
        )
    )
    return 1 if args.strict and not (ok_ratio and ok_mem) else 0


if __name__ == "__main__":
    sys.exit(main())
