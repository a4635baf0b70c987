"""Canonical JSON and its digest: the one way Forethought hashes data.

Keys sorted, no spaces, UTF-8. Bank and method content hashes, publication
digests, schema-check trust and page fingerprints all use these, so the same
data always has the same hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(data: Any) -> str:
    """'sha256:' and the hex SHA-256 of the canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical(data)).hexdigest()


def without_schema_key(data: dict) -> dict:
    """A definition without its "$schema" pointer, which says where to find a schema, not what it holds."""
    return {k: v for k, v in data.items() if k != "$schema"}
