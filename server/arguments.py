"""Tool arguments as models send them: misspelled names caught, number ids accepted, plain errors.

Why here and not in each tool: the SDK validates arguments with the tool's pydantic model, which
ignores unknown names (``questionId`` silently returned the overview), rejects ``code_id=4`` for a
string parameter, and reports failures as pydantic text with a documentation link. A model reads
that poorly. ``install_argument_checks`` adds one ``Server.middleware`` (the SDK's supported hook
for rewriting a request before its parameters are validated) that, for every ``tools/call``:

- rejects names the tool does not take, naming the closest valid one (``difflib``, after ignoring
  case, ``_`` and ``-``, so ``questionId`` → ``question_id``);
- turns JSON numbers into strings for string parameters (ids), and an enum value in another case
  into the listed spelling;
- checks each value against the tool's published input schema and answers one plain sentence per
  argument: what was given, what is allowed;
- if the SDK's own validation still fails for a reason the schema did not show, replaces the
  pydantic text with the same kind of sentence.

It reads only public surfaces: ``server.list_tools()`` for the schemas and ``server.middleware``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import SERVER_INFO_META_KEY, Implementation
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from survey_jobs_mcp.tools.quoting import plain

_PYDANTIC_ERROR = re.compile(r"^Error executing tool (\S+): \d+ validation errors? for \S+\n(.*)$", re.S)


class _Rejected(Exception):
    """A value that one schema alternative does not accept."""


# ---------------------------------------------------------------------------------------------------
# describing what a parameter takes
# ---------------------------------------------------------------------------------------------------


def _alternatives(prop: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(prop.get("anyOf") or prop.get("oneOf") or [prop])


def _describe_one(alt: Mapping[str, Any]) -> str:
    kind = alt.get("type")
    if "enum" in alt:
        return "one of " + ", ".join(str(v) for v in alt["enum"])
    if kind in ("integer", "number"):
        noun = "a whole number" if kind == "integer" else "a number"
        low, high = alt.get("minimum"), alt.get("maximum")
        if low is not None and high is not None:
            return f"{noun} from {low:g} to {high:g}"
        if low is not None:
            return f"{noun} of at least {low:g}"
        return f"{noun} of at most {high:g}" if high is not None else noun
    if kind == "string":
        low, high = alt.get("minLength"), alt.get("maxLength")
        if low and high is not None:
            return f"text of {low} to {high} characters"
        if high is not None:
            return f"text of at most {high} characters"
        return f"text of at least {low} characters" if low else "text"
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        return f"a list of {_describe(alt.get('items') or {})}"
    if kind == "null":
        return "null (or leave it out)"
    return "a value of the documented type"


def _describe(prop: Mapping[str, Any]) -> str:
    parts = [_describe_one(alt) for alt in _alternatives(prop)]
    return " or ".join(dict.fromkeys(parts))


def _shown(value: Any) -> str:
    if isinstance(value, str) and len(value) > 40:
        return f"a text of {len(value)} characters"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return plain(text, 48)


# ---------------------------------------------------------------------------------------------------
# checking and coercing one value (the lax rules pydantic applies, plus numbers-as-ids)
# ---------------------------------------------------------------------------------------------------


def _as_string(value: Any, alt: Mapping[str, Any]) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Rejected
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Rejected
        value = str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    if "enum" in alt:
        match = next((e for e in alt["enum"] if str(e).lower() == text.strip().lower()), None)
        if match is None:
            raise _Rejected
        text = match
    if len(text) < alt.get("minLength", 0) or len(text) > alt.get("maxLength", math.inf):
        raise _Rejected
    return text


def _as_number(value: Any, alt: Mapping[str, Any]) -> int | float:
    integer = alt.get("type") == "integer"
    if isinstance(value, bool):
        raise _Rejected
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Rejected from None
    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        raise _Rejected
    if integer:
        if isinstance(value, float) and not value.is_integer():
            raise _Rejected
        value = int(value)
    low, high = alt.get("minimum"), alt.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        raise _Rejected
    return value


def _coerce(value: Any, alt: Mapping[str, Any]) -> Any:
    kind = alt.get("type")
    if kind == "string" or ("enum" in alt and kind is None):
        return _as_string(value, alt)
    if kind in ("integer", "number"):
        return _as_number(value, alt)
    if kind == "null":
        if value is not None:
            raise _Rejected
        return None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise _Rejected
    if kind == "array":
        if not isinstance(value, list):
            raise _Rejected
        return [_coerce_any(v, alt.get("items") or {}) for v in value]
    return value  # a shape this checker does not know: leave it to the SDK


def _coerce_any(value: Any, prop: Mapping[str, Any]) -> Any:
    for alt in _alternatives(prop):
        try:
            return _coerce(value, alt)
        except _Rejected:
            continue
    raise _Rejected


# ---------------------------------------------------------------------------------------------------
# the whole call
# ---------------------------------------------------------------------------------------------------


def _closest(name: str, valid: list[str]) -> str | None:
    squash = {re.sub(r"[_\-\s]", "", v.lower()): v for v in valid}
    exact = squash.get(re.sub(r"[_\-\s]", "", name.lower()))
    if exact:
        return exact
    close = difflib.get_close_matches(name.lower(), valid, n=1, cutoff=0.6)
    return close[0] if close else None


def check_arguments(
    tool: str, schema: Mapping[str, Any], arguments: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The arguments with lax values made exact, and one plain sentence per problem."""
    props: dict[str, Any] = dict(schema.get("properties") or {})
    valid = list(props)
    fixed: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in arguments.items():
        if name not in props:
            near = _closest(str(name), valid)
            hint = f"did you mean {near}? " if near else ""
            problems.append(
                f"{plain(str(name), 40) or '(empty)'} is not an argument of {tool}: {hint}"
                f"it takes {', '.join(valid) or 'no arguments'}."
            )
            continue
        try:
            fixed[name] = _coerce_any(value, props[name])
        except _Rejected:
            problems.append(f"{name}={_shown(value)} is not accepted: {name} takes {_describe(props[name])}.")
    for name in schema.get("required") or []:
        if name not in arguments:
            problems.append(f"{name} is missing: {tool} needs {_describe(props.get(name) or {})}.")
    return fixed, problems


def _error_result(server: MCPServer, ctx: Any, tool: str, problems: list[str]) -> dict[str, Any]:
    """A tool error in wire form, with the envelope the SDK adds to handler results (2026-era)."""
    result: dict[str, Any] = {
        "content": [{"type": "text", "text": f"Error executing tool {tool}: {' '.join(problems)}"}],
        "isError": True,
    }
    if getattr(ctx, "protocol_version", None) in MODERN_PROTOCOL_VERSIONS:
        info = Implementation(
            name=server.name,
            version=server.version or "",
            title=server.title,
            description=server.description,
            website_url=server.website_url,
            icons=server.icons,
        )
        result["resultType"] = "complete"
        result["_meta"] = {
            SERVER_INFO_META_KEY: info.model_dump(by_alias=True, mode="json", exclude_none=True)
        }
    return result


class ArgumentChecks:
    """The ``Server.middleware`` that ``install_argument_checks`` adds (see the module doc)."""

    def __init__(self, server: MCPServer) -> None:
        self._server = server
        self._schemas: dict[str, dict[str, Any]] = {}

    async def _schema(self, name: str) -> dict[str, Any] | None:
        if name not in self._schemas:  # tools can be added after install: look up on a miss
            self._schemas = {t.name: dict(t.input_schema) for t in await self._server.list_tools()}
        return self._schemas.get(name)

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        params = ctx.params
        if ctx.method != "tools/call" or not isinstance(params, Mapping):
            return await call_next(ctx)
        name, arguments = params.get("name"), params.get("arguments") or {}
        schema = await self._schema(name) if isinstance(name, str) else None
        if schema is None or not isinstance(arguments, Mapping):
            return await call_next(ctx)  # unknown tool or malformed request: the SDK answers those
        fixed, problems = check_arguments(name, schema, arguments)
        if problems:
            return _error_result(self._server, ctx, name, problems)
        if fixed != dict(arguments):
            ctx = dataclasses.replace(ctx, params={**params, "arguments": fixed})
        return _plain_validation_text(await call_next(ctx), schema)


def _plain_validation_text(result: Any, schema: Mapping[str, Any]) -> Any:
    """Replace leftover pydantic validation text (a rule the schema did not show) with a sentence."""
    if not isinstance(result, dict) or not result.get("isError"):
        return result
    content = result.get("content") or []
    text = content[0].get("text") if content and isinstance(content[0], dict) else None
    match = _PYDANTIC_ERROR.match(text or "")
    if not match:
        return result
    tool, detail = match.groups()
    props = schema.get("properties") or {}
    fields = [line for line in detail.splitlines() if line and not line.startswith(" ")]
    names = [f.split(".")[0] for f in fields if f.split(".")[0] in props] or list(props)
    sentences = [
        f"{n} was not accepted: {n} takes {_describe(props.get(n) or {})}." for n in dict.fromkeys(names)
    ]
    return {
        **result,
        "content": [{"type": "text", "text": f"Error executing tool {tool}: {' '.join(sentences)}"}],
    }


def install_argument_checks(server: MCPServer) -> None:
    """Check every ``tools/call``'s arguments before the SDK does (call once, in ``build_server``)."""
    if not any(isinstance(m, ArgumentChecks) for m in server.middleware):
        server.middleware.append(ArgumentChecks(server))
