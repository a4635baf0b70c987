"""Schema errors in words a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Callable
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
    """One schema error in plain words."""
    if error.validator is False or error.validator == "false" or error.schema is False:
        return "not allowed here"
    words = _EXPLAIN.get(str(error.validator))
    return (words(error, error.validator_value, error.instance) if words else None) or error.message


def _unknown_keys(error: jsonschema.ValidationError, value: Any, instance: Any) -> str | None:
    if not isinstance(instance, dict):
        return None
    allowed = list(error.schema.get("properties", {}))
    parts = []
    for key in (k for k in instance if k not in allowed):
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"unknown key {short(key)}{hint}")
    return "; ".join(parts)


def _missing(error: jsonschema.ValidationError, value: Any, instance: Any) -> str:
    missing = [k for k in value if isinstance(instance, dict) and k not in instance]
    return "missing required key " + ", ".join(repr(k) for k in missing or value[:1])


def _pattern(error: jsonschema.ValidationError, value: Any, instance: Any) -> str:
    described = _description(error)
    return f"{short(instance)} is not in the expected form" + (f": {described}" if described else f" (pattern {value})")


def _type(error: jsonschema.ValidationError, value: Any, instance: Any) -> str:
    wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in (value if isinstance(value, list) else [value]))
    return f"must be {wanted}, not {short(instance)}"


def _format(error: jsonschema.ValidationError, value: Any, instance: Any) -> str | None:
    return {
        "date": f"{short(instance)} is not a real date written as YYYY-MM-DD",
        "regex": f"{short(instance)} is not a valid regular expression",
    }.get(value)


def _not(error: jsonschema.ValidationError, value: Any, instance: Any) -> str:
    described = _description(error)
    return f"{short(instance)} is not allowed here" + (f": {described}" if described else "")


# Each JSON Schema keyword's failure in words, from (error, the keyword's value, the instance);
# None falls back to jsonschema's own message.
_EXPLAIN: dict[str, Callable[[jsonschema.ValidationError, Any, Any], str | None]] = {
    "additionalProperties": _unknown_keys,
    "required": _missing,
    "dependentRequired": lambda e, v, i: e.message.replace("is a dependency of", "is needed alongside"),
    "pattern": _pattern,
    "enum": lambda e, v, i: f"{short(i)} is not one of {', '.join(map(repr, v))}",
    "const": lambda e, v, i: f"must be {v!r}, not {short(i)}",
    "type": _type,
    "minItems": lambda e, v, i: "must not be empty" if v == 1 else f"needs at least {v} items",
    "maxItems": lambda e, v, i: f"has {len(i)} items; at most {v} are allowed",
    "minLength": lambda e, v, i: "must not be empty" if v == 1 else f"must be at least {v} characters long",
    "maxLength": lambda e, v, i: f"is {len(i)} characters long; at most {v} are allowed",
    "minimum": lambda e, v, i: f"{short(i)} is below the minimum of {v}",
    "maximum": lambda e, v, i: f"{short(i)} is above the maximum of {v}",
    "format": _format,
    "not": _not,
    "uniqueItems": lambda e, v, i: "has the same item more than once",
    "minProperties": lambda e, v, i: "must not be empty",
}


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
