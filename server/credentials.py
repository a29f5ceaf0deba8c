"""API keys: environment variables first, then the system keyring.

Why this module is careful:
- On a headless box the default keyring backend is ``keyring.backends.fail.Keyring`` and even
  ``get_password`` raises ``NoKeyringError``; that must become a ``CredentialsError`` that says what to
  do, never a traceback.
- Encrypted file backends ask for a master password with ``getpass``. Inside a stdio MCP server that
  would block forever or read protocol bytes from stdin, so ``resolve_key`` refuses such backends unless
  the caller is an interactive command (``allow_prompt=True``).
- A key must never reach a message, log, repr or exception: ``ResolvedKey`` hides its value in
  ``repr``, and only ``mask_key`` output is ever shown.
- Keyring calls block; async callers wrap them in ``anyio.to_thread.run_sync``. Nothing is cached at
  module level (the HTTP layer caches per client instance), so tests can swap backends freely.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import keyring
import keyring.errors

from survey_jobs_mcp.tools.errors import CredentialsError, InvalidInput

from .providers.base import ProviderInfo
from .providers.registry import PROVIDER_INFO, provider_info
from .redact import clip, register_secret
from .redact import scrub as _scrub

KEYRING_SERVICE = "survey-jobs-mcp"
KeySource = Literal["env", "keyring"]
MAX_KEY_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    value: str = field(repr=False)
    source: KeySource

    def __repr__(self) -> str:  # dataclass(repr=False field) already hides it; be explicit anyway
        return f"ResolvedKey(source={self.source!r}, masked={mask_key(self.value)!r})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class KeyStatus:
    provider: str
    is_set: bool
    source: KeySource | None
    masked: str | None
    keyring_has_key: bool | None
    """Whether the keyring holds a key (None when the keyring could not be asked)."""
    keyring_error: str | None
    """Why the keyring could not be asked (no backend, backend would prompt, backend failed)."""


def mask_key(key: str) -> str:
    """Show at most ~6 characters: a known non-secret prefix (``scp_``) and the last two characters."""
    key = key.strip()
    if len(key) < 12:
        return "…" if len(key) < 6 else "…" + key[-1:]
    prefix = next(
        (p for info in PROVIDER_INFO.values() for p in info.known_prefixes if key.startswith(p)), ""
    )
    return f"{prefix}…{key[-2:]}"


def scrub(text: str, *secrets: str | None) -> str:
    """Remove the given secrets and every registered one from ``text`` (see ``server.redact``)."""
    return _scrub(text, *secrets)


_BAD_KEY_CHARS = re.compile(r"[^\x21-\x7e]")
"""Anything but printable ASCII: whitespace, control characters (CR/LF would split an HTTP header),
and non-ASCII (not valid in a header value)."""


def key_problem(key: str) -> str | None:
    """Why ``key`` (already stripped) cannot be an API key, or None. Never echoes the key."""
    if not key:
        return "it is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"it is longer than {MAX_KEY_LENGTH} characters"
    bad = _BAD_KEY_CHARS.search(key)
    if bad:
        ch = bad.group()
        kind = (
            "a line break"
            if ch in "\r\n"
            else "whitespace"
            if ch.isspace()
            else "a control character"
            if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0
            else "a non-ASCII character"
        )
        return f"it contains {kind} (U+{ord(ch):04X}) at position {bad.start() + 1}"
    return None


# ---------------------------------------------------------------------------------------------------
# keyring access
# ---------------------------------------------------------------------------------------------------

_PROMPTING_BACKENDS = {"EncryptedKeyring", "CryptFileKeyring"}


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def prompting_backend(backend: object | None = None) -> str | None:
    """The name of the active backend (or chained backend) that would ask for a password, if any.

    keyrings.alt/keyrings.cryptfile encrypted backends define ``keyring_key`` as a non-data property that
    calls getpass; once a passphrase is assigned it lives in the instance ``__dict__`` and no prompt
    happens, so such an instance is fine. (Checked without touching the property, which would prompt.)
    """
    backend = keyring.get_keyring() if backend is None else backend
    chained = getattr(backend, "backends", None)
    candidates = list(chained) if isinstance(chained, list | tuple) else [backend]
    for candidate in candidates:
        cls = type(candidate)
        asks = cls.__name__ in _PROMPTING_BACKENDS or hasattr(cls, "keyring_key")
        if asks and "keyring_key" not in getattr(candidate, "__dict__", {}):
            return _backend_name(candidate)
    return None


def backend_description() -> str:
    try:
        return _backend_name(keyring.get_keyring())
    except Exception:  # backend detection itself can fail on broken installs
        return "unknown"


def no_backend_help(info: ProviderInfo, reason: str) -> str:
    return (
        f"The system keyring is not available ({reason}). Either set the environment variable "
        f"{info.env_var} (for example in the MCP host's server config 'env' block), or install a keyring "
        "backend and run `survey-jobs-mcp auth set "
        f"{info.name}`: e.g. `pip install keyrings.alt` for a file-based one, or run a Secret Service / "
        "desktop keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager)."
    )


def _keyring_reason(exc: BaseException) -> str:
    if isinstance(exc, keyring.errors.NoKeyringError):
        return "no keyring backend is installed or usable"
    # Library-generated text; it never contains the key (we only pass service and user names).
    return f"{type(exc).__name__}: {clip(exc, 200)}"


def _keyring_get(info: ProviderInfo, *, allow_prompt: bool) -> str | None:
    """Read the key from the keyring; raises CredentialsError when the keyring cannot be asked."""
    if not allow_prompt:
        prompting = prompting_backend()
        if prompting:
            raise CredentialsError(
                no_backend_help(
                    info,
                    f"backend {prompting} would ask for a master password on the terminal, which would "
                    "block the server; choose a non-interactive backend with PYTHON_KEYRING_BACKEND",
                )
            )
    try:
        value = keyring.get_password(KEYRING_SERVICE, info.name)
    except Exception as exc:  # any backend failure (dbus, locked, EOF at a prompt) → clear message
        raise CredentialsError(no_backend_help(info, _keyring_reason(exc))) from None
    return value.strip() if value and value.strip() else None


def resolve_key(
    provider: str, env: Mapping[str, str] | None = None, *, allow_prompt: bool = False
) -> ResolvedKey:
    """The key to use for ``provider``: its env var wins over the keyring. Blocking (keyring I/O)."""
    info = provider_info(provider)
    env = os.environ if env is None else env
    from_env = (env.get(info.env_var) or "").strip()
    if from_env:
        return _checked(info, from_env, "env")
    value = _keyring_get(info, allow_prompt=allow_prompt)
    if value is None:
        raise CredentialsError(
            f"No {info.label} API key is configured. Run `survey-jobs-mcp auth set {info.name}` to store one "
            f"in the system keyring, or set the environment variable {info.env_var}."
        )
    return _checked(info, value, "keyring")


def _checked(info: ProviderInfo, value: str, source: KeySource) -> ResolvedKey:
    """Register the key as a secret, then refuse it if it cannot be a key (message never shows it)."""
    register_secret(value)
    problem = key_problem(value)
    if problem is None:
        return ResolvedKey(value, source)
    where, fix = (
        (f"The environment variable {info.env_var}", f"set {info.env_var} to the key alone")
        if source == "env"
        else ("The key in the system keyring", f"run `survey-jobs-mcp auth set {info.name}` again")
    )
    raise CredentialsError(
        f"{where} is not a usable {info.label} API key: {problem}. Paste only the key: {fix}."
    )


def key_status(
    provider: str, env: Mapping[str, str] | None = None, *, allow_prompt: bool = False
) -> KeyStatus:
    """Where the key for ``provider`` comes from, masked; never raises for keyring problems."""
    info = provider_info(provider)
    env = os.environ if env is None else env
    keyring_value: str | None = None
    keyring_error: str | None = None
    try:
        keyring_value = _keyring_get(info, allow_prompt=allow_prompt)
    except CredentialsError as exc:
        keyring_error = str(exc)
    from_env = (env.get(info.env_var) or "").strip()
    keyring_has = None if keyring_error else keyring_value is not None
    if from_env:
        return KeyStatus(info.name, True, "env", mask_key(from_env), keyring_has, keyring_error)
    if keyring_value:
        return KeyStatus(info.name, True, "keyring", mask_key(keyring_value), True, None)
    return KeyStatus(info.name, False, None, None, keyring_has, keyring_error)


def validate_key(provider: str, key: str) -> str:
    """Strip and sanity-check a key before storing it; messages never echo the key."""
    info = provider_info(provider)
    key = key.strip()
    if not key:
        raise InvalidInput(f"The {info.label} API key is empty; nothing was stored.")
    register_secret(key)
    problem = key_problem(key)
    if problem:
        raise InvalidInput(
            f"That does not look like a valid {info.label} API key ({problem}); nothing was stored. "
            "Paste only the key."
        )
    return key


def set_key(provider: str, key: str, *, allow_prompt: bool = True) -> str:
    """Store ``key`` in the keyring; returns its masked form. Raises CredentialsError if no backend."""
    info = provider_info(provider)
    key = validate_key(provider, key)
    if not allow_prompt and (prompting := prompting_backend()):
        raise CredentialsError(no_backend_help(info, f"backend {prompting} would prompt"))
    try:
        keyring.set_password(KEYRING_SERVICE, info.name, key)
    except Exception as exc:  # any backend failure (dbus, locked, EOF at a prompt) → clear message
        raise CredentialsError(no_backend_help(info, _keyring_reason(exc))) from None
    return mask_key(key)


def remove_key(provider: str) -> bool:
    """Delete the stored key; False when there was none. Raises CredentialsError if no backend."""
    info = provider_info(provider)
    try:
        keyring.delete_password(KEYRING_SERVICE, info.name)
    except keyring.errors.PasswordDeleteError:
        return False
    except Exception as exc:  # any backend failure (dbus, locked, EOF at a prompt) → clear message
        raise CredentialsError(no_backend_help(info, _keyring_reason(exc))) from None
    return True
