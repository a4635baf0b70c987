"""Publishing in the app, the public pages, and review: a published page never
shows a withheld value or anything from a draft; versions are kept, compared
and withdrawn, never changed or deleted."""

from __future__ import annotations

import io
import json
import re
import sqlite3

import pytest
from bs4 import BeautifulSoup
from werkzeug.security import generate_password_hash

from forethought import documents, engine
from forethought.loading import bundled_library
from forethought.publishing import publish as publish_module
from forethought.publishing import verify
from forethought.web import PASSWORD_SETTING, create_app, journey

from ..conftest import ROOT
from .conftest import ClientRequest, check_page

LIBRARY = bundled_library()
SECRET_NOTE = "Camera 14 overlooks the refuge at 22 Mill Lane"
SIGN_OFF = {
    "name": "Sam Patel",
    "role": "Director of Place",
    "date": "2026-11-30",
    "decision": "proceed_with_conditions",
}


@pytest.fixture
def aid(store):
    doc = documents.load(ROOT / "examples" / "cctv-upgrade.json", LIBRARY)
    doc["banks"]["surveillance"]["answers"]["SV-18"]["note"] = SECRET_NOTE
    return store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")


def withhold_index(page, pointer: str) -> int:
    box = page.find("input", attrs={"value": pointer})
    return int(box["name"].removeprefix("withhold-"))


def as_sent(form) -> dict:
    """What a browser sends for a form as it stands: every field's value, and only the ticked
    boxes and chosen radios."""
    data = {}
    for field in form.find_all(["input", "textarea"]):
        if field.get("type") in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.get("name"):
            data[field["name"]] = field.text if field.name == "textarea" else field.get("value", "")
    return data


def preview(client_request, aid: str, withhold: dict | None = None, lift=(), expected_status=200, **sign_off):
    """The publish form as a person leaves it (what the latest version withheld stays withheld
    unless lifted), sent: the preview page, or the form again with its errors."""
    page = client_request.get(f"/a/{aid}/publish")
    data = {**as_sent(page.find("form", attrs={"action": f"/a/{aid}/publish"})), **SIGN_OFF, **sign_off}
    for name in ("date", "dpo_date"):
        # A date given as ISO goes into the date input's three boxes, as a person would type it.
        if data.get(name):
            year, month, day = data.pop(name).split("-")
            data.update({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})
    for pointer, reason in (withhold or {}).items():
        i = withhold_index(page, pointer)
        data[f"withhold-{i}"] = pointer
        data[f"reason-{i}"] = reason
    for pointer in lift:
        data[f"withhold-{withhold_index(page, pointer)}"] = ""
    shown, _ = client_request.post(f"/a/{aid}/publish", data, expected_status=expected_status)
    return shown


def confirm(client_request, shown, expected_status=302):
    form = shown.find("form", attrs={"action": re.compile("/publish/confirm$")})
    response = client_request.client.post(form["action"], data=as_sent(form))
    assert response.status_code == expected_status, response.get_data(as_text=True)[:2000]
    return response


def publish(client_request, aid: str, withhold: dict | None = None, lift=(), **sign_off) -> str:
    """Sign off, preview and confirm; the address of the public page published."""
    response = confirm(client_request, preview(client_request, aid, withhold, lift, **sign_off))
    done = client_request.get(response.headers["Location"])
    return done.find("a", string=re.compile("as the public sees it"))["href"]


def public_text(client_request, url: str) -> str:
    """Everything the public can read of a version: its page, its files (the Word and
    OpenDocument registers as their text), the listing."""
    pages = [
        client_request.client.get(u).get_data(as_text=True)
        for u in (url, url + ".json", url + ".md", url + ".csv", url + ".html", url + ".svg")
        + ("/published/", "/published/index.json")
    ]
    return "\n".join([*pages, *office_texts(client_request, url)])


def office_texts(client_request, url: str) -> list[str]:
    import io

    import docx as python_docx
    from odf import opendocument, teletype

    word = python_docx.Document(io.BytesIO(client_request.client.get(url + ".docx").get_data()))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    odt = opendocument.load(io.BytesIO(client_request.client.get(url + ".odt").get_data()))
    return ["\n".join(p.text for p in word.paragraphs), "\n".join(cells), teletype.extractText(odt.text)]


def test_an_unfinished_assessment_cannot_be_published(client_request, store):
    doc = documents.load(ROOT / "examples" / "draft-chatbot.json", LIBRARY)
    draft = store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")
    page = client_request.get(f"/a/{draft}/publish")
    assert "Finish the assessment first" in page.text and page.find("form", attrs={"method": "post"}) is None
    page, _ = client_request.post(f"/a/{draft}/publish", SIGN_OFF, expected_status=200)
    assert store.published_for(draft) == []


def test_publishing_makes_a_public_verifiable_version(client_request, store, aid):
    url = publish(client_request, aid)
    page = client_request.get(url)
    assert "Verified:" in page.text and "Town centre CCTV renewal, version 1" in page.h1.text
    document = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    assert verify.verify(document).ok
    assert store.get(aid).document["sign_off"]["name"] == "Sam Patel"
    assert store.history(aid)[1]["action"] == "Published version 1"


def test_a_published_page_never_shows_a_withheld_value(client_request, aid):
    url = publish(client_request, aid, withhold={"/banks/surveillance/answers/SV-18/note": "Identifies a refuge"})
    text = public_text(client_request, url)
    assert SECRET_NOTE not in text
    assert "[withheld: Identifies a refuge]" in text


def test_a_published_page_shows_nothing_from_the_draft(client_request, store, aid):
    url = publish(client_request, aid)
    client_request.post(
        f"/a/{aid}/profile/about",
        {
            "PR-01": "Town centre CCTV renewal",
            "PR-02": "Anytown Borough Council",
            "PR-03": "contract",
            "PR-04": "from_250k",
            "PR-08": "DRAFT: now with facial recognition",
        },
    )
    text = public_text(client_request, url)
    assert "DRAFT: now with facial recognition" not in text
    # Drafts that were never published are not listed at all.
    doc = documents.new_document(LIBRARY, "2026-11-21")
    doc["banks"]["profile"]["answers"]["PR-01"] = {"value": "Unpublished secret project"}
    store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Created")
    assert "Unpublished secret project" not in public_text(client_request, url)


def test_publishing_again_keeps_every_version_and_shows_the_changes(client_request, store, aid):
    first = publish(client_request, aid)
    page = client_request.get(f"/a/{aid}/surveillance/data")
    kept = {i["name"]: i["value"] for i in page.select("input[type=radio][checked]")}
    client_request.post(f"/a/{aid}/surveillance/data", {**kept, "SV-13": "14"})
    second = publish(client_request, aid, decision="proceed")
    assert first.endswith("/v/1") and second.endswith("/v/2")
    page = client_request.get(second)
    assert page.find("a", string="Version 1")
    link = page.find("a", string="What changed from version 1")["href"]
    diff = client_request.get(link)
    assert "SV-13" in diff.text
    one, two = (json.loads(client_request.client.get(u + ".json").get_data(as_text=True)) for u in (first, second))
    assert two["publication"]["previous_content_hash"] == one["integrity"]["content_hash"]
    assert client_request.get(first).h1.text.endswith("version 1")


def test_a_version_can_be_withdrawn_but_never_changed_or_deleted(client_request, store, aid, db_path):
    url = publish(client_request, aid)
    page, _ = client_request.post(f"/a/{aid}/published/1/withdraw", {}, expected_status=200)
    assert "Say why you are withdrawing this version" in page.text
    client_request.post(f"/a/{aid}/published/1/withdraw", {"reason": "A camera list was wrong"})
    page = client_request.get(url)
    assert "This version has been withdrawn" in page.text and "A camera list was wrong" in page.text
    assert "Withdrawn" in client_request.get("/published/").text
    document = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    assert document["withdrawal"]["reason"] == "A camera list was wrong" and verify.verify(document).ok
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE published_versions SET document = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE published_versions SET withdrawn_reason = 'changed my mind'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM published_versions")


def test_public_pages_need_no_sign_in_but_publishing_does(store, aid):
    doc = store.get(aid).document
    store.set_setting(PASSWORD_SETTING, generate_password_hash("correct horse battery"))
    locked = ClientRequest(create_app(store, LIBRARY, require_password=True).test_client())
    assert locked.client.get(f"/a/{aid}/publish").status_code == 302
    from forethought.publishing import publish, reading

    store.publish(
        aid,
        lambda series, version, previous, at: publish.publish(
            doc,
            LIBRARY,
            sign_off=SIGN_OFF,
            redactions=[],
            series=series,
            version=version,
            published_at=at,
            previous_content_hash=previous,
        ),
        reading.summary,
        "Test",
    )
    page = locked.get("/published/")
    link = page.select_one("tbody a")["href"]
    locked.get(link)
    assert locked.client.get(link + ".json").status_code == 200
    assert locked.client.get("/published/index.json").status_code == 200


def test_the_index_filters_and_the_machine_index(client_request, store, aid):
    publish(client_request, aid)
    page = client_request.get("/published/?organisation=Anytown+Borough+Council&bank=surveillance")
    assert len(page.select("tbody tr")) == 1
    page = client_request.get("/published/?organisation=Nobody")
    assert "No published assessment matches these filters." in page.text
    listed = store.published_latest()[0]["rating"]
    other = next(r.id for r in LIBRARY.method.ratings if r.id != listed)
    assert len(client_request.get(f"/published/?rating={listed}").select("tbody tr")) == 1
    assert len(client_request.get(f"/published/?rating={other}").select("tbody tr")) == 0
    stage = store.published_latest()[0]["stage"]
    page = client_request.get(f"/published/?from=2000-01-01&to=2999-01-01&stage={stage}")
    assert len(page.select("tbody tr")) == 1
    page = client_request.get("/published/?to=2000-01-01")
    assert len(page.select("tbody tr")) == 0
    index = json.loads(client_request.client.get("/published/index.json").get_data(as_text=True))
    assert [(e["title"], e["version"], e["withdrawn"]) for e in index] == [("Town centre CCTV renewal", 1, False)]
    assert index[0]["url"].endswith("/v/1.json")


def test_compare_side_by_side(client_request, store, aid):
    publish(client_request, aid)
    doc = documents.load(ROOT / "examples" / "high-risk-surveillance.json", LIBRARY)
    other = store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")
    publish(client_request, other)
    ids = [row["publication_id"] for row in store.published_latest()]
    page = client_request.get("/published/compare?" + "&".join(f"id={i}" for i in ids))
    headers = [th.get_text(" ", strip=True) for th in page.select("table")[0].select("thead th")]
    assert len(headers) == 3
    rows = {tr.th.get_text(" ", strip=True).split(" ")[0] for tr in page.select("table")[0].select("tbody tr")}
    assert {"Overall", "SV-R01", "SV-R03"} <= rows
    assert page.select("table")[1].select("tbody tr")
    client_request.get("/published/compare")


def test_review_of_a_published_version(client_request, store, aid):
    url = publish(client_request, aid)
    publication_id = url.split("/")[2]
    response = client_request.client.get(f"/review/published/{publication_id}/1")
    review_url = response.headers["Location"]
    page = client_request.get(review_url)
    assert "The scores check out." in page.text
    client_request.post(review_url, {"target": "SV-R01", "note": "Ask for the masking test results"})
    client_request.post(review_url, {"target": "general", "note": "Well evidenced overall"})
    page = client_request.get(review_url)
    assert "Ask for the masking test results" in page.text
    page, _ = client_request.post(review_url, {"target": "SV-R99", "note": "x"}, expected_status=200)
    assert "Choose what the note is about" in page.text
    report = client_request.client.get(review_url + "/report.md").get_data(as_text=True)
    assert report.startswith("# Review: Town centre CCTV renewal")
    assert "| Risk SV-R01: " in report and "| Ask for the masking test results |" in report
    assert "Yes. Every score was recomputed" in report
    # Reviewing never changes what was published.
    before = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    assert verify.verify(before).ok


def test_review_an_uploaded_file_good_tampered_and_broken(client_request):
    good = (ROOT / "examples" / "published" / "town-centre-lfr.v1.json").read_bytes()
    _, response = client_request.post(
        "/review/", {"file": (io.BytesIO(good), "lfr.json")}, content_type="multipart/form-data"
    )
    page = client_request.get(response.headers["Location"])
    assert "The scores check out." in page.text and "Red flags" in page.text
    tampered = json.loads(good)
    tampered["result"]["overall"]["rating"] = "low"
    _, response = client_request.post(
        "/review/", {"file": (io.BytesIO(json.dumps(tampered).encode()), "t.json")}, content_type="multipart/form-data"
    )
    page = client_request.get(response.headers["Location"])
    assert "This file does not check out" in page.text and "overall rating: stored low" in page.text
    page, _ = client_request.post(
        "/review/",
        {"file": (io.BytesIO(b"{nope"), "bad.json")},
        expected_status=422,
        content_type="multipart/form-data",
    )
    assert "The file cannot be reviewed" in page.text and "not valid JSON" in page.text


def test_every_public_and_review_page_passes_the_page_checks(client_request, store, aid):
    url = publish(client_request, aid, withhold={"/banks/surveillance/answers/SV-18/note": "Identifies a refuge"})
    for target in (
        url,
        "/published/",
        f"/a/{aid}/publish",
        f"/a/{aid}/published/1",
        f"/a/{aid}/published/1/withdraw",
        "/review/",
        "/published/compare",
    ):
        client_request.get(target)


def test_a_file_whose_definitions_cannot_be_used_gets_a_clear_message(client_request):
    """It passes the schema, but a carried rule points at a question that does not exist:
    the upload is refused with the problem named, not accepted and then shown as an error page."""
    broken = json.loads((ROOT / "examples" / "published" / "town-centre-lfr.v1.json").read_bytes())
    bank = broken["method"]["banks"][1]
    bank["risks"][0]["likelihood"]["drivers"][0]["question"] = bank["prefix"] + "-99"
    page, _ = client_request.post(
        "/review/",
        {"file": (io.BytesIO(json.dumps(broken).encode()), "broken.json")},
        expected_status=422,
        content_type="multipart/form-data",
    )
    assert "The file cannot be reviewed" in page.text
    assert f"refers to question '{bank['prefix']}-99', which does not exist" in page.text


def test_a_published_version_is_verified_once_then_served_from_memory(client_request, aid, count_calls):
    url = publish(client_request, aid)
    review = client_request.client.get(f"/review/published/{url.split('/')[2]}/1").headers["Location"]
    for page in (url, review):
        client_request.get(page)
    shape, scored = count_calls(verify, "check_shape"), count_calls(engine, "score")
    for page in (url, url + ".md", url + ".csv", url, review, review + "/report.md"):
        assert client_request.client.get(page).status_code == 200, page
    assert (len(shape), len(scored)) == (0, 0)


NOTE = "/banks/surveillance/answers/SV-18/note"


def change_an_answer(client_request, aid: str) -> None:
    page = client_request.get(f"/a/{aid}/surveillance/data")
    kept = {i["name"]: i["value"] for i in page.select("input[type=radio][checked]")}
    client_request.post(f"/a/{aid}/surveillance/data", {**kept, "SV-13": "14"})


def published_json(client_request, url: str) -> dict:
    return json.loads(client_request.client.get(url + ".json").get_data(as_text=True))


def test_what_the_last_version_withheld_stays_withheld_unless_lifted(client_request, store, aid):
    publish(client_request, aid, withhold={NOTE: "Identifies a refuge"})
    change_an_answer(client_request, aid)
    page = client_request.get(f"/a/{aid}/publish")
    keep = page.find("input", attrs={"type": "radio", "value": NOTE})
    assert keep.has_attr("checked"), "a field withheld in version 1 is pre-selected"
    i = withhold_index(page, NOTE)
    assert page.find("input", id=f"reason-{i}")["value"] == "Identifies a refuge"
    assert "Withheld in version 1" in page.text
    # Left as the page shows it, version 2 still withholds it.
    second = publish(client_request, aid)
    assert published_json(client_request, second)["redactions"] == [{"pointer": NOTE, "reason": "Identifies a refuge"}]
    assert SECRET_NOTE not in public_text(client_request, second)
    # A post that says nothing about it is not a lift: the signer is asked to choose.
    data = {**SIGN_OFF, **{k: v for k, v in as_sent(page.find("form")).items() if k != f"withhold-{i}"}}
    shown, _ = client_request.post(f"/a/{aid}/publish", data, expected_status=200)
    assert f"Choose whether to keep {SV18_NOTE_LABEL} withheld or make it public" in shown.text
    assert shown.find("a", href=f"#withhold-{i}")
    # Lifting it is a choice, and the changes page says what was made public.
    third = publish(client_request, aid, lift=[NOTE])
    assert published_json(client_request, third)["redactions"] == []
    assert SECRET_NOTE in client_request.client.get(third).get_data(as_text=True)
    diff = client_request.get(client_request.get(third).find("a", string="What changed from version 2")["href"])
    assert "Made public in version 3: the note on SV-18" in " ".join(diff.text.split())
    assert "Version 2 withheld it because: Identifies a refuge" in diff.text


SV18_NOTE_LABEL = "SV-18 note"


def test_the_preview_shows_what_will_be_public_and_stores_nothing(client_request, store, aid):
    shown = preview(client_request, aid, withhold={NOTE: "Identifies a refuge"})
    assert store.published_for(aid) == [] and "Preview: nothing is published yet" in shown.text
    assert shown.h1.text == "Town centre CCTV renewal, version 1"
    assert SECRET_NOTE not in str(shown) and "[withheld: Identifies a refuge]" in shown.text
    # The JSON the preview offers is the document it showed.
    form = shown.find("form", attrs={"action": re.compile("/publish/confirm$")})
    response = client_request.client.post(f"/a/{aid}/publish/preview.json", data=as_sent(form))
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    previewed = json.loads(response.get_data(as_text=True))
    assert publish_module.fingerprint(previewed) == form.find("input", attrs={"name": "previewed"})["value"]
    assert SECRET_NOTE not in response.get_data(as_text=True)
    assert store.published_for(aid) == []
    # Confirming it publishes the same content and shows the confirmation, with the ways on.
    response = confirm(client_request, shown)
    assert response.headers["Location"] == f"/a/{aid}/published/1"
    done = client_request.get(response.headers["Location"])
    assert done.select_one(".govuk-panel--confirmation h1").text.strip() == "Version 1 published"
    assert done.find("a", string="Back to the task list")["href"] == f"/a/{aid}"
    url = done.find("a", string=re.compile("as the public sees it"))["href"]
    assert publish_module.fingerprint(published_json(client_request, url)) == publish_module.fingerprint(previewed)


def frontend_macro(app, component: str, macro: str, params: dict) -> BeautifulSoup:
    """What GOV.UK Frontend's own Jinja macro (govuk-frontend-jinja) renders for these parameters."""
    source = (
        f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {macro} %}}{{{{ {macro}(params) }}}}'
    )
    return BeautifulSoup(app.jinja_env.from_string(source).render(params=params), "html.parser")


def markup(tag) -> str:
    """A tag's HTML with the whitespace between tags and inside text collapsed."""
    return " ".join(re.sub(r">\s+<", "><", str(tag)).split())


def test_the_publish_confirmation_is_the_design_systems_own_panel(client_request, store, aid):
    done = client_request.get(confirm(client_request, preview(client_request, aid)).headers["Location"])
    code = store.published_for(aid)[0]["content_hash"][7:23]
    params = {"titleText": "Version 1 published", "html": f"Content hash<br><strong><code>{code}</code></strong>"}
    expected = frontend_macro(client_request.client.application, "panel", "govukPanel", params)
    assert markup(done.select_one(".govuk-panel")) == markup(expected.select_one(".govuk-panel"))


def test_a_change_after_the_preview_is_caught_and_nothing_is_published(client_request, store, aid):
    shown = preview(client_request, aid)
    change_an_answer(client_request, aid)
    response = confirm(client_request, shown, expected_status=409)
    again = check_page(response.get_data(as_text=True))
    assert "What will be published has changed" in again.text and store.published_for(aid) == []
    confirm(client_request, again)
    assert len(store.published_for(aid)) == 1


def test_proceeding_against_critical_ratings_needs_a_written_reason(client_request, store):
    doc = documents.load(ROOT / "examples" / "high-risk-surveillance.json", LIBRARY)
    risky = store.create(doc, journey.summary(doc, engine.score(doc, LIBRARY), LIBRARY), "Test", "Imported")
    shown = preview(client_request, risky, decision="proceed", note="", expected_status=200)
    error = shown.find(id="note-error").get_text(" ", strip=True)
    assert "You chose to proceed, but" in error and "rated Critical" in error and "SV-R01" in error
    assert shown.find("a", href="#note") and shown.h1.text == "Sign off and publish"
    shown = preview(client_request, risky, decision="proceed", note="The board accepts these risks until March")
    assert "Preview: nothing is published yet" in shown.text


def test_an_optional_dpo_sign_off_is_published_and_in_the_register(client_request, store, aid):
    shown = preview(client_request, aid, dpo_name="Ada Jones", expected_status=200)
    assert "Enter the date the data protection officer signed it off" in shown.find(id="dpo_date-error").text
    url = publish(client_request, aid, dpo_name="Ada Jones", dpo_date="2026-12-01")
    sign_off = published_json(client_request, url)["assessment"]["sign_off"]
    assert (sign_off["dpo_name"], sign_off["dpo_date"]) == ("Ada Jones", "2026-12-01")
    assert "| Data protection officer | Ada Jones |" in client_request.client.get(url + ".md").get_data(as_text=True)
    page = client_request.client.get(url).get_data(as_text=True)
    assert "Data protection officer: signed off on 1 December 2026 by Ada Jones." in page
