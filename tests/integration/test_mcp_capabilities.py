"""Advertise only what works: ``initialize`` (2025-11-25) and ``server/discover`` (2026-07-28)
against the requests that must then answer, in-process (the end-to-end suite repeats this over
stdio and streamable HTTP)."""

from __future__ import annotations

import mcp
import pytest

from tests.mcp_support import Harness
from tests.protocol_support import LEGACY, MODERN, check_advertised_capabilities_answer

pytestmark = pytest.mark.anyio
pytest_plugins = ["tests.mcp_support"]


@pytest.mark.parametrize("mode, version", [("legacy", LEGACY), ("auto", MODERN)])
async def test_advertised_capabilities_answer(h: Harness, mode: str, version: str):
    async with mcp.Client(h.server(), mode=mode) as c:
        assert c.protocol_version == version
        await check_advertised_capabilities_answer(c)
