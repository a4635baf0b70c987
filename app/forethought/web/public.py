"""Published assessments, readable by anyone: no sign-in, no edit controls,
nothing from drafts. The same templates make the static site (`publishing/site.py`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from .. import register
from ..escape import filename
from ..publishing import reading
from ..store import NotFound

public = Blueprint("public", __name__, url_prefix="/published")

DOWNLOADS = {"json": "application/json", "md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}


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

    def css(self) -> str:
        return url_for("static", filename="forethought.css")


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


@public.get("/")
def index():
    rows = store().published_latest()
    args = {k: request.args.get(k, "").strip() for k in reading.FILTERS}
    return render_template(
        "public/index.html",
        links=AppLinks(),
        rows=reading.filter_index(rows, args),
        total=len(rows),
        args=args,
        choices=reading.filter_choices(rows, bank_titles()),
        bank_titles=bank_titles(),
        method=current_app.extensions["forethought"]["library"].method,
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
    # A public page has no forms and no session, so it is kept whole, until a version is added
    # or withdrawn.
    state = tuple((v["version"], v.get("withdrawn_at")) for v in versions)
    return scored.once(
        ("page", state),
        lambda: render_template(
            "public/version.html",
            links=AppLinks(),
            s=scored,
            answers=reading.answers(scored),
            versions=versions,
            context=scored.context(),
            decisions=reading.DECISIONS,
        ),
    )


@public.get("/<publication_id>/v/<int:version>.<ext>")
def download(publication_id: str, version: int, ext: str):
    if ext not in DOWNLOADS:
        abort(404)
    scored = load(publication_id, version)
    if ext == "json":
        text = json.dumps(scored.published, indent=2, ensure_ascii=False) + "\n"
    elif ext == "md":
        text = scored.register()
    else:
        text = register.csv_text(scored.result)
    stem = filename(scored.published.get("title"), default="assessment")
    suffix = {"json": "published", "md": "register", "csv": "register"}[ext]
    return Response(
        text,
        mimetype=DOWNLOADS[ext],
        headers={"Content-Disposition": f'attachment; filename="{stem}-v{version}-{suffix}.{ext}"'},
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
