"""Where the bundled content lives.

In a checkout the content sits at the top of the repository, two levels up
from this package (`app/forethought/`); a wheel carries a copy inside the
package. Look inside first."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The bundled directory `name`: questionnaires, schemas, reports or scoring."""
    for base in (_PACKAGE, _PACKAGE.parents[1]):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled {name!r} directory is missing from this installation")


def questionnaires_dir() -> Path:
    return bundled("questionnaires")


def schema_path(name: str) -> Path:
    return bundled("schemas") / name


def reports_dir() -> Path:
    return bundled("reports")


def default_scoring_path() -> Path:
    return bundled("scoring") / "default.json"
