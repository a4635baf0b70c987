"""Published assessments, readable by anyone: no sign-in, no edit controls,
nothing from drafts. The same templates make the static site (`publishing/site.py`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from .. import atrs, dates, dpia, drafts, office
from ..escape import filename
from ..problems import ProblemsFound
from ..publishing import ocds, opendata, reading
from ..scored import OUTPUTS
from ..store import NotFound
from .helpers import kept, keys, rendered_once

public = Blueprint("public", __name__, url_prefix="/published")

# What a published version downloads as: its JSON, and every file made from it once (Verified is a Scored).
DOWNLOADS = {"json": "application/json", **{ext: o.media_type for ext, o in OUTPUTS.items()}}
# The drafts the published answers fill, made from the published document, so what it
# withholds stays withheld in every format.
DRAFT_FORMATS = {"atrs": ("md", "json", "docx", "odt"), "dpia": ("md", "docx", "odt", "json")}
DRAFT_TYPES = {**DOWNLOADS, "docx": office.DOCX_TYPE, "odt": office.ODT_TYPE}


class AppLinks:
    """Where public pages link to, inside the app."""

    static = False

    def index(self, **filters) -> str:
        return url_for("public.index", **{k: v for k, v in filters.items() if v})

    def version(self, publication_id: str, version: int) -> str:
        return url_for("public.version", publication_id=publication_id, version=version)

    def download(self, publication_id: str, version: int, ext: str) -> str:
        return url_for("public.download", publication_id=publication_id, version=version, ext=ext)

    def diff(self, publication_id: str, old: int, new: int) -> str:
        return url_for("public.diff", publication_id=publication_id, old=old, new=new)

    def compare(self, ids: list[str]) -> str:
        return url_for("public.compare", id=ids)

    def index_json(self) -> str:
        return url_for("public.index_json")

    def feed(self, organisation: str | None = None) -> str:
        return url_for("public.feed", organisation=organisation or None)

    def risks(self, ext: str) -> str:
        return url_for("public.risks", ext=ext)

    def css(self) -> str:
        return url_for("static", filename="forethought.css")

    def icon(self) -> str:
        return url_for("static", filename="favicon.svg")

    def keys(self) -> str:
        return url_for("public.keys_json")

    def ocds(self, scored) -> str | None:
        """The version's OCDS release package, if its profile names an ocid to join it to."""
        p = scored.publication
        return (
            url_for("public.ocds_package", publication_id=p["id"], version=p["version"])
            if ocds.ocids(scored.published)
            else None
        )

    def drafts(self, scored) -> list[tuple[str, list[tuple[str, str]]]]:
        """The ATRS and DPIA drafts of a published version: (kind, [(format, address)])."""
        p = scored.publication
        return [
            (
                kind,
                [
                    (fmt, url_for("public.draft", publication_id=p["id"], version=p["version"], kind=kind, fmt=fmt))
                    for fmt in fmts
                ],
            )
            for kind, fmts in drafts.offered(scored, DRAFT_FORMATS)
        ]


def store():
    return current_app.extensions["forethought"]["store"]


def bank_titles() -> dict[str, str]:
    return {b.id: b.title for b in current_app.extensions["forethought"]["library"].banks}


def verified(key: tuple, fetch: Callable[[], dict]) -> reading.Verified:
    """A published document verified and re-scored once per key and day: it never changes,
    but its findings (reviews that fall due) follow the date."""
    cache = current_app.extensions["forethought"]["verified"]
    return cache.get_or_make((*key, dt.date.today()), lambda: reading.verified(fetch()))


def load(publication_id: str, version: int) -> reading.Verified:
    try:
        withdrawn_at = store().published_withdrawn_at(publication_id, version)
        return verified(
            ("published", publication_id, version, withdrawn_at),
            lambda: store().published_document(publication_id, version),
        )
    except NotFound:
        abort(404)
    except ProblemsFound as e:
        # Stored before publishing checked what it wrote: say so, rather than fail.
        abort(
            422,
            "This published version cannot be re-scored, so it is not shown. " + "; ".join(map(str, e.problems[:5])),
        )


PAGE_SIZE = 50


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The pages to link to: the first, the last, and those next to this one; None for a gap."""
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@public.get("/")
def index():
    """One page of the latest versions, filtered, ordered and counted in SQL."""
    args = {k: request.args.get(k, "").strip() for k in reading.FILTERS}
    typed, date_errors = {}, {}
    for key in ("from", "to"):
        # The date input's three boxes; a link may still carry one ISO date (?from=2026-01-01).
        if any(f"{key}-{p}" in request.args for p in dates.PARTS):
            typed[key] = {p: request.args.get(f"{key}-{p}", "") for p in dates.PARTS}
            iso, problem = dates.from_parts(typed[key])
            args[key] = iso or ""
            if problem:
                date_errors[key] = problem
    requested = request.args.get("page", 1, type=int) or 1
    if date_errors:
        return _index(args, requested, typed, date_errors)
    return kept(("index", tuple(args.items()), requested), lambda: _index(args, requested))


def _index(args: dict, requested: int, typed: dict | None = None, date_errors: dict | None = None) -> str:
    """The listing page; `typed` is what was typed into date boxes that could not be read."""
    rows, matching = store().published_listing(args, offset=(max(requested, 1) - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-matching // PAGE_SIZE))
    page = min(max(requested, 1), pages)
    if page != requested:
        rows, matching = store().published_listing(args, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template(
        "public/index.html",
        links=AppLinks(),
        rows=rows,
        total=store().published_count(),
        matching=matching,
        pagination={
            "page": page,
            "pages": pages,
            "numbers": page_numbers(page, pages),
            "first": (page - 1) * PAGE_SIZE,
        },
        args=args,
        choices=store().published_choices(),
        bank_titles=bank_titles(),
        method=current_app.extensions["forethought"]["library"].method,
        date_parts={k: (typed or {}).get(k) or dates.parts_of(args[k]) for k in ("from", "to")},
        date_errors=date_errors or {},
    )


@public.get("/feed.atom")
def feed():
    """New and withdrawn versions, newest first: of every organisation, or of the one asked for."""
    organisation = request.args.get("organisation", "").strip() or None
    # Its links are absolute, so the host asked for is part of what is kept.
    text = kept(
        ("feed", organisation, request.host_url),
        lambda: opendata.atom(
            store().published_events(organisation),
            organisation=organisation,
            self_url=url_for("public.feed", organisation=organisation, _external=True),
            index_url=url_for("public.index", organisation=organisation, _external=True),
            link=lambda pid, n: url_for("public.version", publication_id=pid, version=n, _external=True),
            rating_labels={r.id: r.label for r in current_app.extensions["forethought"]["library"].method.ratings},
        ),
    )
    return Response(text, mimetype=opendata.ATOM_TYPE)


@public.get("/risks.<ext>")
def risks(ext: str):
    """Every risk of every latest version, as CSV or JSON, written as it is read."""
    write = {"csv": opendata.risks_csv, "json": opendata.risks_json}.get(ext)
    if write is None:
        abort(404)
    rows = opendata.risk_rows(store().published_latest_results())
    return Response(
        stream_with_context(write(rows)),
        mimetype=DOWNLOADS[ext],
        headers={"Content-Disposition": f'attachment; filename="published-risks.{ext}"'},
    )


@public.get("/index.json")
def index_json():
    links = AppLinks()
    data = reading.index_json(
        store().published_latest(),
        lambda pid, n, ext: url_for("public.download", publication_id=pid, version=n, ext=ext, _external=False),
    )
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"X-Index-For": links.index()},
    )


@public.get("/keys.json")
def keys_json():
    """The organisation's public signing keys, old ones with the day they were retired."""
    return Response(
        json.dumps(keys().listing(), indent=2, ensure_ascii=False) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": 'inline; filename="keys.json"'},
    )


@public.get("/<publication_id>")
def latest(publication_id: str):
    versions = store().published_versions(publication_id)
    if not versions:
        abort(404)
    return redirect(url_for("public.version", publication_id=publication_id, version=versions[-1]["version"]))


@public.get("/<publication_id>/v/<int:version>")
def version(publication_id: str, version: int):
    scored = load(publication_id, version)
    versions = store().published_versions(publication_id)
    # The listing is the document: if a listed column says otherwise (a database changed outside
    # the app), the page says so rather than trusting either quietly.
    listed = next(v for v in versions if v["version"] == version)
    disagreements = reading.disagreements(listed, scored.published)
    # A public page has no forms and no session, so it is kept whole, until a version is added
    # or withdrawn (or its listing is seen to disagree).
    state = tuple((v["version"], v.get("withdrawn_at")) for v in versions)
    known = keys().fingerprints()
    return rendered_once(
        scored,
        "public/version.html",
        key=(state, repr(disagreements), tuple(sorted(known))),
        links=AppLinks(),
        s=scored,
        answers=reading.answers(scored),
        versions=versions,
        context=scored.context(),
        disagreements=disagreements,
        known_keys=known,
    )


@public.get("/<publication_id>/v/<int:version>.<ext>")
def download(publication_id: str, version: int, ext: str):
    if ext not in DOWNLOADS:
        abort(404)
    scored = load(publication_id, version)
    if ext == "json":
        text = json.dumps(scored.published, indent=2, ensure_ascii=False) + "\n"
        suffix = "published"
    else:
        suffix, text = OUTPUTS[ext].stem, OUTPUTS[ext].make(scored)
    stem = filename(scored.published.get("title"), default="assessment")
    return Response(
        text,
        mimetype=DOWNLOADS[ext],
        headers={"Content-Disposition": f'attachment; filename="{stem}-v{version}-{suffix}.{ext}"'},
    )


@public.get("/<publication_id>/v/<int:version>/ocds.json")
def ocds_package(publication_id: str, version: int):
    """The version as an OCDS release package: its risk register as planning documents of each
    contracting process its profile names."""
    scored = load(publication_id, version)
    data = scored.once("ocds", lambda: ocds_data(scored))
    if data is None:
        abort(404)
    return Response(json.dumps(data, indent=2, ensure_ascii=False) + "\n", mimetype="application/json")


def ocds_data(scored: reading.Verified) -> dict | None:
    p = scored.publication

    def link(ext: str) -> str:
        if ext == "html":
            return url_for("public.version", publication_id=p["id"], version=p["version"], _external=True)
        return url_for("public.download", publication_id=p["id"], version=p["version"], ext=ext, _external=True)

    return ocds.package(
        scored.published,
        package_url=url_for("public.ocds_package", publication_id=p["id"], version=p["version"], _external=True),
        link=link,
        rating_labels={r.id: r.label for r in scored.library.method.ratings},
    )


@public.get("/<publication_id>/v/<int:version>/<any(atrs, dpia):kind>-draft.<any(md, json, docx, odt):fmt>")
def draft(publication_id: str, version: int, kind: str, fmt: str):
    scored = load(publication_id, version)
    if fmt not in dict(drafts.offered(scored, DRAFT_FORMATS)).get(kind, ()):
        abort(404)
    made = (atrs if kind == "atrs" else dpia).made(scored, fmt)
    stem = filename(scored.published.get("title"), default="assessment")
    return Response(
        made,
        mimetype=DRAFT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{stem}-v{version}-{kind}-draft.{fmt}"'},
    )


@public.get("/<publication_id>/diff/<int:old>/<int:new>")
def diff(publication_id: str, old: int, new: int):
    before, after = load(publication_id, old), load(publication_id, new)
    return render_template(
        "public/diff.html", links=AppLinks(), before=before, after=after, changes=reading.diff(before, after)
    )


@public.get("/compare")
def compare():
    ids = [i for i in request.args.getlist("id") if i][:8]
    scoreds = []
    for publication_id in ids:
        versions = store().published_versions(publication_id)
        if versions:
            scoreds.append(load(publication_id, versions[-1]["version"]))
    everything = request.args.get("answers") == "all"
    return render_template(
        "public/compare.html",
        links=AppLinks(),
        scoreds=scoreds,
        table=reading.compare(scoreds, only_differences=not everything),
        everything=everything,
        ids=ids,
    )
