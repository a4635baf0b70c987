"""Whether a publication used the official banks and scoring method.

A file can be consistent with itself (every hash and score recomputes) and still have been scored
with rules someone rewrote: bands moved so Critical reads Low, drivers set to zero. So the package
ships the content hash of every released version (`schemas/official-releases.json`), and each
carried definition is compared with it by id, version and hash. Where the official content of
that version is bundled here, what differs is named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from .. import resources
from ..banks import content_hash
from ..canonical import canonical
from ..loading import bundled_files
from ..problems import Problem, ProblemsFound

OFFICIAL_FILE = "official-releases.json"

# The parts of a risk that move its scores, named when a carried bank changes them.
RISK_PARTS = ("likelihood", "impact", "red_flags", "applies_when")


@dataclass(frozen=True)
class Provenance:
    """Where one carried definition comes from, in words a reviewer can act on."""

    kind: str  # "bank" or "scoring"
    id: str
    version: str
    title: str
    official: bool
    differs: tuple[str, ...] = ()  # what is not as released, where it can be told

    @property
    def text(self) -> str:
        what = "scoring method" if self.kind == "scoring" else "bank"
        if self.official:
            return f"the official {self.title} {self.version}"
        detail = f": {'; '.join(self.differs)}" if self.differs else ""
        return f"NOT an official release: the {what} {self.title} {self.version}{detail}"

    def to_dict(self) -> dict:
        return {**self.__dict__, "differs": list(self.differs), "text": self.text}


@lru_cache(maxsize=1)
def releases() -> dict[tuple[str, str, str], dict]:
    """Every released version by (kind, id, version)."""
    data = json.loads(resources.schema_path(OFFICIAL_FILE).read_text(encoding="utf-8"))
    return {(e["kind"], e["id"], e["version"]): e for e in data["releases"]}


@lru_cache(maxsize=1)
def _bundled_content() -> dict[tuple[str, str, str], dict]:
    """The definitions bundled here, so what differs from them can be named."""
    out = {}
    for path in bundled_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        out[(_kind(data), data["id"], data["version"])] = data
    return out


def _kind(data: dict) -> str:
    return "scoring" if data.get("kind") == "scoring" else "bank"


def provenance(method: dict) -> list[Provenance]:
    """For each bank a publication carries, then its scoring method: official or not, and why."""
    return [_one(data) for data in [*method["banks"], method["scoring"]]]


def all_released(method: dict) -> bool:
    """Whether every definition carried is, byte for byte, an official release (a shape the
    schema has not yet checked is simply not one)."""
    definitions = [*method["banks"], method["scoring"]]
    return all(
        isinstance(data.get("id"), str)
        and isinstance(data.get("version"), str)
        and (released := releases().get((_kind(data), data["id"], data["version"]))) is not None
        and released["content_hash"] == content_hash(data)
        for data in definitions
    )


def verdict(found: list[Provenance]) -> list[str]:
    """What the provenance proves, as lines to print: one line if all is official, else one per
    definition that is not, and what follows from it."""
    if not found:
        return []
    if all(p.official for p in found):
        return ["Scored with official releases: " + ", ".join(f"{p.title} {p.version}" for p in found) + "."]
    lines = [p.text + "." for p in found if not p.official]
    return lines + ["A reviewer cannot rely on these scores without checking the definitions the file carries."]


def _one(data: dict) -> Provenance:
    key = (_kind(data), data["id"], data["version"])
    title = data.get("title", data["id"])
    released = releases().get(key)
    if released is None:
        return Provenance(*key, title, False, (f"no official release has version {key[2]}",))
    if released["content_hash"] == content_hash(data):
        return Provenance(*key, released["title"], True)
    official = _bundled_content().get(key)
    differs = _differences(data, official) if official else ("its content is not the released content",)
    return Provenance(*key, title, False, differs or ("its content is not the released content",))


def _differences(carried: dict, official: dict) -> tuple[str, ...]:
    """What a carried definition changes, by risk (drivers, red flags, applicability) and by part."""
    out = []
    if carried.get("kind") == "scoring":
        for key in sorted(set(carried) | set(official)):
            if key not in ("$schema", "changelog") and canonical(carried.get(key)) != canonical(official.get(key)):
                out.append(f"its {key.replace('_', ' ')} differ from the release")
        return tuple(out)
    mine = {r["id"]: r for r in carried.get("risks", [])}
    theirs = {r["id"]: r for r in official.get("risks", [])}
    for rid in sorted(set(mine) | set(theirs)):
        a, b = mine.get(rid), theirs.get(rid)
        if a is None or b is None:
            out.append(f"risk {rid} is {'missing' if a is None else 'added'}")
            continue
        parts = [p for p in RISK_PARTS if canonical(a.get(p)) != canonical(b.get(p))]
        parts += ["other fields"] if not parts and canonical(a) != canonical(b) else []
        if parts:
            out.append(f"risk {rid}: {', '.join(p.replace('_', ' ') for p in parts)} changed")
    for key in ("sections", "mitigations", "applies_when", "sources"):
        if canonical(carried.get(key)) != canonical(official.get(key)):
            out.append(f"its {key.replace('_', ' ')} differ from the release")
    return tuple(out)


def updated_manifest(bundled: list[dict], manifest: dict, today: str) -> dict:
    """The manifest with every bundled version not yet in it added. A version already released
    with other content raises ProblemsFound: a released version never changes."""
    known = {(e["kind"], e["id"], e["version"]): e for e in manifest["releases"]}
    problems = []
    for data in bundled:
        key = (_kind(data), data["id"], data["version"])
        entry = known.get(key)
        if entry is None:
            known[key] = {
                "kind": key[0],
                "id": key[1],
                "version": key[2],
                "title": data.get("title", data["id"]),
                "content_hash": content_hash(data),
                "released": today,
            }
        elif entry["content_hash"] != content_hash(data):
            problems.append(
                Problem(
                    f"{key[1]} {key[2]}",
                    "/version",
                    f"version {key[2]} is already released with other content: give the changed "
                    f"{'scoring method' if key[0] == 'scoring' else 'bank'} a new version and a changelog entry",
                )
            )
    if problems:
        raise ProblemsFound(problems)
    ordered = sorted(known.values(), key=lambda e: (e["kind"], e["id"], [int(x) for x in e["version"].split(".")]))
    return {**manifest, "releases": ordered}
