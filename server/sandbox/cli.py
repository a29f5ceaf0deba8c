"""Command-line entry for the sandbox, used by the main CLI (``survey-jobs-mcp sandbox ...``).

Serves both APIs on 127.0.0.1 with a realtime clock and prints, on stderr, the environment
variables that point the MCP server at it.
"""

from __future__ import annotations

import argparse
import sys

from .app import Sandbox
from .faults import parse_fault_spec
from .serve import SandboxServer


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --port, --seed, --scale, --page-size, --no-gzip and repeatable --fault ROUTE=SPEC."""
    parser.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 (default 8787; 0 = any)")
    parser.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    parser.add_argument(
        "--scale", type=int, default=None, help="add benchmark jobs with this many responses (e.g. 100000)"
    )
    parser.add_argument("--page-size", type=int, default=500, help="Aftercare page size (default 500)")
    parser.add_argument(
        "--no-gzip",
        dest="gzip",
        action="store_false",
        help="never compress responses (by default they are gzipped when the client accepts gzip)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ROUTE=SPEC",
        help="inject a fault, e.g. aftercare.coding.get=503@1,2, surveycoder.jobs.get=429:5, "
        "*=latency:0.2, aftercare.dq.get=truncated|invalid_json|drop (repeatable)",
    )


def run_sandbox(
    port: int, seed: int, scale: int | None, page_size: int, faults: list[str], gzip: bool = True
) -> None:
    """Serve the sandbox until Ctrl-C (faults are validated before anything starts)."""
    parsed = [parse_fault_spec(f) for f in faults]
    sandbox = Sandbox(seed=seed, scale=scale, page_size=page_size, realtime=True, gzip=gzip)
    for route, fault, calls in parsed:
        sandbox.faults.add(route, fault, calls=calls)
    server = SandboxServer(sandbox, port=port, log_level="warning").start()
    lines = [
        f"Sandbox serving on {server.base_url} (seed {seed}, page size {page_size}"
        + (f", scale {scale}" if scale else "")
        + ("" if gzip else ", no gzip")
        + ")",
        f"  Aftercare:   {server.aftercare_url}   key {sandbox.keys.aftercare}",
        f"  SurveyCoder: {server.surveycoder_url}   key {sandbox.keys.surveycoder}",
        f"  Job index:   {server.base_url}/_sandbox/jobs",
        "Point the MCP server at it with:",
        f"  AFTERCARE_BASE_URL={server.aftercare_url}",
        f"  SURVEYCODER_BASE_URL={server.surveycoder_url}",
        f"  AFTERCARE_API_KEY={sandbox.keys.aftercare}",
        f"  SURVEYCODER_API_KEY={sandbox.keys.surveycoder}",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m survey_jobs_mcp.server.sandbox.cli", description="Run the API sandbox"
    )
    add_sandbox_arguments(parser)
    args = parser.parse_args(argv)
    try:
        run_sandbox(args.port, args.seed, args.scale, args.page_size, args.fault, args.gzip)
    except ValueError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    main()
