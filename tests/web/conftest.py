"""Fixtures for the web app: a real SQLite file per test, and a client that
checks the structure of every page it fetches (after GOV.UK Notify's
client_request): valid HTML, one h1, a title that starts with it, no
duplicate ids, every input labelled, every form with a CSRF token."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
import pytest
from bs4 import BeautifulSoup

from forethought.loading import bundled_library
from forethought.store import Store
from forethought.web import create_app


def check_page(html: str) -> BeautifulSoup:
    # html5lib's strict mode raises on any parse error: the markup is valid HTML.
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    page = BeautifulSoup(html, "html.parser")
    h1s = page.find_all("h1")
    assert len(h1s) == 1, f"expected one h1, found {len(h1s)}"
    h1 = " ".join(h1s[0].get_text().split())
    title = " ".join(page.title.get_text().split()).removeprefix("Error: ")
    assert title.startswith(h1), f"title {title!r} does not start with the h1 {h1!r}"
    ids = [tag["id"] for tag in page.find_all(id=True)]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    id_set = set(ids)
    for tag in page.find_all(attrs={"aria-describedby": True}):
        for ref in tag["aria-describedby"].split():
            assert ref in id_set, f"aria-describedby points at missing id {ref!r}"
    labels = {label.get("for") for label in page.find_all("label")}
    for field in page.find_all(["input", "textarea", "select"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        assert field.get("id") in labels or field.get("aria-label"), f"unlabelled field {field.get('name')!r}"
    for label in page.find_all("label"):
        assert label.get("for") in id_set, f"label for missing id {label.get('for')!r}"
    for form in page.find_all("form"):
        assert form.get("action") and form.get("method"), "a form needs an action and a method"
        if form["method"].lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), f"form {form['action']} has no CSRF token"
    for link in page.find_all("a"):
        assert link.get("href"), f"a link with no href: {link}"
    return page


class ClientRequest:
    def __init__(self, client):
        self.client = client

    def get(self, url: str, expected_status: int = 200) -> BeautifulSoup:
        response = self.client.get(url)
        assert response.status_code == expected_status, (url, response.status_code)
        return check_page(response.get_data(as_text=True))

    def csrf_token(self, url: str = "/your-name") -> str:
        page = BeautifulSoup(self.client.get(url).get_data(as_text=True), "html.parser")
        return page.find("input", attrs={"name": "csrf_token"})["value"]

    def hidden_fields(self, url: str) -> dict:
        """The hidden inputs of the form on a page, as a browser would send them."""
        page = BeautifulSoup(self.client.get(url).get_data(as_text=True), "html.parser")
        form = page.find("form", attrs={"action": url.split("#")[0]}) or page.find("form", attrs={"method": "post"})
        if form is None:
            return {"csrf_token": self.csrf_token()}
        return {i["name"]: i.get("value", "") for i in form.find_all("input", attrs={"type": "hidden"})}

    def post(self, url: str, data: dict | None = None, expected_status: int = 302, csrf: bool = True, **kwargs):
        """Post a form as a person would: load its page, then submit it with
        the page's hidden fields (CSRF token, the fingerprint of what it showed)."""
        data = dict(data or {})
        if csrf:
            for name, value in self.hidden_fields(url).items():
                data.setdefault(name, value)
        response = self.client.post(url, data=data, **kwargs)
        assert response.status_code == expected_status, (
            url,
            response.status_code,
            response.get_data(as_text=True)[:2000],
        )
        if response.mimetype == "text/html" and response.status_code not in (302, 303):
            return check_page(response.get_data(as_text=True)), response
        return None, response


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "forethought.db"


@pytest.fixture
def store(db_path):
    return Store(db_path)


@pytest.fixture
def app(store):
    app = create_app(store, bundled_library())
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client_request(app):
    return ClientRequest(app.test_client())


def location_id(response) -> str:
    """The assessment id from a redirect to one of its pages."""
    return re.search(r"/a/([^/#?]+)", response.headers["Location"]).group(1)


@pytest.fixture
def count_calls(monkeypatch):
    """count_calls(module, "name") -> a list that grows by one at each call of module.name."""

    def watch(module, name: str) -> list:
        calls: list = []
        real = getattr(module, name)

        def counted(*args, **kwargs):
            calls.append(args)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
        return calls

    return watch
