"""Helpers for the sandbox tests: OpenAPI schema validation and page merging (no tests here)."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPECS = Path(__file__).parent / "specs"
CODING_SPEC = SPECS / "aftercare-coding-get.openapi.yaml"
DQ_SPEC = SPECS / "aftercare-data-quality-batch-get.openapi.yaml"
SC_SPEC = SPECS / "surveycoder-jobs.openapi.yaml"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema ``type: [X, "null"]`` (recursively)."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items() if k not in ("nullable", "discriminator", "example")}
        if node.get("nullable") is True:
            if "type" in out:
                out["type"] = [out["type"], "null"]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@cache
def load_spec(path: Path) -> dict[str, Any]:
    return _nullable(yaml.safe_load(path.read_text()))


def validate(path: Path, schema: dict[str, Any], instance: Any) -> None:
    """Validate ``instance`` against ``schema`` whose refs point into the spec at ``path``."""
    doc = load_spec(path)
    root = {**schema, "components": doc["components"]}
    jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker()).validate(instance)


def component(path: Path, name: str, instance: Any) -> None:
    validate(path, {"$ref": f"#/components/schemas/{name}"}, instance)


def response_schema(path: Path, api_path: str, status: int) -> dict[str, Any]:
    doc = load_spec(path)
    resp = doc["paths"][api_path]["get"]["responses"][str(status)]
    if "$ref" in resp:
        resp = doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    return resp["content"]["application/json"]["schema"]


def validate_coding_body(body: dict[str, Any]) -> None:
    """A ``BatchCodingResponse``: ``results`` checked against the branch its parent status picks."""
    without = {k: v for k, v in body.items() if k != "results"}
    component(CODING_SPEC, "BatchCodingResponse", without)
    status, results = body["status"], body.get("results")
    if status in ("queued", "processing"):
        assert results is None
    elif status == "completed":
        component(CODING_SPEC, "BatchCodingSuccess", results)
    else:
        component(CODING_SPEC, "BatchCodingErrorDetails", results)
        assert set(results) == {"code", "message"}


def validate_dq_body(body: dict[str, Any]) -> None:
    component(DQ_SPEC, "DataQualityBatchResponse", body)


def validate_sc(status: int, api_path: str, body: dict[str, Any]) -> None:
    """SurveyCoder bodies: documented statuses by the spec, others by ``ErrorEnvelope``."""
    doc = load_spec(SC_SPEC)
    if str(status) in doc["paths"][api_path]["get"]["responses"]:
        validate(SC_SPEC, response_schema(SC_SPEC, api_path, status), body)
    else:
        component(SC_SPEC, "ErrorEnvelope", body)


def merge_pages(pages: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Merge ``questionCodes`` of several pages by question identifier and code id."""
    merged: list[dict[str, Any]] = []
    by_q: dict[str, dict[str, Any]] = {}

    def merge_codes(into: list[dict[str, Any]], codes: list[dict[str, Any]]) -> None:
        index = {c["id"]: c for c in into}
        for code in codes:
            have = index.get(code["id"])
            if have is None:
                have = {**code, "responses": [], "subCodes": []}
                into.append(have)
                index[code["id"]] = have
            have["responses"].extend(code["responses"])
            merge_codes(have["subCodes"], code["subCodes"])

    for page in pages:
        for q in copy.deepcopy(page):
            have = by_q.get(q["questionIdentifier"])
            if have is None:
                have = {**q, "responseCodes": []}
                by_q[q["questionIdentifier"]] = have
                merged.append(have)
            merge_codes(have["responseCodes"], q["responseCodes"])
    return merged


def walk_codes(codes: list[dict[str, Any]]):
    for c in codes:
        yield c
        yield from walk_codes(c["subCodes"])
