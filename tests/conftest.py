"""Shared fixtures: the sandbox emulator served over real HTTP on loopback.

Every test that needs an upstream talks to a ``Sandbox`` through ``SandboxServer`` (uvicorn on
127.0.0.1, ephemeral port, background thread). Nothing in our HTTP layer is mocked; faults are
injected by the sandbox itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from keyring.backends import fail

from survey_jobs_mcp.server.sandbox import Sandbox, SandboxServer
from tests.keyrings import MemoryKeyring, using_keyring

# Shared harness modules imported by tests: rewrite their asserts too (pytest only does this
# automatically for test modules and conftest files).
pytest.register_assert_rewrite("tests.mcp_support", "tests.protocol_support")

# A fixed sandbox epoch: tests that depend on "today" or relative windows stay deterministic.
SANDBOX_START = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh, deterministic sandbox (seed 7, small page size so paging is exercised)."""
    yield Sandbox(seed=7, page_size=50, start=SANDBOX_START)


@pytest.fixture
def sandbox_server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox) as server:
        yield server


@pytest.fixture
def mem_keyring() -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring for the test."""
    with using_keyring(MemoryKeyring()) as backend:
        yield backend  # type: ignore[misc]


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """No usable keyring backend: what a headless Linux box has by default."""
    with using_keyring(fail.Keyring()):
        yield
