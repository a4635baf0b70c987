"""The register's pictures in docs/screenshots/, made by `make generate`.

    python scripts/screenshots.py [EXAMPLE]

The summary as it prints (A4 width, print styles), the top of the full register on a
wide screen and on a phone, and the heat map PNG exactly as the app downloads it.
The first three need Debian's chromium (through Playwright, a test dependency);
without it they are left as they are and the script says so."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from forethought import documents, loading
from forethought.scored import Scored

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]


def main(example: str = "welfare-fraud-risk-scoring") -> None:
    library = loading.load_library()
    scored = Scored.score(documents.load(ROOT / "examples" / f"{example}.json", library), library)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "heatmap.png").write_bytes(scored.heatmap_png())
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if not chromium:
        print("No chromium (or Playwright): wrote heatmap.png only; the page pictures are unchanged.")
        return
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        page_file = Path(folder) / "register.html"
        page_file.write_text(scored.register_page(), encoding="utf-8")
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        # A4's width at 96 pixels an inch, less the print margins: the summary as it prints.
        page = browser.new_page(viewport={"width": 703, "height": 1000})
        page.emulate_media(media="print")
        page.goto(page_file.as_uri())
        page.locator(".ft-register-summary").screenshot(path=str(OUT / "register-summary.png"))
        for name, width, height in (("register-full.png", 1280, 900), ("register-phone.png", 375, 900)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_file.as_uri() + "#risk-register")
            page.screenshot(path=str(OUT / name))
        browser.close()
    print(f"Wrote the pictures of {example}'s register to {OUT.relative_to(ROOT)}.")


if __name__ == "__main__":
    main(*sys.argv[1:2])
