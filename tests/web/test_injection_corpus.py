"""The injection corpus: 50-odd hostile texts of five kinds (HTML, Markdown, CSV formulas, Unicode
tricks, very long) through every free-text field of an assessment (answers, lists, evidence,
notes, owners) into every output: the app's pages, the Markdown, CSV and JSON registers, the
public pages, the review page and its report, and the static site. Everything must come out inert:
no element, attribute or link of the payload's own, every table whole, no cell a spreadsheet would
run, no invisible character on a page."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re

import markdown as python_markdown
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from forethought import documents
from forethought.cli import cli
from forethought.loading import bundled_library

from ..conftest import ROOT
from ..test_register import assert_valid_gfm_tables
from .conftest import check_page, location_id
from .test_hostile_input import hidden_in

LIBRARY = bundled_library()
EVIDENCE = 2000  # the format's limit on evidence; notes may hold every payload whole

CORPUS = {
    # HTML and attribute breakouts
    "script": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "svg onload": "<svg onload=alert(1)>",
    "iframe": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "attribute breakout": '" onmouseover="alert(1)" x="',
    "single-quote breakout": "'><script>alert(1)</script>",
    "style": "<style>body{display:none}</style>",
    "textarea breakout": "</textarea><script>alert(1)</script>",
    "title breakout": "</title><script>alert(1)</script>",
    "comment": "<!-- hidden --> shown",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "escaped entity": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "base": '<base href="https://evil.example/">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "form": '<form action="https://evil.example/"><button>Go</button></form>',
    "javascript colon entity": '<a href="javascript&colon;alert(1)">x</a>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    # Markdown
    "markdown link": "[click](javascript:alert(1))",
    "markdown image": "![pixel](https://evil.example/p.png)",
    "angle autolink": "<https://evil.example/a>",
    "bare url": "https://evil.example/b",
    "www": "www.evil.example",
    "email": "evil@example.org",
    "heading": "# A heading\n## Another",
    "table row": "| a | b |\n|---|---|\n| c | d |",
    "list": "- item\n1. item\n+ item",
    "fence": "```\ncode\n```",
    "setext": "Title\n===",
    "rule": "---",
    "reference link": "[ref]: https://evil.example/c\n[ref]",
    "inline html": "<b>bold</b> <i>it</i>",
    "escaped pipe": "a \\| b | c",
    "footnote": "text[^1]\n\n[^1]: https://evil.example/f",
    "maths": "$x^2$ and $$y$$",
    "emphasis": "*em* _em_ **strong** ~~gone~~ `code`",
    # Spreadsheet formulas
    "hyperlink formula": '=HYPERLINK("https://evil.example","click")',
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(1+1)",
    "tab formula": "\t=1+1",
    "return formula": "\r=1+1",
    "space formula": " =1+1",
    # Unicode tricks
    "right-to-left override": "invoice\u202egnp.exe",
    "zero-width": "pay\u200bpal\u200d\u200c\u2060",
    "nul": "before\x00after",
    "escape sequence": "\x1b[31mred\x1b[0m",
    "byte-order mark": "\ufeffstart",
    "isolates": "\u2066isolated\u2069 \u2067rtl\u2069",
    "combining overload": "z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b" * 5,
    "homoglyph": "\u0430dmin p\u0430ypal",
    "line separator": "one\u2028two\u2029three",
    "c1 control": "a\x85b\x9bc",
    # Very long
    "very long": "A" * 5000,
    "long unbroken angle brackets": "<" * 4000,
    "many lines": "\n".join(["line"] * 900),
}


def corpus_document() -> dict:
    """A complete assessment whose every free-text field holds the next payload, round and round."""
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)
    payloads = itertools.cycle(CORPUS.values())
    for q in LIBRARY.questions.values():
        answer = doc["banks"].get(q.bank_id, {}).get("answers", {}).get(q.id)
        if answer is None:
            continue
        if q.type == "text":
            answer["value"] = next(payloads)[: q.max_length or documents.TEXT_LIMIT] or "x"
        elif q.type == "list" and not q.item_pattern:
            answer["value"] = [next(payloads)[:500].strip() or "x", "second"]
        answer["evidence"] = next(payloads)[:EVIDENCE]
        answer["note"] = next(payloads)
    for bank in LIBRARY.banks:
        if bank.id not in doc["banks"]:
            continue
        for mitigation in doc["banks"][bank.id].get("mitigations", {}).values():
            mitigation.update(owner=next(payloads)[:200], evidence=next(payloads)[:EVIDENCE], note=next(payloads))
        for risk in bank.risks:
            doc["banks"][bank.id].setdefault("risks", {})[risk.id] = {
                "owner": next(payloads)[:200],
                "note": next(payloads),
            }
    checked, problems = documents.check(doc, LIBRARY)
    assert not problems, problems[:5]
    return checked


def inert_html(html: str, where: str) -> None:
    """No element, attribute or link that a payload made, and no invisible character."""
    page = BeautifulSoup(html, "html.parser")
    # (the app draws its own heat map as inline SVG, so an <svg> alone proves nothing: its attributes are checked)
    for tag in page.find_all(["script", "iframe", "object", "embed", "img", "base"]):
        raise AssertionError(f"{where}: a <{tag.name}> reached the page")
    # A register saved as one HTML file carries its own stylesheet in its head, never in its body.
    assert not (page.body or page).find_all("style"), f"{where}: a <style> reached the page"
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (where, tag.name, name)
            if name in ("href", "src", "action", "formaction"):
                text = " ".join(value) if isinstance(value, list) else value
                assert not re.match(r"\s*(javascript|data|vbscript):", text, re.I), (where, text)
                if "evil.example" in text:  # only evidence given as an address, shown as a plain link
                    assert tag.name == "a" and text.startswith(("https://", "http://")), (where, tag.name, text)
                    assert "nofollow" in tag.get("rel", []) and tag.get_text() == text, (where, text)
    for meta in page.find_all("meta"):
        assert meta.get("http-equiv", "").lower() != "refresh", where
    forms = [f.get("action", "") for f in page.find_all("form")]
    assert all(not a.startswith(("http:", "https:", "//")) for a in forms), (where, forms)
    assert hidden_in(html) == [], (where, hidden_in(html))


def inert_markdown(text: str, where: str) -> None:
    assert_valid_gfm_tables(text)
    html = python_markdown.markdown(text, extensions=["tables"])
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    assert not tags & {"script", "iframe", "object", "img", "svg", "style", "base", "meta", "form"}, (where, tags)
    assert "javascript:" not in re.sub(r"\s", "", " ".join(re.findall(r'href="([^"]*)"', html))), where
    assert 'href="https://evil.example' not in html and 'href="mailto:evil' not in html, where


def inert_csv(text: str, where: str) -> None:
    for row in csv.reader(io.StringIO(text)):
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (where, value[:40])
            assert not value.lstrip().startswith(("=", "+", "@")), (where, value[:40])


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The corpus document imported into the app, published, reviewed, and written as a static site."""
    from forethought.store import Store
    from forethought.web import create_app

    from .conftest import ClientRequest
    from .test_publishing import publish

    folder = tmp_path_factory.mktemp("corpus")
    store = Store(folder / "f.db")
    app = create_app(store, LIBRARY)
    client = ClientRequest(app.test_client())
    upload = documents.dumps(corpus_document()).encode()
    _, response = client.post(
        "/import", {"file": (io.BytesIO(upload), "corpus.json")}, content_type="multipart/form-data"
    )
    aid = location_id(response)
    url = publish(client, aid)
    latest = store.published_latest()[0]
    review = client.client.get(f"/review/published/{latest['publication_id']}/{latest['version']}").headers["Location"]
    document = store.published_document(latest["publication_id"], latest["version"])
    (folder / "published.json").write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["site", str(folder / "site"), "--from", str(folder / "published.json")])
    assert result.exit_code == 0, result.output
    return client, aid, url, review, folder / "site"


def test_the_corpus_has_every_kind_and_reaches_every_field():
    assert len(CORPUS) >= 48
    doc = corpus_document()
    text = json.dumps(doc, ensure_ascii=False)
    for name, payload in CORPUS.items():
        assert payload[:60] in text or json.dumps(payload[:60])[1:-1] in json.dumps(doc), name


def test_every_app_page_is_inert(published):
    client, aid, _, _, _ = published
    sections = [f"/a/{aid}/{b.id}/{s.id}" for b in LIBRARY.banks[:3] for s in b.sections[:2]]
    actions = [f"/a/{aid}/{b.id}/actions" for b in LIBRARY.banks if b.risks][:3]
    shown = 0
    for url in ["/", f"/a/{aid}", f"/a/{aid}/results", f"/a/{aid}/register", f"/a/{aid}/history", *sections, *actions]:
        response = client.client.get(url)
        if response.status_code in (302, 404):  # a bank the profile screens out
            continue
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        check_page(html)
        inert_html(html, url)
        shown += 1
    assert shown >= 8


def test_every_register_is_inert(published):
    client, aid, _, _, _ = published
    inert_markdown(client.client.get(f"/a/{aid}/register.md").get_data(as_text=True), "register.md")
    inert_csv(client.client.get(f"/a/{aid}/register.csv").get_data(as_text=True), "register.csv")
    json.loads(client.client.get(f"/a/{aid}/register.json").get_data(as_text=True))


def test_every_public_page_the_review_and_its_report_are_inert(published):
    client, _, url, review, _ = published
    for page in [url, "/published/", review, "/published/compare"]:
        response = client.client.get(page)
        assert response.status_code == 200, page
        inert_html(response.get_data(as_text=True), page)
    for ext in ("md", "csv"):
        text = client.client.get(f"{url}.{ext}").get_data(as_text=True)
        (inert_markdown if ext == "md" else inert_csv)(text, f"public .{ext}")
    inert_markdown(client.client.get(f"{review}/report.md").get_data(as_text=True), "review report")


def test_every_static_site_page_is_inert(published):
    *_, site = published
    pages = list(site.rglob("*.html"))
    assert pages
    for page in pages:
        inert_html(page.read_text(), str(page.relative_to(site)))
    for register_file in site.rglob("register.md"):
        inert_markdown(register_file.read_text(), str(register_file))
    for register_file in site.rglob("*.csv"):
        inert_csv(register_file.read_text(), str(register_file))
