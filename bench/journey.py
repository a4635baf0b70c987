"""Pages and clicks for a new user's laptop journey, from an empty database to a published assessment.

    .venv/bin/python bench/journey.py [--app DIR] [--owners] [--show]

Starts `forethought serve` on a fresh SQLite file on 127.0.0.1 and drives Debian's chromium
through Playwright the shortest honest way a new user would: start an assessment, describe the
project (the library door counters of tests/browser/test_journey.py), answer every question each
page asks that it does not mark "(optional)" (the first choice, a sentence, a number, a date:
evidence and notes left empty), go back to the task list and on to the next bank until none is
left, then sign off ("Proceed with conditions", the date the form offers), preview and confirm.
It counts what the person does: pages the browser loads, clicks (choices ticked, and links and
buttons pressed), fields typed into and questions answered. Every form is submitted by a click,
so no keypress submits anything. With --owners the person also opens the results and types an
owner for every risk of every bank (the owners-and-actions pages) before signing off.

--app DIR runs the server from another checkout's package (DIR is its `app` folder, put first on
the server's PYTHONPATH), so an older commit can be measured with the same script: make a
worktree with `git worktree add /tmp/j_before <commit>` and pass `--app /tmp/j_before/app`.
Figures only: it exits non-zero only if the journey cannot be finished.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
# A bank whose pages go round more often than this is stuck (an error the script cannot mend).
MOST_PAGES_A_BANK = 60
DONE = ("Completed", "Not needed", "Cannot start yet")


@dataclass
class Counts:
    """What the person did."""

    pages: int = 0
    choices: int = 0
    presses: int = 0
    typed: int = 0
    answered: set[str] = field(default_factory=set)
    left_optional: set[str] = field(default_factory=set)

    @property
    def clicks(self) -> int:
        return self.choices + self.presses


class Person:
    """A page driven as a person would, counting each thing they do."""

    def __init__(self, page, counts: Counts):
        self.page, self.counts = page, counts
        page.on("load", lambda _: self._loaded())

    def _loaded(self) -> None:
        self.counts.pages += 1

    def choose(self, locator) -> None:
        locator.check()
        self.counts.choices += 1
        self.counts.answered.add(_question(locator.get_attribute("name")))

    def type(self, locator, text: str, question: bool = True) -> None:
        locator.fill(text)
        self.counts.typed += 1
        if question:
            self.counts.answered.add(_question(locator.get_attribute("name")))

    def press(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()
        self.counts.presses += 1

    def button(self, name: str) -> None:
        self.press(self.page.get_by_role("button", name=name, exact=True))

    def link(self, name: str) -> None:
        self.press(self.page.get_by_role("link", name=name, exact=True))


def _question(name: str | None) -> str:
    """The question a field answers: PR-09 for PR-09-day."""
    return re.sub(r"-(day|month|year)$", "", name or "")


def _optional(page, element) -> bool:
    """Whether the page marks this question optional, in its legend or its label."""
    legend = element.locator("legend")
    if legend.count():
        return "(optional)" in legend.first.inner_text()
    field_id = element.get_attribute("id")
    label = page.locator(f"label[for='{field_id}']")
    return bool(field_id) and label.count() > 0 and "(optional)" in label.first.inner_text()


def answer_the_page(person: Person) -> None:
    """Every question on the page the person must answer: the first choice, a date, a sentence."""
    page = person.page
    for fieldset in page.locator("main form fieldset").all():
        if not fieldset.is_visible():
            continue
        if _optional(page, fieldset):
            person.counts.left_optional.add(_question(fieldset.locator("input").first.get_attribute("name")))
            continue
        radios = fieldset.locator("input[type=radio]")
        boxes = fieldset.locator("input[type=checkbox]")
        if radios.count() and not fieldset.locator("input[type=radio]:checked").count():
            person.choose(radios.first)
        elif boxes.count() and not fieldset.locator("input[type=checkbox]:checked").count():
            person.choose(boxes.first)
        elif fieldset.locator("input[name$='-day']").count() == 1:
            name = fieldset.locator("input[name$='-day']").get_attribute("name").removesuffix("-day")
            if not page.locator(f"[name='{name}-year']").input_value():
                for part, value in (("day", "1"), ("month", "4"), ("year", "2027")):
                    person.type(page.locator(f"[name='{name}-{part}']"), value)
    for box in page.locator("main form input[type=text], main form textarea").all():
        name = box.get_attribute("name") or ""
        if (
            name.endswith(("-evidence", "-note", "-day", "-month", "-year"))
            or not box.is_visible()
            or box.input_value()
        ):
            continue
        if _optional(page, box):
            person.counts.left_optional.add(name)
            continue
        numeric = box.get_attribute("inputmode") in ("decimal", "numeric")
        person.type(box, "30" if numeric else "An answer a project team would give.")


def finish_bank(person: Person) -> None:
    """From a bank's first page to its check-your-answers page."""
    page = person.page
    for _ in range(MOST_PAGES_A_BANK):
        if page.title().startswith("Check your answers"):
            return
        before = page.url.split("#")[0]
        answer_the_page(person)
        person.button("Save and continue")
        continue_button = page.get_by_role("button", name="Continue", exact=True)
        if page.url.split("#")[0] == before and continue_button.count():
            person.press(continue_button)  # the section had nothing left to ask
    raise SystemExit(f"stuck on {page.url}: {page.title()}")


def describe_the_project(person: Person) -> None:
    """The project profile as tests/browser/test_journey.py types it, then the rest as asked."""
    page = person.page
    person.type(page.get_by_label("What is the project called?"), "Library door counters")
    person.type(page.get_by_label("Which organisation is buying the technology?"), "Anytown Borough Council")
    person.choose(page.get_by_label("Specification"))
    person.choose(page.get_by_label("£30,000 to £250,000"))
    person.type(page.get_by_label("What will the system do?"), "Sensors at library doors count visitors each hour.")
    person.choose(page.locator("input[name='PR-26'][value='england']"))
    person.choose(page.locator("input[name='PR-27'][value='council']"))
    person.button("Save and continue")
    person.type(page.get_by_label("Who will the system affect?"), "Library visitors and staff")
    person.choose(page.get_by_label("10,000 to 100,000"))
    person.choose(page.locator("input[name='PR-12'][value='no']"))
    person.choose(page.locator("input[name='PR-13'][value='yes']"))
    person.button("Save and continue")
    # Personal data "yes" brings a follow-up question onto the same page.
    person.choose(page.locator("input[name='PR-14'][value='no']"))
    person.choose(page.locator("input[name='PR-30'][value='yes']"))
    person.button("Save and continue")
    person.choose(page.locator("input[name='PR-15'][value='yes']"))
    person.choose(page.locator("input[name='PR-16'][value='no']"))
    person.choose(page.locator("input[name='PR-17'][value='none']"))
    person.choose(page.locator("input[name='PR-18'][value='not_public_facing']"))
    person.choose(page.locator("input[name='PR-23'][value='goods']"))
    person.choose(page.locator("input[name='PR-23'][value='watching_system']"))
    person.button("Save and continue")
    # A council system that watches people brings the law enforcement question onto the same page.
    person.choose(page.locator("input[name='PR-28'][value='no']"))
    person.button("Save and continue")
    finish_bank(person)  # the legal basis and the contract, as the pages ask


def next_task(page):
    """The task list's next bank to answer, or None when every one is done."""
    for item in page.locator(".ft-task-list__item").all():
        link = item.locator("a[aria-describedby^='status-']")
        status = item.locator("[id^='status-']")
        if link.count() and status.count() and status.first.inner_text().strip() not in DONE:
            return link.first
    return None


RISK_OWNER = re.compile(r"^[A-Z]{2}-R\d+-owner$")


def record_owners(person: Person) -> None:
    """From the task list: for every bank's risks, an owner typed in, as the register asks
    (--owners). One form per bank in the older app; a summary with one page per risk today."""
    page = person.page
    person.link("Results and actions")
    banks = page.get_by_role("link", name=re.compile("^Record owners, review dates and mitigation decisions"))
    for n in range(banks.count()):
        person.press(banks.nth(n))
        changes = page.locator(".ft-summary-list__actions a")
        if changes.count():  # one page per risk
            for k in range(changes.count()):
                person.press(changes.nth(k))
                fill_risk_owners(person)
                person.button("Save the actions")
        else:  # the whole bank on one form
            fill_risk_owners(person)
            person.button("Save the actions")
        if not page.title().startswith("Results"):
            person.press(page.get_by_role("link", name="Back to the results").first)
    person.press(page.get_by_role("link", name="Back to the task list").first)


def fill_risk_owners(person: Person) -> None:
    for box in person.page.locator("main form input[name$='-owner']").all():
        if RISK_OWNER.match(box.get_attribute("name") or "") and not box.input_value():
            person.type(box, "Head of Libraries", question=False)


def sign_off_and_publish(person: Person) -> None:
    page = person.page
    person.link("Sign off and publish")
    for label, text in (("Name", "Sam Patel"), ("Role", "Director of Place")):
        if not page.get_by_label(label, exact=True).input_value():
            person.type(page.get_by_label(label, exact=True), text)
    person.choose(page.get_by_label("Proceed with conditions"))
    person.button("Preview what will be published")
    person.button("Confirm and publish version 1")


def journey(page, url: str, owners: bool = False) -> Counts:
    counts = Counts()
    person = Person(page, counts)
    page.goto(url)  # the address `make run` prints, typed or clicked in the terminal
    person.press(page.get_by_role("button", name="Start a new assessment"))
    describe_the_project(person)
    person.press(page.get_by_role("button", name="Back to the task list"))
    while (task := next_task(page)) is not None:
        person.press(task)
        finish_bank(person)
        person.press(page.get_by_role("button", name="Back to the task list"))
    if owners:
        record_owners(person)
    sign_off_and_publish(person)
    if "published" not in page.locator("h1").inner_text().lower():
        raise SystemExit(f"not published: {page.url}: {page.title()}")
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, app: Path | None) -> tuple[subprocess.Popen, str]:
    """`forethought serve` on a fresh database, from this checkout or from `app`."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if app is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(app), *filter(None, [env.get("PYTHONPATH")])])
    command = [sys.executable, "-c", "from forethought.cli import cli; cli()", "serve", "--db", str(db)]
    server = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start within 30 seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, help="another checkout's app folder to serve from")
    parser.add_argument("--owners", action="store_true", help="also type an owner for every risk before signing off")
    parser.add_argument("--show", action="store_true", help="print each page's title as it loads")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("needs Debian's chromium: sudo apt-get install chromium")
    with tempfile.TemporaryDirectory() as folder:
        server, url = serve(Path(folder) / "forethought.db", options.app)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=ARGS)
                page = browser.new_page()
                page.set_default_timeout(60000)
                if options.show:
                    page.on("load", lambda loaded: print("  page:", loaded.title()))
                started = time.monotonic()
                counts = journey(page, url, options.owners)
                took = time.monotonic() - started
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Served from: {options.app or ROOT / 'app'}")
    print(f"Pages loaded:        {counts.pages}")
    print(f"Clicks:              {counts.clicks} ({counts.choices} choices ticked, {counts.presses} links and buttons)")
    print(f"Fields typed into:   {counts.typed}")
    optional = len(counts.left_optional)
    print(f"Questions answered:  {len(counts.answered)} ({optional} left as the page marks them optional)")
    print("Keypresses that submit: 0 (every form is submitted by a click)")
    print(f"Browser time:        {took:.0f} s (a machine-driven browser; not a person's time)")


if __name__ == "__main__":
    main()
