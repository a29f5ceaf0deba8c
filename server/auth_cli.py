"""``survey-jobs-mcp auth set|status|remove``: manage API keys in the system keyring.

These commands are not the MCP server, so they may talk to the terminal: status goes to ``out``
(stdout), problems to ``err`` (stderr). A key is read with a hidden prompt on a TTY, or as one line
from stdin when piped (``pass show x | survey-jobs-mcp auth set aftercare``) — never from argv, where
it would land in shell history and the process list. Every expected failure is one clear line and an
exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from survey_jobs_mcp.tools.errors import CredentialsError, InvalidInput

from .credentials import (
    PROVIDER_INFO,
    backend_description,
    key_status,
    mask_key,
    provider_info,
    remove_key,
    resolve_key,
    scrub,
    set_key,
)
from .redact import clip

Checker = Callable[[str, str], tuple[bool, str]]
"""``checker(provider, key) -> (ok, detail)``: asks the provider whether the key works."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _read_key(label: str, stdin: TextIO) -> str:
    if _is_tty(stdin):
        return getpass.getpass(f"{label} API key (input hidden): ")
    return stdin.readline().strip()


def auth_set(
    provider: str,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Read a key (hidden prompt or one stdin line) and store it in the keyring."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    env = os.environ if env is None else env
    try:
        info = provider_info(provider)
    except InvalidInput as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    try:
        key = _read_key(info.label, stdin)
    except (EOFError, KeyboardInterrupt):
        print("\nerror: cancelled; nothing was stored.", file=err)
        return EXIT_INTERRUPTED
    if not key.strip():
        print(
            f"error: no key given; nothing was stored. Type or pipe the {info.label} API key, e.g. "
            f'`printf %s "$KEY" | survey-jobs-mcp auth set {info.name}`.',
            file=err,
        )
        return EXIT_USAGE
    try:
        masked = set_key(info.name, key)
    except InvalidInput as exc:
        print(f"error: {scrub(str(exc), key)}", file=err)
        return EXIT_USAGE
    except CredentialsError as exc:
        print(f"error: could not store the key. {scrub(str(exc), key)}", file=err)
        return EXIT_FAILURE
    print(
        f"Stored the {info.label} API key ({masked}) in the system keyring ({backend_description()}).",
        file=out,
    )
    if (env.get(info.env_var) or "").strip():
        print(
            f"note: {info.env_var} is set in this environment and takes precedence over the keyring.",
            file=err,
        )
    return EXIT_OK


def auth_status(
    *,
    check: bool = False,
    checker: Checker | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """One line per provider: set or not, from where, masked; optionally whether the provider accepts it.

    Exit code 1 only when ``check`` found a configured key that does not work (a missing key is not an
    error: many users have only one of the two providers).
    """
    out, err = out or sys.stdout, err or sys.stderr
    env = os.environ if env is None else env
    failed = False
    keyring_note: str | None = None
    for name, info in PROVIDER_INFO.items():
        status = key_status(name, env, allow_prompt=True)
        if status.keyring_error and keyring_note is None:
            keyring_note = status.keyring_error
        if not status.is_set:
            print(
                f"{info.label}: not set (run `survey-jobs-mcp auth set {name}` or set {info.env_var})",
                file=out,
            )
            continue
        where = f"environment variable {info.env_var}" if status.source == "env" else "system keyring"
        line = f"{info.label}: set ({status.masked}) from {where}"
        if status.source == "env" and status.keyring_has_key:
            line += "; a keyring key also exists but is ignored while the variable is set"
        if check and checker is not None:
            ok, detail = _run_check(checker, name, env)
            failed = failed or not ok
            line += f" — check: {'OK' if ok else 'FAILED'}{': ' + detail if detail else ''}"
        elif check:
            line += " — check: skipped (no checker available)"
        print(line, file=out)
    if keyring_note:
        print(f"note: {keyring_note}", file=err)
    return EXIT_FAILURE if failed else EXIT_OK


def _run_check(checker: Checker, provider: str, env: Mapping[str, str]) -> tuple[bool, str]:
    key = None
    try:
        key = resolve_key(provider, env, allow_prompt=True).value
        ok, detail = checker(provider, key)
    except Exception as exc:  # a checker failure is a result to show, not a crash
        return False, clip(f"could not check ({type(exc).__name__}: {scrub(str(exc), key)})", 300)
    return bool(ok), clip(scrub(str(detail), key), 300)


def auth_remove(provider: str, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        info = provider_info(provider)
        removed = remove_key(info.name)
    except InvalidInput as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except CredentialsError as exc:
        print(f"error: could not remove the key. {exc}", file=err)
        return EXIT_FAILURE
    if removed:
        print(f"Removed the {info.label} API key from the system keyring.", file=out)
    else:
        print(f"No {info.label} API key was stored in the system keyring; nothing to remove.", file=out)
    return EXIT_OK


def auth_http_token(*, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Create a bearer token for ``serve --transport streamable-http``, store it, print it once.

    The token alone goes to stdout (so it can be piped into a client's config); everything else
    to stderr. Without a keyring backend it is still printed, with how to pass it by environment.
    """
    from .http_tokens import TOKENS_ENV, new_token, store_token

    out, err = out or sys.stdout, err or sys.stderr
    token = new_token()
    try:
        count = store_token(token)
    except CredentialsError as exc:
        print(token, file=out)
        print(
            f"note: {exc}, so the token was NOT stored. Give it to the server through the environment: "
            f"{TOKENS_ENV}=<token> (comma-separate several). Clients send `Authorization: Bearer <token>`.",
            file=err,
        )
        return EXIT_OK
    print(token, file=out)
    print(
        f"Stored a new HTTP bearer token in the system keyring ({backend_description()}; {count} stored). "
        "`survey-jobs-mcp serve --transport streamable-http` accepts it; clients send "
        "`Authorization: Bearer <token>`. It is shown only this once.",
        file=err,
    )
    return EXIT_OK


def add_auth_arguments(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``auth set PROVIDER``, ``auth status [--check]``, ``auth remove PROVIDER``, ``http-token``."""
    choices = list(PROVIDER_INFO)
    auth = subparsers.add_parser("auth", help="manage API keys (and HTTP tokens) in the system keyring")
    sub = auth.add_subparsers(dest="auth_command", required=True, metavar="{set,status,remove,http-token}")
    p_set = sub.add_parser(
        "set",
        help="store a key (hidden prompt, or one line from stdin when piped; never from the command line)",
    )
    p_set.add_argument("provider", choices=choices, metavar="PROVIDER", help=" | ".join(choices))
    p_status = sub.add_parser("status", help="show which keys are set and where they come from (masked)")
    p_status.add_argument("--check", action="store_true", help="ask each provider whether its key works")
    p_remove = sub.add_parser("remove", help="delete a stored key from the keyring")
    p_remove.add_argument("provider", choices=choices, metavar="PROVIDER", help=" | ".join(choices))
    sub.add_parser(
        "http-token",
        help="create a bearer token for `serve --transport streamable-http`, store it, print it once",
    )
    return auth


def run_auth(args: argparse.Namespace, checker: Checker | None = None) -> int:
    command = getattr(args, "auth_command", None)
    if command == "set":
        return auth_set(args.provider)
    if command == "status":
        return auth_status(check=bool(getattr(args, "check", False)), checker=checker)
    if command == "remove":
        return auth_remove(args.provider)
    if command == "http-token":
        return auth_http_token()
    print(
        "error: expected one of: auth set PROVIDER | auth status [--check] | auth remove PROVIDER | "
        "auth http-token",
        file=sys.stderr,
    )
    return EXIT_USAGE


__all__ = [
    "add_auth_arguments",
    "auth_http_token",
    "auth_remove",
    "auth_set",
    "auth_status",
    "mask_key",
    "run_auth",
]
