"""The static site: every published assessment as files any web host can serve,
and that also work opened straight from disk.

    OUT/index.html, index.json, compare.html, static/forethought.css
    OUT/feed.atom, risks.csv, risks.json             new and withdrawn versions; every risk
    OUT/p/<publication>/index.html                   the latest version
    OUT/p/<publication>/v<n>/index.html              each version, with
    OUT/p/<publication>/v<n>/assessment.json         its published JSON,
    OUT/p/<publication>/v<n>/register.md, .csv       and its register
    OUT/p/<publication>/v<n>/atrs-draft.md, .json    and the drafts it fills (ATRS, DPIA)
    OUT/p/<publication>/diff-<a>-<b>.html            what changed between versions
    OUT/.forethought-build/                          what this build made, for the next one

A rebuild into the same folder reads, verifies and writes only the publications
that changed (a new version, a withdrawal), unless the code, the templates, the
official releases or the keys did; the listings are always written whole.

The pages come from the same templates as the app's public pages; only the
links differ. Every link is relative and names its file (index.html), since a
browser reading from disk does not look for index.html in a folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .. import atrs, dpia, drafts, resources
from ..cache import Cache
from ..canonical import digest
from ..files import read_json
from ..problems import Problem, ProblemsFound
from ..scored import OUTPUTS
from . import ocds, opendata, reading, verify

TEMPLATES = Path(__file__).parent.parent / "web" / "templates"
STATIC = Path(__file__).parent.parent / "web" / "static"
# What the last build made, kept in the site's folder so the next rebuilds only what changed.
BUILD_FOLDER = ".forethought-build"
# The static compare page shows the most recent publications: more columns cannot be read.
COMPARE_LIMIT = 12


# The register's files beside each version's page, each made once from the version.
REGISTER_FILES = {f"{o.stem}.{ext}": o.make for ext, o in OUTPUTS.items()}


class StaticLinks:
    static = True

    def __init__(self, depth: int, base_url: str | None = None):
        self.prefix = "../" * depth
        self.base_url = base_url

    def index(self, **filters) -> str:
        return self.prefix + "index.html"

    def version(self, publication_id: str, version: int) -> str:
        return f"{self.prefix}p/{publication_id}/v{version}/index.html"

    def download(self, publication_id: str, version: int, ext: str) -> str:
        name = {"json": "assessment.json", **{n.rsplit(".", 1)[1]: n for n in REGISTER_FILES}}[ext]
        return f"{self.prefix}p/{publication_id}/v{version}/{name}"

    def diff(self, publication_id: str, old: int, new: int) -> str:
        return f"{self.prefix}p/{publication_id}/diff-{old}-{new}.html"

    def compare(self, ids: list[str]) -> str:
        return self.prefix + "compare.html"

    def index_json(self) -> str:
        return self.prefix + "index.json"

    def feed(self, organisation: str | None = None) -> str:
        # One feed of every organisation: a static host cannot filter.
        return self.prefix + "feed.atom"

    def risks(self, ext: str) -> str:
        return f"{self.prefix}risks.{ext}"

    def css(self) -> str:
        return self.prefix + "static/forethought.css"

    def icon(self) -> str:
        return self.prefix + "static/favicon.svg"

    def keys(self) -> str:
        return self.prefix + "keys.json"

    def ocds(self, scored) -> str | None:
        """The version's OCDS release package: written only where the site knows its own address,
        since OCDS links are absolute, and the profile names an ocid to join it to."""
        p = scored.publication
        if not self.base_url or not ocds.ocids(scored.published):
            return None
        return f"{self.prefix}p/{p['id']}/v{p['version']}/ocds.json"

    def drafts(self, scored) -> list[tuple[str, list[tuple[str, str]]]]:
        """The ATRS and DPIA drafts written beside a version: (kind, [(format, address)])."""
        p = scored.publication
        base = f"{self.prefix}p/{p['id']}/v{p['version']}"
        return [(kind, [(f, f"{base}/{kind}-draft.{f}") for f in fmts]) for kind, fmts in _drafts(scored)]


# The site writes each version's drafts as text only (Markdown and JSON): a Word or OpenDocument
# file takes a tenth of a second or more to make, and a site rebuild writes every version.
SITE_DRAFTS = {"atrs": ("md", "json"), "dpia": ("md", "json")}


def _drafts(scored) -> list[tuple[str, tuple[str, ...]]]:
    return drafts.offered(scored, SITE_DRAFTS)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from ..web.rendering import COMPILED, FILTERS, GLOBALS, shown, with_design_system

    env = jinja2.Environment(
        loader=with_design_system(jinja2.FileSystemLoader(str(TEMPLATES))),
        bytecode_cache=COMPILED,
        autoescape=jinja2.select_autoescape(["html"]),
        finalize=shown,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.Undefined,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env


def row(document: dict) -> dict:
    """An index row for a published document, as the store lists one."""
    summary = reading.summary(document)
    return {
        "publication_id": document["publication"]["id"],
        "version": document["publication"]["version"],
        "content_hash": document["integrity"]["content_hash"],
        "published_at": document["publication"]["published_at"],
        "title": summary["title"],
        "organisation": summary["organisation"],
        "stage": summary["stage"],
        "rating": summary["rating"],
        "banks": json.loads(summary["banks"]),
        "decision": summary["decision"],
        "withdrawn_at": (document.get("withdrawal") or {}).get("withdrawn_at"),
        "withdrawn_reason": (document.get("withdrawal") or {}).get("reason"),
    }


@dataclass(frozen=True)
class Source:
    """One published version to build from. `identity` changes whenever its content or its
    withdrawal does, so a rebuild knows what is unchanged without reading it; `load` reads it
    (None for a file that is not a publication), raising ProblemsFound if it cannot."""

    name: str
    identity: str
    load: Callable[[], Any]

    @classmethod
    def of(cls, document: Any, name: str = "published file") -> Source:
        """A document already in memory."""
        text = json.dumps(document, ensure_ascii=False, sort_keys=True)
        return cls(name, hashlib.sha256(text.encode("utf-8")).hexdigest(), lambda: document)


def collect(paths: list[Path]) -> list[Source]:
    """Every JSON file in `paths` (files and folders), identified by its bytes."""
    files = []
    for path in paths:
        files.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    return [_file_source(path) for path in files if BUILD_FOLDER not in path.parts]


def _file_source(path: Path) -> Source:
    try:
        identity = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        identity = f"unreadable {path}"  # never a digest, so never taken for a built version
    return Source(str(path), identity, lambda: _read_published(path))


def _read_published(path: Path) -> Any:
    document, unreadable = read_json(path)
    if unreadable:
        raise ProblemsFound([Problem(p.file, p.where, f"cannot be read as JSON: {p.message}") for p in unreadable])
    if isinstance(document, dict) and document.get("format") == "forethought-assessment":
        return None  # an assessment draft that sits next to published files: not for publishing
    return document


def _version_page(
    env: jinja2.Environment, scored, version_rows: list[dict], depth: int, known: set[str], base_url: str | None
) -> str:
    """A version's page, with links that climb `depth` folders to the site's top."""
    return env.get_template("public/version.html").render(
        links=StaticLinks(depth, base_url),
        s=scored,
        answers=reading.answers(scored),
        versions=version_rows,
        context=scored.context(),
        known_keys=known,
    )


@dataclass
class Built:
    """What a build wrote, the versions it shows (their index rows), each problem of a version
    it left out, and how many publications it found unchanged since the last build."""

    written: list[Path]
    shown: list[dict]
    skipped: list[Problem]
    broken_chains: list[str] = field(default_factory=list)  # versions that do not follow the one before
    unchanged: int = 0


@dataclass
class _Version:
    """One version in a build: what the site lists of it, and (once read) its verified form."""

    source: Source
    entry: dict  # key, row, publication, content hash, bank titles, risk rows: kept between builds
    scored: reading.Verified | None = None


# Each version read, verified and re-scored once per process and day, by the hash of its
# bytes (its findings follow the date): a process that builds more than once, such as the
# test suite, reads each file once, and makes its register files (Word, OpenDocument) once.
_READ = Cache(size=16)


def _read(source: Source) -> _Version | None:
    """Read, verify and re-score one version; None if it is not a publication."""
    found = _READ.get_or_make((source.identity, dt.date.today()), lambda: _read_now(source))
    return _Version(source, *found) if found else None


def _read_now(source: Source) -> tuple[dict, reading.Verified] | None:
    document = source.load()
    if document is None:
        return None
    key = _key(document)
    scored = reading.verified(document, name=f"{key[0]} version {key[1]}" if key else source.name)
    listed = row(document)
    entry = {
        "identity": source.identity,
        "publication": document["publication"],
        "content_hash": document["integrity"]["content_hash"],
        "row": listed,
        "bank_titles": {b.id: b.title for b in scored.library.banks},
        "risks": list(opendata.risk_rows([(listed, document["result"])])),
    }
    return entry, scored


def _key(document: Any) -> tuple[str, int] | None:
    try:
        return document["publication"]["id"], document["publication"]["version"]
    except (KeyError, TypeError):
        return None


class _Previous:
    """What the last build into this folder made, if it was made from the same code, templates,
    official releases and keys; otherwise nothing, so everything is built again."""

    def __init__(self, out: Path, inputs: str):
        self.folder = out / BUILD_FOLDER
        manifest = _load_json(self.folder / "manifest.json")
        self.manifest = manifest if isinstance(manifest, dict) and manifest.get("inputs") == inputs else {}

    def entry(self, identity: str) -> dict | None:
        if not self.manifest:
            return None
        found = _load_json(self.folder / "versions" / f"{identity}.json")
        return found if isinstance(found, dict) and found.get("identity") == identity else None

    def unchanged(self, what: str, identities: list[str], out: Path) -> bool:
        """Whether `what` (a publication, or the compare page) was built from these versions and
        every file it wrote is still there."""
        made = self.manifest.get("built", {}).get(what)
        return bool(made) and made["identities"] == identities and all((out / f).is_file() for f in made["files"])

    def files(self, what: str) -> list[str]:
        return self.manifest.get("built", {}).get(what, {}).get("files", [])


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _inputs(keys: dict, base_url: str | None) -> str:
    """A digest of everything but the versions that a page depends on: this package's code and
    templates, the official releases and the keys listing."""
    package = Path(__file__).parent.parent
    parts = [digest(keys), str(base_url)]
    for folder in (package, resources.reports_dir(), resources.bundled("schemas")):
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".j2", ".json", ".sha256"} and path.is_file():
                parts.append(f"{path.relative_to(folder)}\x00{hashlib.sha256(path.read_bytes()).hexdigest()}")
    return digest(parts)


def _versions(sources: list[Source], previous: _Previous) -> tuple[dict[str, list[_Version]], list[Problem]]:
    """Every version by publication, oldest first, and the problems of each one left out. A
    version built before is taken from the last build without being read."""
    chosen: dict[tuple[str, int], _Version] = {}
    skipped: list[Problem] = []
    for source in sources:
        cached = previous.entry(source.identity)
        try:
            version = _Version(source, cached) if cached else _read(source)
        except ProblemsFound as e:
            skipped += e.problems
            continue
        if version is None:
            continue
        publication = version.entry["publication"]
        key = (publication["id"], publication["version"])
        kept = chosen.get(key)
        if kept is None:
            chosen[key] = version
        elif kept.entry["content_hash"] != version.entry["content_hash"]:
            skipped.append(
                Problem(source.name, "/publication", f"a different document is already version {key[1]} of {key[0]}")
            )
        elif version.entry["row"]["withdrawn_at"] and not kept.entry["row"]["withdrawn_at"]:
            # Two copies of one version: a copy without the withdrawal is the original file, so the
            # withdrawn one is the publisher's latest word (its signature is checked on its page).
            chosen[key] = version
    series: dict[str, list[_Version]] = {}
    for key, version in chosen.items():
        series.setdefault(key[0], []).append(version)
    for versions in series.values():
        versions.sort(key=lambda v: v.entry["publication"]["version"])
    return series, skipped


def _scored(version: _Version) -> reading.Verified:
    """The version verified, reading it again if it came from the last build."""
    if version.scored is None:
        read = _read(version.source)
        if read is None or read.scored is None:
            raise ProblemsFound([Problem(version.source.name, "", "it is no longer a published assessment")])
        version.scored = read.scored
    return version.scored


def build(out: Path, sources: list[Source], keys: dict | None = None, base_url: str | None = None) -> Built:
    """Write the site from every version that can be re-scored; one that cannot is left out,
    its problems named in `skipped`. Raises ProblemsFound, writing nothing, if none can be.
    `keys` is the organisation's public keys listing, published as keys.json; each page says
    whether its publication is signed by one of them.

    What the last build into `out` made is remembered in `out/.forethought-build/`: a
    publication none of whose versions changed is not read, verified or written again."""
    keys = keys or {"organisation": None, "keys": []}
    inputs = _inputs(keys, base_url)
    previous = _Previous(out, inputs)
    # Read and re-score every new version before writing anything, so pages only link to versions shown.
    series, skipped = _versions(sources, previous)
    if skipped and not series:
        raise ProblemsFound(skipped)
    writer = _Writer(out)
    built: dict[str, dict] = {}
    unchanged = 0
    known = {k["fingerprint"] for k in keys["keys"]}
    for publication_id, versions in list(series.items()):
        identities = [v.source.identity for v in versions]
        if previous.unchanged(publication_id, identities, out):
            built[publication_id] = {"identities": identities, "files": previous.files(publication_id)}
            unchanged += 1
            continue
        try:
            files = _write_publication(writer, publication_id, versions, known, base_url)
        except ProblemsFound as e:
            skipped += e.problems
            del series[publication_id]
            continue
        built[publication_id] = {"identities": identities, "files": files}
    latest = sorted(
        (v[-1] for v in series.values()),
        key=lambda v: (v.entry["row"]["published_at"], v.entry["row"]["publication_id"]),
        reverse=True,
    )
    built["compare"] = _write_compare(writer, latest, previous, out)
    _write_listings(writer, series, latest, keys)
    _forget_removed(out, previous, built)
    _remember(out, inputs, series, built)
    rows = [v.entry["row"] for versions in series.values() for v in versions]
    chain = [
        {"publication": r.entry["publication"], "integrity": {"content_hash": r.entry["content_hash"]}}
        for versions in series.values()
        for r in versions
    ]
    return Built(writer.written, rows, skipped, verify.chain_problems(chain) if chain else [], unchanged)


class _Writer:
    def __init__(self, out: Path):
        self.out = out
        self.written: list[Path] = []

    def __call__(self, relative: str, text: str | bytes) -> str:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):  # a Word or OpenDocument file, a picture
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
        self.written.append(path)
        return relative


def _write_publication(
    write: _Writer, publication_id: str, versions: list[_Version], known: set[str], base_url: str | None
) -> list[str]:
    """Every page and file of one publication; the paths written."""
    env = environment()
    scoreds = [_scored(v) for v in versions]
    version_rows = [v.entry["row"] for v in versions]
    files = []
    for i, scored in enumerate(scoreds):
        n = scored.publication["version"]
        base = f"p/{publication_id}/v{n}"
        files.append(write(f"{base}/index.html", _version_page(env, scored, version_rows, 3, known, base_url)))
        if StaticLinks(3, base_url).ocds(scored):
            files.append(write(f"{base}/ocds.json", _ocds_text(scored, f"{base_url.rstrip('/')}/{base}")))
        # Compact, as stored: the hash is over canonical JSON, so layout changes nothing, and
        # an indented dump of a 400 KB file costs more than verifying it.
        files.append(write(f"{base}/assessment.json", json.dumps(scored.published, ensure_ascii=False) + "\n"))
        files += [write(f"{base}/{name}", made(scored)) for name, made in REGISTER_FILES.items()]
        for kind, fmts in _drafts(scored):
            made = atrs.made if kind == "atrs" else dpia.made
            files += [write(f"{base}/{kind}-draft.{f}", made(scored, f)) for f in fmts]
        if i == len(scoreds) - 1:
            # The latest version is also the publication's own page, one folder up.
            page = _version_page(env, scored, version_rows, 2, known, base_url)
            files.append(write(f"p/{publication_id}/index.html", page))
        if i > 0:
            before = scoreds[i - 1]
            page = env.get_template("public/diff.html").render(
                links=StaticLinks(2), before=before, after=scored, changes=reading.diff(before, scored)
            )
            files.append(write(f"p/{publication_id}/diff-{before.publication['version']}-{n}.html", page))
    return files


def _ocds_text(scored: reading.Verified, address: str) -> str:
    """The version's OCDS release package, its links under the site's own `address` for it."""
    links = {"html": f"{address}/index.html", "json": f"{address}/assessment.json"}
    data = ocds.package(
        scored.published,
        package_url=f"{address}/ocds.json",
        link=links.__getitem__,
        rating_labels={r.id: r.label for r in scored.library.method.ratings},
    )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _write_compare(write: _Writer, latest: list[_Version], previous: _Previous, out: Path) -> dict:
    """The most recent publications side by side (a static page cannot let the reader choose,
    and a table wider than COMPARE_LIMIT columns cannot be read)."""
    shown = latest[:COMPARE_LIMIT]
    identities = [v.source.identity for v in shown]
    if previous.unchanged("compare", identities, out):
        return {"identities": identities, "files": previous.files("compare")}
    scoreds = [_scored(v) for v in shown]
    page = (
        environment()
        .get_template("public/compare.html")
        .render(
            links=StaticLinks(0),
            scoreds=scoreds,
            table=reading.compare(scoreds, only_differences=True),
            everything=False,
            ids=[],
            limit=COMPARE_LIMIT if len(latest) > COMPARE_LIMIT else None,
        )
    )
    return {"identities": identities, "files": [write("compare.html", page)]}


def _write_listings(write: _Writer, series: dict[str, list[_Version]], latest: list[_Version], keys: dict) -> None:
    """The pages and files about every publication: the index, feed, risk index and keys."""
    from ..loading import bundled_library

    env = environment()
    method = bundled_library().method
    latest_rows = [v.entry["row"] for v in latest]
    bank_titles = {b.id: b.title for b in bundled_library().banks}
    for versions in series.values():
        for version in versions:
            bank_titles.update(version.entry["bank_titles"])
    links = StaticLinks(0)
    write("keys.json", json.dumps(keys, indent=2, ensure_ascii=False) + "\n")
    write(
        "index.html",
        env.get_template("public/index.html").render(
            links=links,
            rows=latest_rows,
            total=len(latest_rows),
            args={},
            choices={},
            bank_titles=bank_titles,
            method=method,
        ),
    )
    write(
        "index.json", json.dumps(reading.index_json(latest_rows, links.download), indent=2, ensure_ascii=False) + "\n"
    )
    every_row = [v.entry["row"] for versions in series.values() for v in versions]
    write(
        "feed.atom",
        opendata.atom(
            opendata.events_from_rows(every_row),
            organisation=None,
            self_url="feed.atom",
            index_url="index.html",
            link=links.version,
            rating_labels={r.id: r.label for r in method.ratings},
        ),
    )
    risks = [risk for v in latest for risk in v.entry["risks"]]
    write("risks.csv", "".join(opendata.risks_csv(risks)))
    write("risks.json", "".join(opendata.risks_json(risks)))
    # Every static asset the pages may link to (stylesheet, icon, fonts): the app's own folder.
    for asset in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        target = write.out / "static" / asset.relative_to(STATIC)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asset, target)
        write.written.append(target)


def _forget_removed(out: Path, previous: _Previous, built: dict[str, dict]) -> None:
    """Delete what the last build wrote for a publication that is no longer in the site."""
    for what, made in previous.manifest.get("built", {}).items():
        if what not in built:
            for relative in made["files"]:
                (out / relative).unlink(missing_ok=True)


def _remember(out: Path, inputs: str, series: dict[str, list[_Version]], built: dict[str, dict]) -> None:
    """Keep what this build made for the next one: one small file per version, and a manifest
    written last (and whole, by a rename), so a build cut short is simply not remembered."""
    folder = out / BUILD_FOLDER
    (folder / "versions").mkdir(parents=True, exist_ok=True)
    keep = set()
    for versions in series.values():
        for version in versions:
            name = f"{version.source.identity}.json"
            keep.add(name)
            path = folder / "versions" / name
            if not path.exists():
                path.write_text(json.dumps(version.entry, ensure_ascii=False), encoding="utf-8")
    for path in (folder / "versions").glob("*.json"):
        if path.name not in keep:
            path.unlink()
    temporary = folder / "manifest.json.tmp"
    temporary.write_text(json.dumps({"inputs": inputs, "built": built}, ensure_ascii=False), encoding="utf-8")
    temporary.replace(folder / "manifest.json")
