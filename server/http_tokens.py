"""Bearer tokens for the streamable-http transport: where they come from, how they are checked.

Why: over HTTP, anyone who can reach the port could otherwise read results fetched with the owner's
API keys (on 127.0.0.1: any local user). Tokens come from ``SURVEY_JOBS_HTTP_TOKENS`` (comma-
separated) and from the keyring (service ``survey-jobs-mcp``, user ``http-tokens``, one token per
line), so several clients can each have their own and one can be revoked alone.

Checking uses the SDK's own hook, a ``TokenVerifier``: each token becomes its own principal
(``http-token-N``), and the SDK binds a session to the principal that opened it, so one client
cannot take over another's session. Comparison is constant-time over every configured token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import keyring
import keyring.errors
from mcp.server.auth.provider import AccessToken

from survey_jobs_mcp.tools.errors import CredentialsError

from .credentials import KEYRING_SERVICE
from .redact import register_secret

TOKENS_ENV = "SURVEY_JOBS_HTTP_TOKENS"
KEYRING_USER = "http-tokens"
MIN_TOKEN_LENGTH = 16
_TOKEN_RE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: anything a header can carry
_SPLIT_RE = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class HttpTokens:
    """The accepted tokens (values hidden from repr) and a line saying where they came from."""

    tokens: tuple[str, ...] = field(repr=False)
    source: str
    keyring_note: str | None = None
    """Why the keyring could not be read, when it could not (not fatal when the env has tokens)."""


def new_token() -> str:
    """A fresh token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def _parse(text: str, where: str) -> list[str]:
    tokens = [t for t in _SPLIT_RE.split(text.strip()) if t]
    for i, token in enumerate(tokens, 1):
        register_secret(token)
        if len(token) < MIN_TOKEN_LENGTH or not _TOKEN_RE.fullmatch(token) or "," in token:
            raise CredentialsError(
                f"HTTP token {i} in {where} is not usable: tokens must be at least {MIN_TOKEN_LENGTH} "
                "printable characters without spaces or commas. Create one with "
                "`survey-jobs-mcp auth http-token`."
            )
    return tokens


def _keyring_read() -> tuple[list[str], str | None]:
    try:
        stored = keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception as exc:  # no backend, locked, dbus: the env may still provide tokens
        reason = (
            "no keyring backend is available"
            if isinstance(exc, keyring.errors.NoKeyringError)
            else type(exc).__name__
        )
        return [], f"the system keyring could not be read: {reason}"
    return (_parse(stored, "the system keyring") if stored else []), None


def load_http_tokens(env: Mapping[str, str] | None = None, *, use_keyring: bool = True) -> HttpTokens:
    """Every accepted token: ``SURVEY_JOBS_HTTP_TOKENS`` plus the keyring's. Blocking (keyring I/O)."""
    env = os.environ if env is None else env
    from_env = _parse(env.get(TOKENS_ENV, ""), TOKENS_ENV)
    from_keyring, note = _keyring_read() if use_keyring else ([], None)
    tokens = tuple(dict.fromkeys(from_env + from_keyring))
    parts = []
    if from_env:
        parts.append(f"{len(from_env)} from {TOKENS_ENV}")
    if from_keyring:
        parts.append(f"{len(from_keyring)} from the system keyring")
    return HttpTokens(tokens, ", ".join(parts) or "none configured", note)


def store_token(token: str) -> int:
    """Append ``token`` to the keyring's list; returns how many tokens are stored now.

    Raises ``CredentialsError`` (never naming the token) when there is no usable keyring backend;
    the caller then tells the user to pass the token through the environment instead.
    """
    register_secret(token)
    existing, note = _keyring_read()
    if note:
        raise CredentialsError(note)
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, "\n".join([*existing, token]))
    except Exception as exc:  # any backend failure → a message, never a traceback
        raise CredentialsError(f"the system keyring refused to store it ({type(exc).__name__})") from None
    return len(existing) + 1


def fingerprint(token: str) -> str:
    """A short, non-reversible name for a token (for the SDK's AccessToken and for logs)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


class StaticTokenVerifier:
    """The SDK ``TokenVerifier`` for a fixed set of tokens, compared in constant time.

    Every configured token is compared (no early exit), as bytes, so neither which token matched
    nor a non-ASCII header changes the work done. Each token is its own principal.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        if not tokens:
            raise ValueError("at least one token is required")
        self._tokens = [t.encode() for t in tokens]

    async def verify_token(self, token: str) -> AccessToken | None:
        presented = token.encode("utf-8", "surrogateescape")
        match = -1
        for i, known in enumerate(self._tokens):
            if hmac.compare_digest(presented, known):
                match = i
        if match < 0:
            return None
        return AccessToken(
            token=fingerprint(token), client_id=f"http-token-{match + 1}", scopes=[], subject=None
        )
