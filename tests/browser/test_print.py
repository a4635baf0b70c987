"""The register on paper: chromium's print-to-PDF of every example's HTML register, read back
with pypdf. The summary fits two A4 pages, the full register prints on A4 landscape, and no
rating word is broken across lines; on a narrow screen each risk is a block of its own."""

from __future__ import annotations

import re

import pypdf
import pytest

from forethought import documents
from forethought.scored import Scored

from ..conftest import ROOT

pytestmark = pytest.mark.browser

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
PORTRAIT, LANDSCAPE = (595, 842), (842, 595)  # A4 in PDF points


def size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def split_words(text: str, word: str) -> list[str]:
    """Every place the word is broken over a line end: "Cr" at the end of a line and
    "itical" at the start of the next, with or without a hyphen."""
    found = []
    for k in range(1, len(word)):
        pattern = rf"(?<![A-Za-z]){re.escape(word[:k])}-?[ \t]*\n[ \t]*{re.escape(word[k:])}(?![a-z])"
        found += re.findall(pattern, text)
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_summary_fits_two_a4_pages_and_the_register_prints_landscape(path, page, library, tmp_path):
    scored = Scored.score(documents.load(path, library), library)
    html = tmp_path / "register.html"
    html.write_text(scored.register_page(), encoding="utf-8")
    page.goto(html.as_uri())
    pdf = tmp_path / "register.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    reader = pypdf.PdfReader(pdf)
    texts = [p.extract_text() for p in reader.pages]
    appendix_a = next(i for i, t in enumerate(texts) if "Appendix A: the full register" in t)
    appendix_b = next(i for i, t in enumerate(texts) if "Appendix B: the working" in t)
    print(f"{path.stem}: {len(texts)} pages, summary {appendix_a}, full register {appendix_b - appendix_a}")
    assert 1 <= appendix_a <= 2, f"the summary takes {appendix_a} pages"
    assert all(size(p) == PORTRAIT for p in reader.pages[:appendix_a])
    assert all(size(p) == LANDSCAPE for p in reader.pages[appendix_a:appendix_b])
    assert size(reader.pages[appendix_b]) == PORTRAIT
    assert texts[appendix_a].lstrip().startswith("Appendix A")
    whole = "\n".join(texts)
    ratings = [r.label for r in library.method.ratings]
    for word in ratings:
        assert not split_words(whole, word), (word, split_words(whole, word)[:3])
    # Every rating the printed register shows is whole on the paper: as many as the page shows.
    page.emulate_media(media="print")
    table_text = page.locator(".ft-register-table").inner_text()
    printed = "\n".join(texts[appendix_a:appendix_b])
    for word in ratings:
        shown = len(re.findall(rf"\b{word}\b", table_text))
        assert len(re.findall(rf"\b{word}\b", printed)) >= shown, word
    # Our ids are never broken at their hyphen ("AL-" on one line, "M08" on the next).
    assert not re.search(r"(?<![\w-])[A-Z]{2,3}-\n[A-Z]?\d{1,3}(?![\w-])", whole)


def test_the_stylesheet_never_breaks_words():
    css = (ROOT / "app" / "forethought" / "web" / "static" / "register.css").read_text()
    assert "break-all" not in css and "anywhere" not in css
    assert "hyphens: manual" in css


def test_on_a_narrow_screen_each_risk_is_a_block_with_its_labels(page, library, tmp_path):
    scored = Scored.score(documents.load(ROOT / "examples" / "welfare-fraud-risk-scoring.json", library), library)
    html = tmp_path / "register.html"
    html.write_text(scored.register_page(), encoding="utf-8")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(html.as_uri())
    first = page.locator(".ft-register-table tbody tr").first
    assert first.evaluate("r => getComputedStyle(r).display") == "block"
    cell = first.locator("td").nth(2)
    assert cell.evaluate("c => getComputedStyle(c, '::before').content") == '"Inherent"'
    # Nothing is wider than the screen: no column squeezed to a letter, no sideways scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The rating words are whole: each stays on one line of its cell.
    for word in ("Critical", "High", "Medium", "Low"):
        for box in page.locator(".ft-register-table strong", has_text=word).all()[:5]:
            height = box.evaluate("b => b.getClientRects().length")
            assert height == 1, word


def test_the_register_page_in_the_app_prints_the_same_way(page, server, tmp_path):
    """The page a team prints from the app ("print this page and choose Save as PDF")."""
    page.goto(server.url + "/import")
    page.set_input_files("input[type=file]", str(ROOT / "examples" / "draft-chatbot.json"))
    page.get_by_role("button", name="Import the file").click()
    page.goto(re.match(r"(.*/a/[^/#?]+)", page.url).group(1) + "/register")
    pdf = tmp_path / "register.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    reader = pypdf.PdfReader(pdf)
    texts = [p.extract_text() for p in reader.pages]
    appendix_a = next(i for i, t in enumerate(texts) if "Appendix A: the full register" in t)
    assert 1 <= appendix_a <= 2, f"the summary takes {appendix_a} pages"
    assert size(reader.pages[appendix_a]) == LANDSCAPE
    assert "Download the register" not in texts[0]  # the page's own links are not printed
    whole = "\n".join(texts)
    for word in ("Low", "Medium", "High", "Critical"):
        assert not split_words(whole, word), word
