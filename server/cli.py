"""The survey-jobs-mcp command line (also ``python -m survey_jobs_mcp.server``).

With no arguments it serves MCP over stdio, which is what a host app launches. Everything except
the protocol goes to stderr through ``logging``: stdout belongs to the MCP client.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping

from . import __version__

logger = logging.getLogger("survey_jobs_mcp")

SANDBOX_ENV = "SURVEY_JOBS_SANDBOX"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def sandbox_from_env(env: Mapping[str, str]) -> bool:
    """Whether ``SURVEY_JOBS_SANDBOX`` asks ``serve`` for the embedded sandbox.

    An MCP bundle's manifest can map a boolean setting ("sandbox mode") to an environment variable
    (as the strings ``true``/``false``), but it cannot add or drop a command-line flag, so this is how
    that switch reaches ``serve``. A value that is neither true nor false is an error rather than a
    guess: silently serving real data when the user asked for the sandbox (or the reverse) is worse.
    """
    raw = (env.get(SANDBOX_ENV) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{SANDBOX_ENV} must be true or false (also 1/0, yes/no, on/off), got {raw!r}")


def _allowed_host(value: str) -> str:
    from .serve_http import normalize_allowed_host

    try:
        return normalize_allowed_host(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    from .auth_cli import add_auth_arguments
    from .sandbox.cli import add_sandbox_arguments

    parser = argparse.ArgumentParser(
        prog="survey-jobs-mcp",
        description="MCP server for survey-analysis jobs (Aftercare, SurveyCoder). "
        "With no command it serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"survey-jobs-mcp {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="stderr log level",
    )
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="serve MCP (stdio by default)")
    serve.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="streamable-http bind address")
    serve.add_argument("--port", type=int, default=8000, help="streamable-http port")
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        type=_allowed_host,
        metavar="HOST",
        help="streamable-http: also accept this Host/Origin name (repeatable), e.g. mcp.example.com",
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="streamable-http: keep no session state (for several replicas behind a load balancer)",
    )
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help=f"use the embedded sandbox (no keys, no network); also {SANDBOX_ENV}=true",
    )

    add_auth_arguments(sub)

    track = sub.add_parser("track", help="remember Aftercare job ids so list_jobs shows them")
    track.add_argument("job_ids", nargs="*", metavar="JOB_ID")
    track.add_argument("--no-check", action="store_true", help="only record the ids; do not ask Aftercare")
    track.add_argument("--list", action="store_true", help="show the tracked jobs and when each was checked")
    untrack = sub.add_parser("untrack", help="forget tracked job ids (list_jobs no longer shows them)")
    untrack.add_argument("job_ids", nargs="+", metavar="JOB_ID")

    sandbox = sub.add_parser("sandbox", help="serve the local emulator of both APIs on 127.0.0.1")
    add_sandbox_arguments(sandbox)

    sub.add_parser("demo", help="run every tool on the embedded sandbox and print what the assistant reads")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from .redact import install_log_redaction

    install_log_redaction()  # every line on stderr passes the one scrubbing boundary (server.redact)
    command = args.command or "serve"
    if command == "serve":
        from .serve import serve

        try:
            sandbox = getattr(args, "sandbox", False) or sandbox_from_env(os.environ)
        except ValueError as exc:
            print(f"survey-jobs-mcp: {exc}", file=sys.stderr)
            return 2
        return serve(
            transport=getattr(args, "transport", "stdio"),
            host=getattr(args, "host", "127.0.0.1"),
            port=getattr(args, "port", 8000),
            sandbox=sandbox,
            allowed_hosts=getattr(args, "allowed_host", []),
            stateless=getattr(args, "stateless", False),
        )
    if command == "auth":
        from .auth_cli import run_auth
        from .key_check import check_key

        return run_auth(args, checker=check_key)
    if command == "track":
        from .track import run_track, run_track_list

        if args.list:
            return run_track_list()
        if not args.job_ids:
            _parser().error("track needs JOB_ID... or --list")
        return run_track(args.job_ids, check=not args.no_check)
    if command == "untrack":
        from .track import run_untrack

        return run_untrack(args.job_ids)
    if command == "sandbox":
        from .sandbox.cli import run_sandbox

        run_sandbox(
            port=args.port,
            seed=args.seed,
            scale=args.scale,
            page_size=args.page_size,
            faults=args.fault or [],
            gzip=args.gzip,
        )
        return 0
    if command == "demo":
        from .demo import run_demo

        return run_demo()
    raise AssertionError(command)
