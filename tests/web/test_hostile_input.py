"""Hostile input through the web app: JSON uploads that would exhaust the stack or cannot
be written out, and invisible or control characters that could spoof text on a page."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from forethought import documents
from forethought.cli import cli

from ..conftest import ROOT
from ..test_hostile_json import HOSTILE
from .conftest import location_id

UPLOADS = ["200,000 nested lists", "200,000 nested objects", "a 5,000-digit integer", "a lone surrogate"]


@pytest.mark.parametrize("name", UPLOADS)
@pytest.mark.parametrize("url", ["/import", "/review/"])
def test_a_hostile_upload_gets_a_clear_message_and_changes_nothing(client_request, store, url, name):
    content, words = HOSTILE[name]
    before = store.count()
    page, _ = client_request.post(
        url,
        {"file": (io.BytesIO(content.encode()), "upload.json")},
        expected_status=422,
        content_type="multipart/form-data",
    )
    problems = [" ".join(li.get_text().split()) for li in page.select(".govuk-error-summary li")]
    assert any(words in p for p in problems), problems
    assert "Traceback" not in page.text
    assert store.count() == before


# Right-to-left override, zero-width space, joiner and non-joiner, word joiner, byte-order
# mark, NUL, ESC, BEL, DEL and a C1 control: each can hide or reorder text on a page.
INVISIBLE = "\u202e\u200b\u200c\u200d\u2060\ufeff\x00\x1b\x07\x7f\x9b\u2066"
SPOOF = f"Safe{INVISIBLE}gnp.exe"


def hidden_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in INVISIBLE if c in text]


def test_invisible_characters_typed_into_a_form_are_not_kept(client_request, store):
    from .test_journey import start

    aid = start(client_request, **{"PR-01": SPOOF, "PR-08": f"Line one{INVISIBLE}\nline two\ttabbed"})
    answers = store.get(aid).document["banks"]["profile"]["answers"]
    assert answers["PR-01"]["value"] == "Safegnp.exe"
    assert answers["PR-08"]["value"] == "Line one\nline two\ttabbed"


def imported_spoof(client_request) -> str:
    """An assessment imported from a file whose free text hides characters: a file is not a
    form, so what it holds is kept as it came."""
    doc = json.loads((ROOT / "examples" / "cctv-upgrade.json").read_text())
    doc["banks"]["profile"]["answers"]["PR-01"]["value"] = SPOOF
    doc["banks"]["profile"]["answers"]["PR-08"]["value"] = SPOOF
    doc["banks"]["surveillance"]["answers"]["SV-18"]["note"] = SPOOF
    _, response = client_request.post(
        "/import",
        {"file": (io.BytesIO(documents.dumps(doc).encode()), "spoof.json")},
        content_type="multipart/form-data",
    )
    return location_id(response)


def test_invisible_characters_in_an_imported_file_never_reach_a_page(client_request, store):
    """Every page takes them out as it prints them (Jinja's finalize, the one place)."""
    aid = imported_spoof(client_request)
    assert documents.about(store.get(aid).document, "title") == SPOOF
    for url in ["/", f"/a/{aid}", f"/a/{aid}/results", f"/a/{aid}/register", f"/a/{aid}/history", f"/a/{aid}/publish"]:
        html = client_request.client.get(url).get_data(as_text=True)
        assert "Safegnp.exe" in html, url
        assert hidden_in(html) == [], url


def test_nor_a_public_page_the_review_page_or_the_static_site(client_request, store, tmp_path):
    from .test_publishing import publish

    aid = imported_spoof(client_request)
    url = publish(client_request, aid)
    latest = store.published_latest()[0]
    review = client_request.client.get(f"/review/published/{latest['publication_id']}/{latest['version']}")
    for page in [url, "/published/", review.headers["Location"]]:
        html = client_request.client.get(page).get_data(as_text=True)
        assert "Safegnp.exe" in html and hidden_in(html) == [], page
    published = tmp_path / "spoof.json"
    published.write_text(json.dumps(store.published_document(latest["publication_id"], latest["version"])))
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "site"), "--from", str(published)])
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "site").rglob("*.html"))
    assert any("Safegnp.exe" in p.read_text() for p in written)
    for path in written:
        assert hidden_in(path.read_text()) == [], path


# Each a way to leave the site that a browser would follow: it drops tabs and line breaks from
# an address and reads a backslash as a slash.
AWAY = ["/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "/%0D%0A/evil.example", "//evil.example/"]
AWAY += ["/\\evil.example", "/%5Cevil.example", "https://evil.example/", "/%2F/evil.example", "%09//evil.example"]
AWAY += ["/%20/evil.example", "/%E2%80%A8/evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", AWAY)
def test_a_next_target_that_could_leave_the_site_is_not_followed(client_request, target):
    _, response = client_request.post(f"/your-name?next={target}", {"name": "Priya"})
    assert response.headers["Location"] == "/"


def test_a_next_target_on_this_site_is_followed(client_request):
    _, response = client_request.post("/your-name?next=/a/abc/results%3Fx%3D1", {"name": "Priya"})
    assert response.headers["Location"] == "/a/abc/results?x=1"


@pytest.mark.parametrize("target", AWAY[:5])
def test_signing_in_with_such_a_target_stays_on_the_site(store, target):
    from werkzeug.security import generate_password_hash

    from forethought.loading import bundled_library
    from forethought.web import PASSWORD_SETTING, create_app

    from .conftest import ClientRequest

    store.set_setting(PASSWORD_SETTING, generate_password_hash("correct horse battery"))
    locked = ClientRequest(create_app(store, bundled_library(), require_password=True).test_client())
    _, response = locked.post(f"/sign-in?next={target}", {"password": "correct horse battery"})
    assert response.headers["Location"] == "/"
