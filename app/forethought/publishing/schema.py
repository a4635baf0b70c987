"""The published schema as one file that stands alone.

`schemas/published-assessment.schema.json` describes a published file, which
carries the banks and the scoring method it was scored with. Their schemas
live in their own files, where bank authors use them; the published schema
carries a copy of each under `$defs` (without their `$id`, their references
rewritten to point inside the copy), so ajv, check-jsonschema or any other
validator checks a published file with that one schema and nothing else.

The published schema's own part is edited by hand; `standalone` refreshes the
copies, `make generate` (through `forethought trust-bundled`) writes the
result, and a test fails if the committed file differs from it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .. import resources

PUBLISHED_FILE = "published-assessment.schema.json"
# Each embedded schema: its name under $defs, and its own file.
EMBEDDED = {"question-bank": "question-bank.schema.json", "scoring-method": "scoring-method.schema.json"}


def _read(name: str) -> dict:
    return json.loads(resources.schema_path(name).read_text(encoding="utf-8"))


def _rewrite(node: Any, refs: dict[str, str], local: str | None) -> Any:
    """A copy of `node` with each `$ref` to an embedded schema's `$id` made local,
    and (inside an embedded copy at `local`) each `#...` reference moved under it."""
    if isinstance(node, list):
        return [_rewrite(v, refs, local) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            if value in refs:
                value = refs[value]
            elif local is not None and value.startswith("#"):
                value = local + value[1:]
        out[key] = _rewrite(value, refs, local)
    return out


def standalone(published: dict, embedded: dict[str, dict]) -> dict:
    """The published schema with each embedded schema copied under `$defs/<name>`
    and every reference to it local, so the result needs no other file."""
    refs = {schema["$id"]: f"#/$defs/{name}" for name, schema in embedded.items()}
    out = _rewrite(published, refs, None)
    defs = out.setdefault("$defs", {})
    for name, schema in embedded.items():
        # An embedded $id would make the copy a resource of its own; without it,
        # every validator resolves the copy's references the same way.
        body = {k: v for k, v in copy.deepcopy(schema).items() if k not in ("$id", "$schema")}
        defs[name] = _rewrite(body, refs, f"#/$defs/{name}")
    return out


def standalone_text() -> str:
    """The published schema file as `make generate` writes it."""
    schema = standalone(_read(PUBLISHED_FILE), {name: _read(file) for name, file in EMBEDDED.items()})
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write() -> str:
    """Write the standalone published schema in place; returns its path."""
    path = resources.schema_path(PUBLISHED_FILE)
    path.write_text(standalone_text(), encoding="utf-8", newline="\n")
    return str(path)
