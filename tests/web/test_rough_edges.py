"""The rough edges a new user hit (issue 13), each checked through the app's own pages:
labels not codes, dates typed and shown as people do, the icon and the header links,
the download headers and the register's wording."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from click.testing import CliRunner

from forethought import dates
from forethought.cli import cli
from forethought.loading import bundled_library

from ..conftest import ROOT
from .test_publishing import NOTE, aid, publish  # noqa: F401 (aid is a fixture)

LIBRARY = bundled_library()


def test_the_icon_is_served_and_every_page_names_it(client_request):
    response = client_request.client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"
    page = client_request.get("/")
    icon = page.find("link", rel="icon")["href"]
    assert client_request.client.get(icon).status_code == 200


def test_the_header_links_to_the_public_register_and_the_review_page(client_request):
    page = client_request.get("/")
    nav = {a.get_text(strip=True): a["href"] for a in page.select("header nav a")}
    assert nav["Published"] == "/published/" and nav["Review"] == "/review/"


def test_downloads_say_their_character_set_once(client_request, aid):  # noqa: F811
    for url in (f"/a/{aid}/register.md", f"/a/{aid}/register.csv"):
        assert client_request.client.get(url).headers["Content-Type"].count("charset") == 1, url
    public = publish(client_request, aid)
    for url in (public + ".md", public + ".csv"):
        assert client_request.client.get(url).headers["Content-Type"].count("charset") == 1, url


def test_the_history_says_what_changed_in_words(client_request, aid):  # noqa: F811
    page = client_request.get(f"/a/{aid}/profile/screening")
    form = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    client_request.post(f"/a/{aid}/profile/screening", {**form, "PR-17": "dont_know"})
    text = " ".join(client_request.get(f"/a/{aid}/history").text.split())
    assert (
        "PR-17 Part in decisions, answer: “None: it is not used for decisions about individuals” → “Don't know”" in text
    )
    assert "dont_know" not in text


def test_dates_are_typed_as_people_type_them_and_shown_in_words(client_request, aid):  # noqa: F811
    risk = next(r.id for r in LIBRARY.bank("surveillance").risks)
    page = client_request.get(f"/a/{aid}/surveillance/actions/{risk}")
    assert page.find("input", attrs={"name": f"{risk}-review_date-day"})
    client_request.post(
        f"/a/{aid}/surveillance/actions/{risk}",
        {f"{risk}-review_date-day": "15", f"{risk}-review_date-month": "Jan", f"{risk}-review_date-year": "2027"},
    )
    page = client_request.get(f"/a/{aid}/results")
    assert "Review by 15 January 2027." in " ".join(page.find(id=risk).text.split())
    # A date typed into one box, the British way, is read too (a script or an older page).
    client_request.post(f"/a/{aid}/surveillance/actions/{risk}", {f"{risk}-review_date": "15/01/2027"})
    page, _ = client_request.post(
        f"/a/{aid}/surveillance/actions/{risk}",
        {f"{risk}-review_date-day": "31", f"{risk}-review_date-month": "2", f"{risk}-review_date-year": "2027"},
        expected_status=200,
    )
    assert page.find("a", href=f"#{risk}-review_date-day").text == "Date must be a real date, like 27 3 2027"


def test_the_date_reader():
    assert dates.from_parts({"day": "1", "month": "April", "year": "2027"}) == ("2027-04-01", None)
    assert dates.from_parts({"day": "1", "month": "", "year": "2027"}) == (None, "Date must include a month")
    assert dates.read(dates.typed("15/01/2027")) == ("2027-01-15", None)
    assert dates.read(dates.typed("next spring"))[1] == "Date must be a real date, like 27 3 2027"
    assert dates.long_date("2027-04-01") == "1 April 2027"


def test_the_public_filter_takes_a_date_in_three_boxes(client_request, aid):  # noqa: F811
    publish(client_request, aid)
    page = client_request.get("/published/?from-day=1&from-month=1&from-year=2000")
    assert page.select("tbody tr")
    page = client_request.get("/published/?from-day=1&from-month=1&from-year=2199")
    assert not page.select("tbody tr")
    page = client_request.get("/published/?from-day=31&from-month=2&from-year=2027")
    assert "Date must be a real date" in page.find(id="from-error").text


def test_a_review_names_things_by_their_titles(client_request, aid):  # noqa: F811
    url = publish(client_request, aid, withhold={NOTE: "Identifies a refuge"})
    review_url = client_request.client.get("/review/published/" + url.split("/")[2] + "/1").headers["Location"]
    page = client_request.get(review_url)
    options = {o["value"]: o.get_text() for o in page.select("select#target option")}
    risk = next(r for r in LIBRARY.bank("surveillance").risks)
    assert options[risk.id] == f"Risk {risk.id}: {risk.title}"
    assert options["SV-18"] == "Question SV-18: " + LIBRARY.questions["SV-18"].short
    text = " ".join(page.text.split())
    assert f"The note on SV-18 ({LIBRARY.questions['SV-18'].short}) is withheld: Identifies a refuge" in text
    assert "/banks/surveillance" not in text
    claimed = [li.text for li in page.select("li") if "is claimed in place" in li.text]
    assert claimed and all(re.match(r"[A-Z]{2}-M\d+ \(\w", c) for c in claimed)
    client_request.post(review_url, {"target": risk.id, "note": "Ask for the test results"})
    report = client_request.client.get(review_url + "/report.md").get_data(as_text=True)
    assert "| Decision under review | Proceed with conditions," in report
    assert f"| Risk {risk.id}: {risk.title} | Ask for the test results |" in report
    assert "proceed\\_with\\_conditions" not in report


def test_the_register_lists_what_does_not_apply_on_its_own_and_ends_sentences_once():
    text = (ROOT / "examples" / "cctv-upgrade.md").read_text(encoding="utf-8")
    assert "\n\nRisks that do not apply, and the answers that rule them out:\n" in text
    assert not re.search(r"[a-z]\.\.(\s|$)", text)


def test_the_site_command_counts_in_good_english(tmp_path):
    out = tmp_path / "site"
    one = ROOT / "examples" / "published" / "town-centre-lfr.v1.json"
    result = CliRunner().invoke(cli, ["site", str(out), "--from", str(one)])
    assert "for 1 published assessment (1 version)" in result.output, result.output
    assert (out / "static" / "favicon.svg").exists()


def test_a_blank_first_page_makes_no_assessment(client_request, store):
    page = client_request.get("/assessments/new")
    form = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    page, _ = client_request.post("/assessments/new", form, expected_status=200)
    assert page.find("a", href="#PR-01").text == "Enter the name of the project, so the assessment can be found"
    assert store.count() == 0
    _, response = client_request.post("/assessments/new", {**form, "PR-01": "Library door counters"})
    assert store.count() == 1
    page = client_request.get(response.headers["Location"])
    assert "Started the assessment and saved your answers to About the project." in page.text


def test_optional_questions_say_so(client_request):
    page = client_request.get("/assessments/new")
    labels = {label["for"]: " ".join(label.text.split()) for label in page.find_all("label")}
    assert labels["PR-05"].endswith("(optional)") and not labels["PR-01"].endswith("(optional)")


def test_question_pages_show_progress_and_say_when_they_saved(client_request, aid):  # noqa: F811
    page = client_request.get(f"/a/{aid}/profile/people")
    assert re.match(
        r"Progress: \d+ of \d+ questions answered \(\d+%\)", " ".join(page.find(id="progress").text.split())
    )
    form = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    _, response = client_request.post(f"/a/{aid}/profile/people", {**form, "PR-10": "Visitors"})
    page = client_request.get(response.headers["Location"])
    assert (
        page.select_one(".govuk-notification-banner--success .govuk-notification-banner__heading").text.strip()
        == "Saved your answers to People and data."
    )
    assert re.search(r"answered \d+ of \d+ questions", client_request.get(f"/a/{aid}").text)


def test_a_dont_know_that_moves_many_risks_is_warned_of(client_request, aid):  # noqa: F811
    page = client_request.get(f"/a/{aid}/profile/screening")
    assert not page.select(".govuk-warning-text")
    form = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    for field in page.select("form input[type=radio][checked], form input[type=checkbox][checked]"):
        form.setdefault(field["name"], field["value"])
    _, response = client_request.post(f"/a/{aid}/profile/screening", {**form, "PR-17": "dont_know"})
    page = client_request.get(response.headers["Location"])
    warning = " ".join(page.select_one(".ft-banner--warning .govuk-notification-banner__heading").text.split())
    assert re.match(
        r"You answered “Don't know” to PR-17 Part in decisions\. On its own this answer could move \d+", warning
    )
    page = client_request.get(f"/a/{aid}/profile/screening")
    assert page.find(id="PR-17-warning") and len(page.select(".govuk-warning-text")) == 1


def test_owners_and_actions_are_a_summary_with_one_page_per_risk(client_request, aid):  # noqa: F811
    bank = LIBRARY.bank("surveillance")
    page = client_request.get(f"/a/{aid}/surveillance/actions")
    changes = page.select(".ft-summary-list__actions a")
    applying = page.select(".ft-summary-list__row")
    assert changes and len(changes) == len(applying) and not page.find("form", attrs={"method": "post"})
    risk = bank.risks[0]
    page = client_request.get(changes[0]["href"])
    assert page.h1.text.strip() == f"Owners and actions: {risk.id} {risk.title}"
    assert not page.find("select") and page.select("input[type=radio][name$='-status']")
    mitigation = page.select_one("input[type=radio][name$='-status']")["name"].removesuffix("-status")
    page, _ = client_request.post(changes[0]["href"], {f"{mitigation}-status": "declined"}, expected_status=200)
    message = page.find("a", href=f"#{mitigation}-note").text
    assert message.startswith(f"Say why you are declining {mitigation} (") and len(message) > 40


def test_a_copy_for_the_next_stage_publishes_the_next_version_of_the_same_series(client_request, store, aid):  # noqa: F811
    first = publish(client_request, aid)
    _, response = client_request.post(f"/a/{aid}/duplicate", {"stage": "delivery"})
    copy = re.search(r"/a/([^/#?]+)", response.headers["Location"]).group(1)
    assert "It becomes version 2" in client_request.get(f"/a/{copy}/publish").text
    second = publish(client_request, copy)
    series = first.split("/")[2]
    assert second == f"/published/{series}/v/2"
    page = client_request.get(second)
    diff = page.find("a", string=re.compile("What changed from version 1"))["href"]
    changes = " ".join(client_request.get(diff).text.split())
    assert "PR-03" in changes and "Delivery" in changes
    # The original can still publish, and takes the next number in the series.
    assert publish(client_request, aid) == f"/published/{series}/v/3"


def _words(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def test_published_pages_and_the_static_site_show_dates_in_words(client_request, aid, tmp_path):  # noqa: F811
    """PR-09 (a date question) reads "1 June 2027" on the public version page, the what-changed
    page, the review page, the review report and the static site's pages; never as stored."""
    first = publish(client_request, aid)
    page = client_request.get(f"/a/{aid}/profile/about")
    form = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    kept = {i["name"]: i["value"] for i in page.select("input[type=radio][checked]")}
    kept.update({i["name"]: i.get("value", "") for i in page.select("input[type=text]")})
    kept.update({t["name"]: t.text for t in page.select("textarea")})
    dated = {"PR-09-day": "15", "PR-09-month": "9", "PR-09-year": "2027"}
    client_request.post(f"/a/{aid}/profile/about", {**form, **kept, **dated})
    second = publish(client_request, aid, decision="proceed")
    version = _words(client_request.client.get(first).get_data(as_text=True))
    assert "When do you plan to start using it? 1 June 2027" in version
    diff_url = client_request.get(second).find("a", string=re.compile("What changed from version 1"))["href"]
    diff = _words(client_request.client.get(diff_url).get_data(as_text=True))
    assert "When do you plan to start using it? 1 June 2027 15 September 2027" in diff
    review_url = client_request.client.get("/review/published/" + first.split("/")[2] + "/1").headers["Location"]
    review = _words(client_request.client.get(review_url).get_data(as_text=True))
    assert "When do you plan to start using it? 1 June 2027" in review
    report = client_request.client.get(review_url + "/report.md").get_data(as_text=True)
    assert "on 30 November 2026 |" in report
    sources = tmp_path / "published"
    sources.mkdir()
    for n, url in enumerate((first, second), 1):
        (sources / f"v{n}.json").write_bytes(client_request.client.get(url + ".json").get_data())
    out = tmp_path / "site"
    assert CliRunner().invoke(cli, ["site", str(out), "--from", str(sources)]).exit_code == 0
    [series] = [p for p in (out / "p").iterdir() if p.is_dir()]
    static_version = _words((series / "v1" / "index.html").read_text(encoding="utf-8"))
    assert "When do you plan to start using it? 1 June 2027" in static_version
    static_diff = _words((series / "diff-1-2.html").read_text(encoding="utf-8"))
    assert "1 June 2027 15 September 2027" in static_diff
    iso = re.compile(r"\b20\d\d-\d\d-\d\d\b")
    for text in (version, diff, review, static_version, static_diff):
        assert not iso.search(text), iso.search(text)


def test_the_register_shows_dates_in_words():
    """The register a board reads: the assessment date, each due and review date and the
    sign-off, as "21 November 2026"; only a date the team typed into its own text stays as typed."""
    result = CliRunner().invoke(cli, ["register", str(ROOT / "examples" / "cctv-upgrade.json")])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Assessed on 21 November 2026." in text and "| Assessment date | 21 November 2026 |" in text
    assert "| Procurement Manager | 31 January 2027 |" in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), re.search(r".{60}\b20\d\d-\d\d-\d\d\b", text)
