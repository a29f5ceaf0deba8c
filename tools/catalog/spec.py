"""What one MCP tool is, and the one boundary where domain errors become ``ToolError``.

A tool module in this package exports a ``SPEC``: the function, its title, description and
annotations. The server registers ``tools.catalog.TOOLS`` and never needs to know a tool by name.
Only this package imports ``mcp``: the views and models below it are plain Python.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from ..errors import SurveyJobsError

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)
"""Every tool that only reads: it changes nothing, here or upstream, and may be repeated freely."""

Scrubber = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    fn: Callable[..., Awaitable[Any]]
    title: str
    description: str
    annotations: ToolAnnotations = field(default_factory=lambda: READ_ONLY)

    @property
    def name(self) -> str:
        return self.fn.__name__

    def handler(self, scrub: Scrubber = str) -> Callable[..., Awaitable[Any]]:
        """The function to register: the tool itself behind the error boundary.

        A ``SurveyJobsError`` is an expected failure whose message was written for the model; it
        becomes a ``ToolError`` (the only exception text mcp 2.x passes on), after ``scrub``
        removed anything secret. ``functools.wraps`` keeps the signature and annotations the SDK
        builds the input and output schemas from.
        """
        fn = self.fn

        @functools.wraps(fn)
        async def boundary(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except SurveyJobsError as exc:
                raise ToolError(scrub(str(exc))) from None

        return boundary
