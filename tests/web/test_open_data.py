"""The public listing is the document, and open data at scale: every listed column is refused
an UPDATE by the trigger (and a disagreement, with the trigger dropped, is shown); the listing
paginated and filtered in SQL; the Atom feed; the index of every published risk."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import feedparser
import pytest
from sqlite_utils import Database

from forethought import store as store_module
from forethought.publishing import opendata, reading, site
from forethought.store import Store

from ..conftest import ROOT

EXAMPLE = json.loads((ROOT / "examples" / "published" / "town-centre-lfr.v1.json").read_text())
LISTED = (
    "title",
    "organisation",
    "stage",
    "rating",
    "established_rating",
    "banks",
    "decision",
    "publication_id",
    "version",
    "content_hash",
    "published_at",
    "assessment_id",
    "document",
)


def copy(i: int, **changes) -> dict:
    """The example publication under another id and title (its hash no longer matches: the
    listing does not read it)."""
    publication = {
        **EXAMPLE["publication"],
        "id": f"copy-{i:04d}",
        "published_at": f"2026-11-{1 + i % 28:02d}T12:00:00+00:00",
    }
    return {**EXAMPLE, "publication": publication, "title": f"Copy {i}", **changes}


def add(store: Store, document: dict) -> None:
    store.add_published(document, reading.summary(document))


def test_an_update_of_every_listed_column_is_refused(store, db_path):
    add(store, EXAMPLE)
    conn = sqlite3.connect(db_path, isolation_level=None)  # each statement its own transaction
    for column in LISTED:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute(f"UPDATE published_versions SET {column} = 'low'")  # noqa: S608 (a fixed name)
    # Withdrawing still works, once, and nothing after it.
    store.withdraw(EXAMPLE["publication"]["id"], 1, "Superseded", "Test")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE published_versions SET withdrawn_reason = 'changed my mind'")


def test_the_migration_protects_a_database_made_before_it(tmp_path):
    path = tmp_path / "old.db"
    db = Database(path)
    store_module.migrations.apply(db, stop_before="m005_published_listing_protected_and_indexed")
    db["published_versions"].insert(
        {"publication_id": "p", "version": 1, "content_hash": "h", "published_at": "2026", "document": "{}"}
    )
    db.execute("UPDATE published_versions SET rating = 'low'")  # open before the migration
    db.conn.commit()
    db.conn.close()
    Store(path)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        sqlite3.connect(path).execute("UPDATE published_versions SET rating = 'critical'")


def test_with_the_trigger_dropped_the_page_shows_the_disagreement(client_request, store, db_path):
    add(store, EXAMPLE)
    url = f"/published/{EXAMPLE['publication']['id']}/v/1"
    assert "disagrees with its document" not in client_request.get(url).text
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER published_immutable")
    conn.execute("UPDATE published_versions SET rating = 'low', title = 'A harmless chatbot'")
    conn.commit()
    # The listing now says what the SQL says...
    assert len(client_request.get("/published/?rating=low").select("tbody tr")) == 1
    # ...and the version page says that it is wrong.
    banner = client_request.get(url).find("div", attrs={"role": "alert"})
    assert "The listing of this version disagrees with its document" in banner.text
    text = " ".join(banner.text.split())
    assert "rating: the listing says low, the document says critical" in text
    assert "title: the listing says A harmless chatbot, the document says " + EXAMPLE["title"] in text


def test_the_listing_is_paginated_filtered_and_counted_in_sql(client_request, store, monkeypatch):
    for i in range(120):
        add(store, copy(i, organisation="Eastshire Council" if i % 3 == 0 else EXAMPLE["organisation"]))
    # Nothing loads every row into Python.
    monkeypatch.setattr(Store, "published_latest", lambda self: pytest.fail("listed every row"))
    page = client_request.get("/published/")
    assert len(page.select("tbody tr")) == 50
    assert "1 to 50 of 120 of 120 published assessments, page 1 of 3" in page.caption.text
    nav = page.find("nav", attrs={"aria-label": "Pages of published assessments"})
    assert nav.find("a", attrs={"aria-current": "page"}).text == "1" and nav.find("a", rel="next")
    last = client_request.get(nav.find("a", attrs={"aria-label": "Page 3"})["href"])
    assert len(last.select("tbody tr")) == 20 and last.title.text.startswith("Published assessments (page 3 of 3)")
    assert len(client_request.get("/published/?page=99").select("tbody tr")) == 20
    page = client_request.get("/published/?organisation=Eastshire+Council")
    assert (
        "40 of 120" in page.caption.text and "Eastshire Council" in page.find("select", id="filter-organisation").text
    )
    page = client_request.get("/published/?q=copy+11")  # Copy 11, Copy 110 ... 119
    assert sorted(a.text for a in page.select("tbody td a")) == sorted(f"Copy {n}" for n in [11, *range(110, 120)])
    assert len(client_request.get("/published/?q=100%25").select("tbody tr")) == 0  # % is a character, not a wildcard
    page = client_request.get("/published/?organisation=Eastshire+Council&page=1")
    link = page.find("a", attrs={"aria-label": "Page 1"})
    assert link is None  # one page: no pagination
    decision = EXAMPLE["assessment"]["sign_off"]["decision"]
    assert "120 of 120" in client_request.get(f"/published/?decision={decision}&bank=surveillance").caption.text
    page = client_request.get("/published/?decision=proceed")
    assert "No published assessment matches these filters." in page.text
    # The filters keep working without JavaScript: a plain GET form, each field labelled.
    form = page.find("form", attrs={"method": "get"})
    assert form.find("input", attrs={"name": "q", "type": "search"}) and form.find("fieldset").legend
    assert client_request.get("/published/?page=2&q=copy").find("a", rel="prev")["href"].count("q=copy") == 1


def test_the_atom_feed_of_new_and_withdrawn_publications(client_request, store):
    add(store, EXAMPLE)
    add(store, copy(1, title="Tricky <b>&amp; title", organisation="Eastshire & Co"))
    store.withdraw("copy-0001", 1, "It named a <person>", "Test")
    page = client_request.get("/published/")
    alternate = page.find("link", attrs={"rel": "alternate", "type": "application/atom+xml"})
    assert alternate["href"] == "/published/feed.atom"
    response = client_request.client.get(alternate["href"])
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.id.startswith("urn:forethought:feed:")
    titles = [e.title for e in feed.entries]
    assert titles[0] == "Withdrawn: Tricky <b>&amp; title, version 1"
    assert set(titles[1:]) == {
        "Published: Tricky <b>&amp; title, version 1",
        f"Published: {EXAMPLE['title']}, version 1",
    }
    assert len({e.id for e in feed.entries}) == 3 and all(e.id.startswith("urn:forethought:") for e in feed.entries)
    assert "It named a <person>" in feed.entries[0].summary
    assert all(e.updated_parsed and e.link.startswith("http://localhost/published/") for e in feed.entries)
    one = feedparser.parse(client_request.client.get("/published/feed.atom?organisation=Eastshire+%26+Co").get_data())
    assert not one.bozo and len(one.entries) == 2 and one.feed.title == "Published assessments: Eastshire & Co"
    page = client_request.get("/published/?organisation=Eastshire+%26+Co")
    assert len(page.find_all("link", attrs={"type": "application/atom+xml"})) == 2


def test_the_feed_drops_what_xml_cannot_hold():
    event = {"event": "published", "at": "2026-11-29T12:00:00", "publication_id": "a:b", "version": 1}
    text = opendata.atom(
        [{**event, "title": "Bell\x07 and \ufffe", "organisation": None, "rating": "high", "decision": None}],
        organisation=None,
        self_url="feed.atom",
        index_url="index.html",
        link=lambda pid, n: f"p/{pid}/v{n}/index.html",
        rating_labels={"high": "High"},
    )
    feed = feedparser.parse(text.encode())
    assert not feed.bozo and feed.entries[0].title == "Published: Bell and , version 1"
    assert (
        feed.entries[0].id == "urn:forethought:published:a%3Ab:1" and feed.entries[0].updated == "2026-11-29T12:00:00Z"
    )
    assert feed.entries[0].summary == "Rating if the unknowns go badly: High. Decision: not given."


def test_every_published_risk_as_csv_and_json(client_request, store):
    add(store, EXAMPLE)
    add(store, copy(2, title='=HYPERLINK("http://evil")'))
    risks = [r for b in EXAMPLE["result"]["banks"] for r in b["risks"]]
    rows = json.loads(client_request.client.get("/published/risks.json").get_data(as_text=True))
    assert len(rows) == 2 * len(risks)
    first = next(
        r for r in rows if r["publication_id"] == EXAMPLE["publication"]["id"] and r["risk_id"] == risks[0]["id"]
    )
    assert first["residual_rating"] == risks[0]["residual"]["rating"] and first["risk_title"] == risks[0]["title"]
    assert first["red_flags"] == [f["id"] for f in risks[0]["red_flags"] if not f["assumed"]]
    response = client_request.client.get("/published/risks.csv")
    assert response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(table) == 2 * len(risks)
    assert {r["title"] for r in table} == {EXAMPLE["title"], '\'=HYPERLINK("http://evil")'}
    assert client_request.client.get("/published/risks.xml").status_code == 404


def test_the_site_writes_the_same_feed_and_risk_index(tmp_path):
    documents = [json.loads(p.read_text()) for p in sorted((ROOT / "examples" / "published").glob("*.json"))]
    site.build(tmp_path, [site.Source.of(d) for d in documents])
    feed = feedparser.parse((tmp_path / "feed.atom").read_bytes())
    withdrawn = [d for d in documents if d.get("withdrawal")]
    assert not feed.bozo and len(feed.entries) == len(documents) + len(withdrawn) and withdrawn
    assert sum(e.title.startswith("Withdrawn: ") for e in feed.entries) == len(withdrawn)
    assert all((tmp_path / e.link).exists() for e in feed.entries)
    index = (tmp_path / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml"' in index and 'href="risks.csv"' in index
    rows = json.loads((tmp_path / "risks.json").read_text())
    latest = {d["publication"]["id"]: d for d in sorted(documents, key=lambda d: d["publication"]["version"])}
    assert len(rows) == sum(len(b["risks"]) for d in latest.values() for b in d["result"]["banks"])
    assert len(list(csv.DictReader(io.StringIO((tmp_path / "risks.csv").read_text())))) == len(rows)
