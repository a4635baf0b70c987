"""The static site: every published assessment as files any web host can serve,
and that also work opened straight from disk.

    OUT/index.html, index.json, compare.html, static/forethought.css
    OUT/feed.atom, risks.csv, risks.json             new and withdrawn versions; every risk
    OUT/p/<publication>/index.html                   the latest version
    OUT/p/<publication>/v<n>/index.html              each version, with
    OUT/p/<publication>/v<n>/assessment.json         its published JSON,
    OUT/p/<publication>/v<n>/register.md, .csv       and its register
    OUT/p/<publication>/diff-<a>-<b>.html            what changed between versions

The pages come from the same templates as the app's public pages; only the
links differ. Every link is relative and names its file (index.html), since a
browser reading from disk does not look for index.html in a folder.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from .. import register
from ..files import read_json
from ..problems import Problem, ProblemsFound
from . import opendata, reading, verify

TEMPLATES = Path(__file__).parent.parent / "web" / "templates"
STATIC = Path(__file__).parent.parent / "web" / "static"


class StaticLinks:
    static = True

    def __init__(self, depth: int):
        self.prefix = "../" * depth

    def index(self, **filters) -> str:
        return self.prefix + "index.html"

    def version(self, publication_id: str, version: int) -> str:
        return f"{self.prefix}p/{publication_id}/v{version}/index.html"

    def download(self, publication_id: str, version: int, ext: str) -> str:
        name = {"json": "assessment.json", "md": "register.md", "csv": "register.csv"}[ext]
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

    def keys(self) -> str:
        return self.prefix + "keys.json"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from ..web.rendering import FILTERS, GLOBALS, shown

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
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


def collect(paths: list[Path]) -> tuple[list[dict], list[Problem]]:
    """Published documents from files and folders, and the problems of each file that is not
    one (not JSON, not the published format, a second document for the same version)."""
    documents, problems, seen = [], [], {}
    files = []
    for path in paths:
        files.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    for path in files:
        document, unreadable = read_json(path)
        if unreadable:
            problems += [Problem(p.file, p.where, f"cannot be read as JSON: {p.message}") for p in unreadable]
            continue
        if isinstance(document, dict) and document.get("format") == "forethought-assessment":
            continue  # an assessment draft that sits next to published files: not for publishing
        found = verify.check_shape(document, str(path))
        if found:
            problems.extend(found)
            continue
        key = (document["publication"]["id"], document["publication"]["version"])
        if key in seen and seen[key] != document["integrity"]["content_hash"]:
            problems.append(
                Problem(str(path), "/publication", f"a different document is already version {key[1]} of {key[0]}")
            )
            continue
        if key not in seen:
            seen[key] = document["integrity"]["content_hash"]
            documents.append(document)
    return documents, problems


def _version_page(env: jinja2.Environment, scored, version_rows: list[dict], depth: int, known: set[str]) -> str:
    """A version's page, with links that climb `depth` folders to the site's top."""
    return env.get_template("public/version.html").render(
        links=StaticLinks(depth),
        s=scored,
        answers=reading.answers(scored),
        versions=version_rows,
        context=scored.context(),
        decisions=reading.DECISIONS,
        known_keys=known,
    )


def _open_data(write, documents: list[dict], latest: list[tuple[dict, dict]], method) -> None:
    """The Atom feed and the risk index, as the app serves them; `latest` pairs each latest
    row with its document."""
    links = StaticLinks(0)
    feed = opendata.atom(
        opendata.events_from_rows([row(d) for d in documents]),
        organisation=None,
        self_url="feed.atom",
        index_url="index.html",
        link=links.version,
        rating_labels={r.id: r.label for r in method.ratings},
    )
    write("feed.atom", feed)
    results = [(r, document["result"]) for r, document in latest]
    write("risks.csv", "".join(opendata.risks_csv(opendata.risk_rows(results))))
    write("risks.json", "".join(opendata.risks_json(opendata.risk_rows(results))))


@dataclass
class Built:
    """What a build wrote, the versions it shows, and each problem of a version it left out."""

    written: list[Path]
    shown: list[dict]
    skipped: list[Problem]
    broken_chains: list[str] = field(default_factory=list)  # versions that do not follow the one before


def _rescored(documents: list[dict]) -> tuple[dict, list[Problem]]:
    """Every version that can be re-scored, by (publication, version), and the problems of the rest."""
    scoreds, problems = {}, []
    for document in documents:
        key = (document["publication"]["id"], document["publication"]["version"])
        try:
            scoreds[key] = reading.verified(document, name=f"{key[0]} version {key[1]}")
        except ProblemsFound as e:
            problems += e.problems
    return scoreds, problems


def build(out: Path, documents: list[dict], keys: dict | None = None) -> Built:
    """Write the site from every version that can be re-scored; one that cannot is left out,
    its problems named in `skipped`. Raises ProblemsFound, writing nothing, if none can be.
    `keys` is the organisation's public keys listing, published as keys.json; each page says
    whether its publication is signed by one of them."""
    # Re-score every version before writing anything, so the pages only link to versions shown.
    scoreds, skipped = _rescored(documents)
    if documents and not scoreds:
        raise ProblemsFound(skipped)
    documents = [d for d in documents if (d["publication"]["id"], d["publication"]["version"]) in scoreds]
    env = environment()
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)

    series: dict[str, list[dict]] = {}
    for document in documents:
        series.setdefault(document["publication"]["id"], []).append(document)
    for versions in series.values():
        versions.sort(key=lambda d: d["publication"]["version"])

    latest_rows = sorted(
        (row(v[-1]) for v in series.values()), key=lambda r: (r["published_at"], r["publication_id"]), reverse=True
    )

    keys = keys or {"organisation": None, "keys": []}
    known = {k["fingerprint"] for k in keys["keys"]}
    write("keys.json", json.dumps(keys, indent=2, ensure_ascii=False) + "\n")
    bank_titles = {}
    method = None
    for publication_id, versions in series.items():
        version_rows = [row(d) for d in versions]
        for i, document in enumerate(versions):
            n = document["publication"]["version"]
            scored = scoreds[(publication_id, n)]
            bank_titles.update({b.id: b.title for b in scored.library.banks})
            method = method or scored.library.method
            write(f"p/{publication_id}/v{n}/index.html", _version_page(env, scored, version_rows, 3, known))
            write(f"p/{publication_id}/v{n}/assessment.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            write(f"p/{publication_id}/v{n}/register.md", scored.register())
            write(f"p/{publication_id}/v{n}/register.csv", register.csv_text(scored.result))
            if i == len(versions) - 1:
                # The latest version is also the publication's own page, one folder up.
                write(f"p/{publication_id}/index.html", _version_page(env, scored, version_rows, 2, known))
            if i > 0:
                before = scoreds[(publication_id, versions[i - 1]["publication"]["version"])]
                write(
                    f"p/{publication_id}/diff-{before.publication['version']}-{n}.html",
                    env.get_template("public/diff.html").render(
                        links=StaticLinks(2), before=before, after=scored, changes=reading.diff(before, scored)
                    ),
                )

    if method is None:
        from ..loading import bundled_library

        method = bundled_library().method
    write(
        "index.html",
        env.get_template("public/index.html").render(
            links=StaticLinks(0),
            rows=latest_rows,
            total=len(latest_rows),
            args={},
            choices={},
            bank_titles=bank_titles,
            method=method,
        ),
    )
    latest = [scoreds[(r["publication_id"], r["version"])] for r in latest_rows]
    write(
        "compare.html",
        env.get_template("public/compare.html").render(
            links=StaticLinks(0),
            scoreds=latest,
            table=reading.compare(latest, only_differences=True),
            everything=False,
            ids=[],
        ),
    )
    links = StaticLinks(0)
    write(
        "index.json", json.dumps(reading.index_json(latest_rows, links.download), indent=2, ensure_ascii=False) + "\n"
    )
    _open_data(write, documents, [(r, series[r["publication_id"]][-1]) for r in latest_rows], method)
    (out / "static").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STATIC / "forethought.css", out / "static" / "forethought.css")
    written.append(out / "static" / "forethought.css")
    return Built(written, documents, skipped, verify.chain_problems(documents) if documents else [])
