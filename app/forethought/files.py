"""Reading JSON files: a problem with the file's name rather than an exception.

Every JSON the program reads from a person (a bank, an assessment, a published file, an
upload) comes through `parse_json`, which refuses what the json module would accept but
nothing after it can use safely: nesting deep enough to exhaust Python's stack, numbers too
long to convert (Python's limit on integer digits) or not finite, and lone surrogates, which
are not characters and cannot be written as UTF-8 to a page, a file or the database."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .problems import Problem, pointer

# Far deeper than any bank, assessment or publication nests (about 12 levels), far shallower
# than the checks that walk a document recursively can bear.
MAX_DEPTH = 64
# Longer than any count, version or score a file holds; well inside Python's 4,300-digit limit.
MAX_NUMBER_CHARS = 40


class _Refused(ValueError):
    """A number the parser refuses, raised from inside json.loads."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number has {len(text.lstrip('-'))} digits (at most {MAX_NUMBER_CHARS} are allowed)")
    return int(text)


def _real(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number is {len(text)} characters long (at most {MAX_NUMBER_CHARS} are allowed)")
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {text} is too large")
    return number


def _constant(text: str) -> float:
    raise _Refused(f"{text} is not a JSON number")


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
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        data = json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except UnicodeDecodeError:
        return None, [Problem(name, "", "not UTF-8 text")]
    except json.JSONDecodeError as e:
        return None, [Problem(name, f"line {e.lineno} column {e.colno}", f"not valid JSON: {e.msg}")]
    except _Refused as e:
        return None, [Problem(name, "", f"not usable JSON: {e}")]
    except RecursionError:
        return None, [Problem(name, "", _too_deep())]
    problem = unusable(data)
    return (None, [Problem(name, *problem)]) if problem else (data, [])


def _too_deep() -> str:
    return f"not usable JSON: lists and objects are nested more than {MAX_DEPTH} levels deep"


_SURROGATE = "not usable JSON: {} holds a lone surrogate (\\ud800 to \\udfff), which is not a character"


def unusable(data: Any) -> tuple[str, str] | None:
    """Where and why parsed JSON cannot be used (nested too deeply, or a string or key with
    a lone surrogate), or None. A walk with a stack, so no depth can exhaust Python's; the
    path is followed only once something is found (most files have nothing to find)."""
    return _walk(data, with_path=False) and _walk(data, with_path=True)


def _walk(data: Any, with_path: bool) -> tuple[str, str] | None:
    stack: list[tuple[Any, int, tuple]] = [(data, 0, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return pointer(*path), _SURROGATE.format("a text")
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                return pointer(*path), _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and not _encodable(key):
                    return pointer(*path), _SURROGATE.format("a key")
                stack.append((item, depth + 1, (*path, key) if with_path else ()))
    return None


def _encodable(text: str) -> bool:
    """No lone surrogate: the text can be written as UTF-8."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_name(path: Path) -> str:
    """A path as a person typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
