"""The pictures of docs/first-assessment.md, in docs/screenshots/first-*.png, made by `make generate`.

    python scripts/journey_screenshots.py

It serves the app on a free port of 127.0.0.1 with a database of its own in a temporary folder,
imports examples/cctv-upgrade.json and takes each page the walk-through shows. It needs Debian's
chromium (through Playwright, a test dependency); without it the pictures are left as they are."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]
FORETHOUGHT = str(Path(sys.executable).parent / "forethought")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [FORETHOUGHT, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the app did not start")


def _journey(page, url: str) -> None:
    def shot(name: str) -> None:
        page.screenshot(path=str(OUT / f"first-{name}.png"), full_page=False)

    page.goto(url)
    page.get_by_role("button", name="Start a new assessment").click()
    shot("1-start")
    page.goto(url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "cctv-upgrade.json"))
    page.get_by_role("button", name="Import the file").click()
    assessment = re.match(r"(.*/a/[^/#?]+)", page.url).group(1)
    shot("2-task-list")
    page.goto(assessment + "/profile/people")
    page.get_by_role("button", name="Save and continue").click()
    shot("3-question-page")
    page.goto(assessment + "/results")
    shot("4-results")
    page.goto(assessment + "/surveillance/actions")
    shot("5-actions")
    page.goto(assessment + "/publish")
    page.get_by_label("Name", exact=True).fill("Sam Patel")
    page.get_by_label("Role", exact=True).fill("Director of Place")
    page.get_by_label("Proceed with conditions").check()
    page.get_by_role("button", name="Preview what will be published").click()
    page.get_by_role("button", name="Confirm and publish version 1").click()
    shot("6-published")


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if not chromium:
        print("No chromium (or Playwright): the walk-through's pictures are unchanged.")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    port = _port()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        server = _serve(Path(folder) / "walk-through.db", port)
        try:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            _journey(browser.new_page(viewport={"width": 1024, "height": 800}), f"http://127.0.0.1:{port}")
            browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Wrote the walk-through's pictures to {OUT.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
