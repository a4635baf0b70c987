"""Schema errors in words a person can act on."""

from __future__ import annotations

import difflib
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from .problems import Problem, pointer


def inline_refs(schema: dict) -> dict:
    """The schema with every local $ref to a non-recursive definition replaced by
    the definition itself. Validation gives the same answers, several times faster,
    because jsonschema no longer resolves a reference at every step."""
    defs = schema.get("$defs", {})

    def refs_in(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = (
                {node["$ref"].removeprefix("#/$defs/")}
                if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/")
                else set()
            )
            return found.union(*(refs_in(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(refs_in(v) for v in node))
        return set()

    direct = {name: refs_in(body) for name, body in defs.items()}
    recursive = set()
    for name in defs:
        seen, todo = set(), list(direct[name])
        while todo:
            nxt = todo.pop()
            if nxt == name:
                recursive.add(name)
                break
            if nxt not in seen and nxt in direct:
                seen.add(nxt)
                todo.extend(direct[nxt])

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") not in recursive:
                merged = {k: expand(v) for k, v in node.items() if k != "$ref"}
                body = expand(defs[ref.removeprefix("#/$defs/")])
                return {**body, **merged} if not (set(body) & set(merged)) else {"allOf": [body], **merged}
            return {k: expand(v) for k, v in node.items()}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    out = expand({k: v for k, v in schema.items() if k != "$defs"})
    out["$defs"] = {
        name: expand(body) for name, body in defs.items() if name in recursive or name in _needed(out, defs, recursive)
    }
    return out


def _needed(node: Any, defs: dict, recursive: set) -> set:
    names: set = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            names.add(ref.removeprefix("#/$defs/"))
        for v in node.values():
            names |= _needed(v, defs, recursive)
    elif isinstance(node, list):
        for v in node:
            names |= _needed(v, defs, recursive)
    return names


def schema_problems(data: Any, validator: jsonschema.Draft202012Validator, name: str) -> list[Problem]:
    """Schema errors as problems, each explained as plainly as the error allows."""
    problems = []
    for error in validator.iter_errors(data):
        error = best_match([error])
        problems.append(Problem(name, pointer(*error.absolute_path), explain(error)))
    return sorted(set(problems))


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "an object",
    "array": "a list",
    "boolean": "true or false",
    "null": "null",
}


def short(value: Any, limit: int = 60) -> str:
    """A value as JSON-ish text, cut short so one bad value cannot flood a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(error: jsonschema.ValidationError) -> str:
    v, value, instance = error.validator, error.validator_value, error.instance
    if v == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        parts = []
        for key in (k for k in instance if k not in allowed):
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            parts.append(f"unknown key {short(key)}{hint}")
        return "; ".join(parts) or error.message
    if v == "required":
        missing = [k for k in value if isinstance(instance, dict) and k not in instance]
        return "missing required key " + ", ".join(repr(k) for k in missing or value[:1])
    if v == "dependentRequired":
        return error.message.replace("is a dependency of", "is needed alongside")
    if v == "pattern":
        described = _description(error)
        return f"{short(instance)} is not in the expected form" + (
            f": {described}" if described else f" (pattern {value})"
        )
    if v == "enum":
        return f"{short(instance)} is not one of {', '.join(map(repr, value))}"
    if v == "const":
        return f"must be {value!r}, not {short(instance)}"
    if v == "type":
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in (value if isinstance(value, list) else [value]))
        return f"must be {wanted}, not {short(instance)}"
    if v == "minItems":
        return "must not be empty" if value == 1 else f"needs at least {value} items"
    if v == "maxItems":
        return f"has {len(instance)} items; at most {value} are allowed"
    if v == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters long"
    if v == "maxLength":
        return f"is {len(instance)} characters long; at most {value} are allowed"
    if v == "minimum":
        return f"{short(instance)} is below the minimum of {value}"
    if v == "maximum":
        return f"{short(instance)} is above the maximum of {value}"
    if v == "format" and value == "date":
        return f"{short(instance)} is not a real date written as YYYY-MM-DD"
    if v == "format" and value == "regex":
        return f"{short(instance)} is not a valid regular expression"
    if v == "not":
        described = _description(error)
        return f"{short(instance)} is not allowed here" + (f": {described}" if described else "")
    if v == "uniqueItems":
        return "has the same item more than once"
    if v == "minProperties":
        return "must not be empty"
    if v is False or v == "false" or error.schema is False:
        return "not allowed here"
    return error.message


def _description(error: jsonschema.ValidationError) -> str | None:
    """The description of the schema that failed, or of the property holding it."""
    if "description" in error.schema:
        return error.schema["description"]
    parent = error.parent
    while parent is not None:
        if "description" in parent.schema:
            return parent.schema["description"]
        parent = parent.parent
    return None
