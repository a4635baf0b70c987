"""A person completes a whole assessment in a real browser, downloads the
register, and axe-core checks every page type on the way."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT
from ..live import FORETHOUGHT, LiveServer

# Drives Debian's chromium: left out of `make test-fast`.
pytestmark = pytest.mark.browser


def answer_everything_on_the_page(page) -> None:
    """Answer each question the way a hurried person would: the first option,
    the first box, a number, a date, a sentence. Evidence and notes stay empty."""
    for fieldset in page.locator("form fieldset").all():
        radios = fieldset.locator("input[type=radio]")
        boxes = fieldset.locator("input[type=checkbox]")
        if radios.count() and not fieldset.locator("input[type=radio]:checked").count():
            radios.first.check()
        elif boxes.count() and not fieldset.locator("input[type=checkbox]:checked").count():
            boxes.first.check()
        elif fieldset.locator("input[name$='-day']").count():
            name = fieldset.locator("input[name$='-day']").get_attribute("name").removesuffix("-day")
            if not page.locator(f"[name='{name}-year']").input_value():
                page.fill(f"[name='{name}-day']", "1")
                page.fill(f"[name='{name}-month']", "4")
                page.fill(f"[name='{name}-year']", "2027")
    for field in page.locator(
        "form .govuk-form-group > input.govuk-input, form .govuk-form-group .govuk-input__wrapper > input, "
        "form .govuk-form-group > textarea.govuk-textarea"
    ).all():
        name = field.get_attribute("name")
        if name.endswith(("-evidence", "-note")) or field.input_value():
            continue
        numeric = field.get_attribute("inputmode") == "decimal"
        field.fill("30" if numeric else "An answer a project team would give.")


def finish_bank(page, axe, checked: set) -> None:
    """From a bank's first section to its check-your-answers page."""
    while not page.title().startswith("Check your answers"):
        if "section" not in checked:
            axe(page, "a section page")
            checked.add("section")
        before = page.url
        answer_everything_on_the_page(page)
        page.get_by_role("button", name="Save and continue").click()
        if page.url.split("#")[0] == before.split("#")[0]:
            # A follow-up question appeared, or the section had no questions left.
            if page.get_by_role("button", name="Continue", exact=True).count():
                page.get_by_role("button", name="Continue", exact=True).click()


def test_a_person_completes_an_assessment_and_downloads_the_register(page, server, axe, tmp_path):
    checked: set[str] = set()
    page.goto(server.url)
    axe(page, "the empty home page")
    page.get_by_role("button", name="Start a new assessment").click()
    assert page.title().startswith("About the project")
    axe(page, "a new assessment's first page")

    # The project profile, as a person types it.
    page.get_by_label("What is the project called?").fill("Library door counters")
    page.get_by_label("Which organisation is buying the technology?").fill("Anytown Borough Council")
    page.get_by_label("Specification").check()
    page.get_by_label("£30,000 to £250,000").check()
    page.get_by_label("What will the system do?").fill("Sensors at library doors count visitors each hour.")
    page.locator("input[name='PR-26'][value='england']").check()
    page.locator("input[name='PR-27'][value='council']").check()
    page.get_by_role("button", name="Save and continue").click()

    # A wrong kind of value gets an error summary, with the input kept.
    assert page.title().startswith("People and data")
    page.get_by_label("Who will the system affect?").fill("Library visitors and staff")
    page.get_by_label("10,000 to 100,000").check()
    page.locator("input[name='PR-12'][value='no']").check()
    page.locator("input[name='PR-13'][value='yes']").check()
    page.get_by_role("button", name="Save and continue").click()
    # Personal data "yes" brings a follow-up question onto the same page.
    assert "We have added a question based on your answer." in page.content()
    axe(page, "a follow-up question added to the page")
    page.locator("input[name='PR-14'][value='no']").check()
    page.locator("input[name='PR-30'][value='yes']").check()
    page.get_by_role("button", name="Save and continue").click()

    assert page.title().startswith("What the system does to people")
    page.locator("input[name='PR-15'][value='yes']").check()
    page.locator("input[name='PR-16'][value='no']").check()
    page.locator("input[name='PR-17'][value='none']").check()
    page.locator("input[name='PR-18'][value='not_public_facing']").check()
    page.locator("input[name='PR-23'][value='goods']").check()
    page.locator("input[name='PR-23'][value='watching_system']").check()
    page.get_by_role("button", name="Save and continue").click()
    # A council system that watches people brings the law enforcement question onto the same page.
    assert "We have added a question based on your answer." in page.content()
    page.locator("input[name='PR-28'][value='no']").check()
    page.get_by_role("button", name="Save and continue").click()

    assert page.title().startswith("Legal basis and assessments")
    answer_everything_on_the_page(page)
    page.get_by_role("button", name="Save and continue").click()
    assert page.title().startswith("The contract")
    page.locator("input[name='PR-24'][value='one_off']").check()
    page.get_by_role("button", name="Save and continue").click()
    assert page.title().startswith("Check your answers: Project profile")
    axe(page, "check your answers")
    page.get_by_role("button", name="Back to the task list").click()

    # The task list shows what applies and why the rest does not.
    assert page.title().startswith("Library door counters")
    axe(page, "the task list")
    assert page.get_by_text("Not needed: No supplier will store").count() == 1
    for bank in ("Surveillance", "Public trust"):
        page.get_by_role("link", name=bank, exact=True).click()
        finish_bank(page, axe, checked)
        page.get_by_role("button", name="Back to the task list").click()
    statuses = page.locator(".ft-task-list .ft-tag").all_inner_texts()
    assert statuses.count("Completed") == 3 and statuses.count("Not needed") == 4  # social value: under £1 million

    # Results, then owners and actions.
    page.get_by_role("link", name="Results and actions").click()
    axe(page, "the results page")
    assert page.locator(".ft-panel__rating").inner_text() in ("Low", "Medium", "High", "Critical")
    page.get_by_role("link", name=re.compile("Record owners, review dates and mitigation decisions")).first.click()
    axe(page, "the actions summary")
    page.locator(".ft-summary-list__actions a").first.click()
    axe(page, "one risk's actions")
    first_owner = page.locator("input[name$='-owner']").first
    first_owner.fill("Head of Libraries")
    page.locator("input[type=radio][name$='-status'][value=planned]").first.check()
    page.get_by_role("button", name="Save the actions").click()
    assert "Saved the actions" in page.content()

    # The register: read it, then download it.
    page.goto(re.match(r"(.*/a/[^/]+)/", page.url).group(1) + "/register")
    axe(page, "the register")
    assert page.locator("h1").inner_text().startswith("Risk register: Library door counters")
    with page.expect_download() as download:
        page.get_by_role("link", name="Markdown").click()
    path = tmp_path / "register.md"
    download.value.save_as(path)
    text = path.read_text()
    assert text.startswith("# Risk register: Library door counters")
    assert "Head of Libraries" in text
    assert download.value.suggested_filename == "library-door-counters-register.md"

    # The remaining page types.
    assessment = page.url.split("/register")[0]
    for url, label in [
        (assessment + "/history", "the history"),
        (assessment + "/duplicate", "copy for the next stage"),
        (server.url + "/import", "import"),
        (server.url + "/your-name", "your name"),
        (server.url + "/", "the home page with an assessment"),
        (server.url + "/nowhere", "not found"),
    ]:
        page.goto(url)
        axe(page, label)
    page.goto(assessment + "/profile/people")
    page.get_by_label("Who will the system affect?").fill("x" * 2001)
    page.get_by_role("button", name="Save and continue").click()
    assert page.title().startswith("Error: People and data")
    axe(page, "a page with errors")
    page.goto(server.url + "/import")
    page.set_input_files(
        "input[type=file]", files=[{"name": "bad.json", "mimeType": "application/json", "buffer": b"{nope"}]
    )
    page.get_by_role("button", name="Import the file").click()
    assert "The file cannot be imported" in page.content()
    axe(page, "import errors")
    assert len(axe.seen) == 18


def test_signing_in_on_a_shared_server(page, axe, tmp_path):
    """Served to the network (0.0.0.0), the app asks for the password first."""
    db = tmp_path / "shared.db"
    subprocess.run(
        [FORETHOUGHT, "set-password", "--db", str(db)],
        input="correct horse battery\ncorrect horse battery\n",
        text=True,
        check=True,
        capture_output=True,
    )
    live = LiveServer(db, extra=("--host", "0.0.0.0")).start()
    try:
        page.goto(live.url + "/")
        assert page.title().startswith("Sign in")
        axe(page, "sign in")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        assert page.title().startswith("Assessments")
        page.get_by_role("button", name="Sign out").click()
        assert page.title().startswith("Sign in")
    finally:
        live.stop()


def test_a_draft_shows_both_readings_and_what_to_answer_next(page, server, axe):
    """A half-finished assessment: the results and the register say it is not settled,
    give both readings, list open red flags first and link each question to answer next."""
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "draft-chatbot.json"))
    page.get_by_role("button", name="Import the file").click()
    page.get_by_role("link", name="Results and actions").click()
    assert page.locator(".ft-panel__label").inner_text() == "Overall rating with the mitigations in place: not settled"
    panel = page.locator(".ft-panel__text").first.inner_text()
    assert "on what you have told us" in panel and "Critical if the unknowns go badly" in panel
    assert page.get_by_role("heading", name="Open red flags").count() == 1
    first_risk = page.locator("section.ft-risk table").first
    assert first_risk.locator("thead").inner_text().strip().split("\t")[1:] == [
        "On what you have told us",
        "If the unknowns go badly",
    ]
    axe(page, "the results page of a draft")
    next_items = page.locator("#answer-these-next + p + ol li")
    assert next_items.count() >= 3
    link = next_items.first.locator("a")
    question = link.inner_text().split(" ")[0]
    link.click()
    assert page.url.endswith("#" + question) and page.locator(f"[name='{question}']").count()
    page.goto(re.match(r"(.*/a/[^/]+)/", page.url).group(1) + "/register")
    assert "Not settled:" in page.content() and page.get_by_role("heading", name="Answer these next").count() == 1
    axe(page, "the register of a draft")
