"""The base of every output model: a JSON schema as small as the facts it validates.

Hosts send a tool's output schema to the model with the tool list, so every byte of it is paid on
every turn. Pydantic's default schema carries a generated ``title`` for every model and field, the
model docstrings as descriptions, and ``anyOf [T, null]`` plus ``"default": null`` for every
optional field. None of that validates anything our answers can contain: the structured channel
never holds ``null`` (empty fields are omitted, see ``tools.render.drop_none``), so an optional
field is published as just its type (not required, not nullable). That is stricter, not weaker.
Descriptions stay only where a field's meaning is not evident from its name (``Field(description=)``),
and a shape used once is published inline (``inline``) rather than as a ``$defs`` entry plus a
reference; validation is unchanged (pydantic still validates against the model).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, RootModel, WithJsonSchema

NULL = {"type": "null"}


def _type_union(schema: dict[str, Any]) -> None:
    """``anyOf`` of bare types → one ``type`` list (the same constraint, a third of the bytes)."""
    options = schema.get("anyOf")
    if options and all(set(o) == {"type"} and isinstance(o["type"], str) for o in options):
        del schema["anyOf"]
        schema["type"] = [o["type"] for o in options]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _type_union(schema[key])


def _lean_property(prop: dict[str, Any]) -> None:
    prop.pop("title", None)
    options = prop.get("anyOf")
    if options and NULL in options and prop.get("default", ...) is None:
        rest = [o for o in options if o != NULL]
        del prop["anyOf"], prop["default"]
        if len(rest) == 1:
            prop.update(rest[0])
        else:
            prop["anyOf"] = rest
    _type_union(prop)


def lean_schema(schema: dict[str, Any], _model: type | None = None) -> None:
    """Drop titles, model descriptions and the nullable form of optional fields (in place)."""
    schema.pop("title", None)
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        _lean_property(prop)


class OutModel(BaseModel):
    """An output model whose published schema is lean (see the module docstring)."""

    model_config = ConfigDict(json_schema_extra=lean_schema)


class Counts(RootModel[dict[str, int]]):
    """A count per key (status, bucket, issue type, sentiment …): one shared definition."""

    model_config = ConfigDict(json_schema_extra=lean_schema)


def inline(model: type[BaseModel]) -> Any:
    """``model`` as a field type whose published schema is inline, not a ``$defs`` reference.

    For a shape used once; its own nested shapes must be inline too (no ``$defs`` of its own).
    """
    schema = model.model_json_schema()
    if "$defs" in schema:
        raise TypeError(f"{model.__name__} nests a shared definition; inline its nested models first")
    return Annotated[model, WithJsonSchema(schema)]
