"""Reading JSON files: a problem with the file's name rather than an exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .problems import Problem


def read_json(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a JSON file; a problem rather than an exception if it cannot be read."""
    name = display_name(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(name, "", "file not found")]
    except OSError as e:
        return None, [Problem(name, "", f"cannot be read ({e.strerror})")]
    return parse_json(content, name)


def parse_json(content: bytes | str, name: str) -> tuple[Any, list[Problem]]:
    """Parse JSON from a file's bytes (or text); a problem rather than an exception.
    UTF-8 only, a byte-order mark allowed: json.loads would otherwise guess
    UTF-16 or UTF-32 from the first bytes of any binary file."""
    try:
        return json.loads(content.decode("utf-8-sig") if isinstance(content, bytes) else content), []
    except UnicodeDecodeError:
        return None, [Problem(name, "", "not UTF-8 text")]
    except json.JSONDecodeError as e:
        return None, [Problem(name, f"line {e.lineno} column {e.colno}", f"not valid JSON: {e.msg}")]


def display_name(path: Path) -> str:
    """A path as a person typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
