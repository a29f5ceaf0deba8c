"""Keys: env over keyring, a helpful no-backend path, masking, the auth CLI, and a canary that a key never
appears in any message, repr or output."""

from __future__ import annotations

import argparse
import io

import keyring
import keyring.errors
import pytest

from survey_jobs_mcp.server import auth_cli
from survey_jobs_mcp.server.credentials import (
    KEYRING_SERVICE,
    KeyStatus,
    ResolvedKey,
    key_status,
    mask_key,
    prompting_backend,
    remove_key,
    resolve_key,
    set_key,
)
from survey_jobs_mcp.tools.errors import CredentialsError, InvalidInput
from tests.keyrings import MemoryKeyring

CANARY_SC = "scp_live_CANARYcanary0123456789abcdefXYZ9"
CANARY_AC = "ac-CANARY-7f3e9b2d4c1a8e6f5d0b"


class EncryptedKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's EncryptedKeyring: would ask for a master password via getpass."""


class TTYInput(io.StringIO):
    def isatty(self) -> bool:
        return True


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in (CANARY_SC, CANARY_AC):
            assert canary not in text
            assert canary[4:-2] not in text  # not even a large middle chunk


# -- resolve_key ------------------------------------------------------------------------------------


def test_env_wins_over_keyring(mem_keyring: MemoryKeyring) -> None:
    mem_keyring.store[(KEYRING_SERVICE, "surveycoder")] = "scp_live_fromkeyring000000000000000000"
    got = resolve_key("surveycoder", {"SURVEYCODER_API_KEY": CANARY_SC})
    assert got == ResolvedKey(CANARY_SC, "env")
    got = resolve_key("surveycoder", {})
    assert got.source == "keyring" and got.value.startswith("scp_live_fromkeyring")


def test_blank_env_var_falls_back_to_keyring(mem_keyring: MemoryKeyring) -> None:
    mem_keyring.store[(KEYRING_SERVICE, "aftercare")] = CANARY_AC
    assert resolve_key("aftercare", {"AFTERCARE_API_KEY": "  "}).source == "keyring"


def test_missing_key_says_what_to_do(mem_keyring: MemoryKeyring) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_key("aftercare", {})
    msg = str(info.value)
    assert "survey-jobs-mcp auth set aftercare" in msg and "AFTERCARE_API_KEY" in msg


def test_no_backend_is_explained_not_a_traceback(no_keyring: None) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_key("surveycoder", {})
    msg = str(info.value)
    assert "keyring is not available" in msg
    assert "SURVEYCODER_API_KEY" in msg and "pip install keyrings.alt" in msg and "Secret Service" in msg
    # env still works without any backend
    assert resolve_key("surveycoder", {"SURVEYCODER_API_KEY": CANARY_SC}).source == "env"


def test_prompting_backend_refused_in_server_mode() -> None:
    previous = keyring.get_keyring()
    kr = EncryptedKeyring()
    keyring.set_keyring(kr)
    try:
        assert prompting_backend() is not None
        with pytest.raises(CredentialsError, match="would ask for a master password"):
            resolve_key("aftercare", {})
        kr.store[(KEYRING_SERVICE, "aftercare")] = CANARY_AC
        assert resolve_key("aftercare", {}, allow_prompt=True).value == CANARY_AC  # the CLI may prompt
        kr.keyring_key = "passphrase"  # type: ignore[attr-defined]  # unlocked: no prompt any more
        assert prompting_backend() is None
    finally:
        keyring.set_keyring(previous)


def test_unknown_provider() -> None:
    with pytest.raises(InvalidInput, match="aftercare"):
        resolve_key("qualtrics", {})


# -- masking and the canary -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [(CANARY_SC, "scp_…Z9"), (CANARY_AC, "…0b"), ("short", "…"), ("abcdefgh", "…h")],
)
def test_mask_key(key: str, masked: str) -> None:
    assert mask_key(key) == masked
    assert len(mask_key(key).replace("…", "")) <= 6


def test_key_never_in_repr_or_str() -> None:
    rk = ResolvedKey(CANARY_SC, "env")
    assert_no_canary(repr(rk), str(rk), f"{rk}", repr([rk]))


def test_key_status_sources(mem_keyring: MemoryKeyring) -> None:
    assert key_status("aftercare", {}) == KeyStatus("aftercare", False, None, None, False, None)
    mem_keyring.store[(KEYRING_SERVICE, "aftercare")] = CANARY_AC
    st = key_status("aftercare", {})
    assert (st.is_set, st.source, st.masked) == (True, "keyring", "…0b")
    st = key_status("aftercare", {"AFTERCARE_API_KEY": "env-key-0000000000000042"})
    assert (st.source, st.masked, st.keyring_has_key) == ("env", "…42", True)
    assert_no_canary(repr(st))


def test_key_status_without_backend(no_keyring: None) -> None:
    st = key_status("surveycoder", {"SURVEYCODER_API_KEY": CANARY_SC})
    assert st.is_set and st.source == "env" and st.keyring_has_key is None
    assert st.keyring_error and "not available" in st.keyring_error
    st = key_status("surveycoder", {})
    assert not st.is_set and st.keyring_error


def test_set_and_remove(mem_keyring: MemoryKeyring) -> None:
    assert set_key("surveycoder", f"  {CANARY_SC}\n") == "scp_…Z9"
    assert mem_keyring.store[(KEYRING_SERVICE, "surveycoder")] == CANARY_SC
    assert remove_key("surveycoder") is True
    assert remove_key("surveycoder") is False


def test_set_rejects_garbage_without_echoing_it(mem_keyring: MemoryKeyring) -> None:
    with pytest.raises(InvalidInput) as info:
        set_key("aftercare", f"{CANARY_AC} {CANARY_AC}")
    assert_no_canary(str(info.value))
    with pytest.raises(InvalidInput):
        set_key("aftercare", "   ")
    assert mem_keyring.store == {}


def test_set_and_remove_without_backend(no_keyring: None) -> None:
    with pytest.raises(CredentialsError) as info:
        set_key("aftercare", CANARY_AC)
    assert_no_canary(str(info.value))
    with pytest.raises(CredentialsError):
        remove_key("aftercare")


# -- auth CLI ---------------------------------------------------------------------------------------


def run_set(provider: str, stdin: io.StringIO, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = auth_cli.auth_set(provider, stdin=stdin, out=out, err=err, env=env or {})
    return code, out.getvalue(), err.getvalue()


def test_auth_set_from_piped_stdin(mem_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "getpass.getpass", lambda *a, **k: pytest.fail("must not prompt when stdin is a pipe")
    )
    code, out, err = run_set("surveycoder", io.StringIO(CANARY_SC + "\nsecond line ignored\n"))
    assert code == 0, err
    assert mem_keyring.store[(KEYRING_SERVICE, "surveycoder")] == CANARY_SC
    assert "scp_…Z9" in out
    assert_no_canary(out, err)


def test_auth_set_prompts_hidden_on_tty(mem_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "", stream: object = None) -> str:
        prompts.append(prompt)
        return CANARY_AC

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    code, out, err = run_set("aftercare", TTYInput(""), env={"AFTERCARE_API_KEY": "x" * 20})
    assert code == 0
    assert prompts and "Aftercare" in prompts[0]
    assert mem_keyring.store[(KEYRING_SERVICE, "aftercare")] == CANARY_AC
    assert "AFTERCARE_API_KEY is set" in err  # warns that the env var shadows the keyring
    assert_no_canary(out, err, *prompts)


def test_auth_set_empty_key_is_usage_error(mem_keyring: MemoryKeyring) -> None:
    code, _, err = run_set("aftercare", io.StringIO("\n"))
    assert code == 2 and "no key given" in err
    assert mem_keyring.store == {}


def test_auth_set_cancelled(mem_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*a: object, **k: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("getpass.getpass", interrupted)
    code, _, err = run_set("aftercare", TTYInput(""))
    assert code == 130 and "cancelled" in err


def test_auth_set_without_backend(no_keyring: None) -> None:
    code, out, err = run_set("surveycoder", io.StringIO(CANARY_SC))
    assert code == 1
    assert "Traceback" not in err and "SURVEYCODER_API_KEY" in err and "keyrings.alt" in err
    assert_no_canary(out, err)


def test_auth_status_and_check(mem_keyring: MemoryKeyring) -> None:
    mem_keyring.store[(KEYRING_SERVICE, "surveycoder")] = CANARY_SC
    env = {"AFTERCARE_API_KEY": CANARY_AC}
    out, err = io.StringIO(), io.StringIO()
    assert auth_cli.auth_status(out=out, err=err, env=env) == 0
    text = out.getvalue()
    assert "Aftercare: set (…0b) from environment variable AFTERCARE_API_KEY" in text
    assert "SurveyCoder: set (scp_…Z9) from system keyring" in text
    assert "check" not in text

    seen: list[tuple[str, str]] = []

    def checker(provider: str, key: str) -> tuple[bool, str]:
        seen.append((provider, key))
        if provider == "aftercare":
            return False, f"HTTP 403 INVALID_API_KEY for {key}"  # a careless checker echoing the key
        return True, "key accepted"

    out, err = io.StringIO(), io.StringIO()
    assert auth_cli.auth_status(check=True, checker=checker, out=out, err=err, env=env) == 1
    assert seen == [("aftercare", CANARY_AC), ("surveycoder", CANARY_SC)]
    assert "check: FAILED" in out.getvalue() and "check: OK: key accepted" in out.getvalue()
    assert_no_canary(out.getvalue(), err.getvalue())


def test_auth_status_checker_crash_is_reported(mem_keyring: MemoryKeyring) -> None:
    def checker(provider: str, key: str) -> tuple[bool, str]:
        raise RuntimeError(f"boom with {key}")

    out = io.StringIO()
    code = auth_cli.auth_status(
        check=True, checker=checker, out=out, err=io.StringIO(), env={"SURVEYCODER_API_KEY": CANARY_SC}
    )
    assert code == 1 and "could not check (RuntimeError" in out.getvalue()
    assert "Aftercare: not set" in out.getvalue()
    assert_no_canary(out.getvalue())


def test_auth_status_without_backend_shows_env_keys(no_keyring: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = auth_cli.auth_status(out=out, err=err, env={"SURVEYCODER_API_KEY": CANARY_SC})
    assert code == 0
    assert "SurveyCoder: set (scp_…Z9) from environment variable" in out.getvalue()
    assert "Aftercare: not set" in out.getvalue()
    assert "keyring is not available" in err.getvalue()
    assert_no_canary(out.getvalue(), err.getvalue())


def test_auth_remove(mem_keyring: MemoryKeyring) -> None:
    mem_keyring.store[(KEYRING_SERVICE, "aftercare")] = CANARY_AC
    out = io.StringIO()
    assert auth_cli.auth_remove("aftercare", out=out, err=io.StringIO()) == 0
    assert "Removed" in out.getvalue() and mem_keyring.store == {}
    out = io.StringIO()
    assert auth_cli.auth_remove("aftercare", out=out, err=io.StringIO()) == 0
    assert "nothing to remove" in out.getvalue()


def test_auth_remove_without_backend(no_keyring: None) -> None:
    err = io.StringIO()
    assert auth_cli.auth_remove("aftercare", out=io.StringIO(), err=err) == 1
    assert "not available" in err.getvalue()


def test_argparse_wiring(mem_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser(prog="survey-jobs-mcp")
    auth_cli.add_auth_arguments(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["auth", "status", "--check"])
    assert (args.command, args.auth_command, args.check) == ("auth", "status", True)
    args = parser.parse_args(["auth", "set", "surveycoder"])
    assert (args.auth_command, args.provider) == ("set", "surveycoder")
    with pytest.raises(SystemExit):
        parser.parse_args(["auth", "set", "qualtrics"])
    with pytest.raises(SystemExit):  # the key is never accepted on argv
        parser.parse_args(["auth", "set", "aftercare", CANARY_AC])

    monkeypatch.setattr("sys.stdin", io.StringIO(CANARY_AC + "\n"))
    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert auth_cli.run_auth(parser.parse_args(["auth", "set", "aftercare"])) == 0
    assert mem_keyring.store[(KEYRING_SERVICE, "aftercare")] == CANARY_AC
    assert auth_cli.run_auth(parser.parse_args(["auth", "remove", "aftercare"])) == 0
    assert mem_keyring.store == {}


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


def test_failing_backend_becomes_a_credentials_error() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(CredentialsError, match="KeyringLocked: Failed to unlock") as info:
            resolve_key("aftercare", {})
        assert "AFTERCARE_API_KEY" in str(info.value)
        out, err = io.StringIO(), io.StringIO()
        assert auth_cli.auth_status(out=out, err=err, env={}) == 0
        assert "Aftercare: not set" in out.getvalue() and "KeyringLocked" in err.getvalue()
    finally:
        keyring.set_keyring(previous)


# -- keys that cannot be keys (CR/LF, whitespace, controls, non-ASCII) are refused when set or read ----

BAD_KEYS = {
    "crlf": (CANARY_AC + "\r\nX-Injected: 1", "a line break (U+000D)"),
    "lf": (CANARY_AC[:10] + "\n" + CANARY_AC[10:], "a line break (U+000A)"),
    "tab": (CANARY_AC[:10] + "\t" + CANARY_AC[10:], "whitespace (U+0009)"),
    "nul": (CANARY_AC + "\x00", "a control character (U+0000)"),
    "del": (CANARY_AC + "\x7f", "a control character (U+007F)"),
    "nbsp": (CANARY_AC[:10] + "\u00a0" + CANARY_AC[10:], "whitespace (U+00A0)"),
    "non-ascii": (CANARY_AC + "é", "a non-ASCII character (U+00E9)"),
}


def assert_no_key_fragment(*texts: str) -> None:
    for text in texts:
        assert CANARY_AC[:12] not in text and CANARY_AC[-12:] not in text, text


@pytest.mark.parametrize("name", list(BAD_KEYS))
def test_set_refuses_keys_with_whitespace_or_controls(mem_keyring: MemoryKeyring, name: str) -> None:
    key, why = BAD_KEYS[name]
    with pytest.raises(InvalidInput) as info:
        set_key("aftercare", key)
    msg = str(info.value)
    assert msg.startswith(
        f"That does not look like a valid Aftercare API key (it contains {why} at position "
    )
    assert msg.endswith("); nothing was stored. Paste only the key.")
    assert_no_key_fragment(msg, repr(info.value))
    assert mem_keyring.store == {}


def test_auth_set_refuses_a_key_with_a_carriage_return(mem_keyring: MemoryKeyring) -> None:
    code, out, err = run_set("aftercare", io.StringIO(CANARY_AC[:10] + "\r" + CANARY_AC[10:] + "\n"))
    assert code == 2
    assert "a line break (U+000D) at position 11" in err and "nothing was stored" in err
    assert_no_key_fragment(out, err)
    assert mem_keyring.store == {}


@pytest.mark.parametrize("name", ["crlf", "tab", "non-ascii"])
def test_env_key_with_bad_characters_is_refused_when_read(mem_keyring: MemoryKeyring, name: str) -> None:
    key, why = BAD_KEYS[name]
    with pytest.raises(CredentialsError) as info:
        resolve_key("aftercare", {"AFTERCARE_API_KEY": key})
    msg = str(info.value)
    assert msg.startswith("The environment variable AFTERCARE_API_KEY is not a usable Aftercare API key: ")
    assert f"it contains {why}" in msg and "set AFTERCARE_API_KEY to the key alone" in msg
    assert_no_key_fragment(msg)


def test_keyring_key_with_a_line_break_is_refused_when_read(mem_keyring: MemoryKeyring) -> None:
    mem_keyring.store[(KEYRING_SERVICE, "aftercare")] = CANARY_AC[:10] + "\n" + CANARY_AC[10:]
    with pytest.raises(CredentialsError) as info:
        resolve_key("aftercare", {})
    msg = str(info.value)
    assert msg.startswith(
        "The key in the system keyring is not a usable Aftercare API key: it contains a line"
    )
    assert "survey-jobs-mcp auth set aftercare" in msg
    assert_no_key_fragment(msg)
