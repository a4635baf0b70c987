"""The heat map picture: one layout, as SVG and PNG, that reads in black and white and to a
screen reader, with red-flag risks marked and user text inert."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from forethought import documents, engine, heatmap, register
from forethought.scored import Scored

from .conftest import ROOT
from .test_register import PAYLOAD, injected_document

SVG = "{http://www.w3.org/2000/svg}"


def context_of(name: str, library) -> dict:
    doc = documents.load(ROOT / "examples" / f"{name}.json", library)
    return register.context(doc, engine.score(doc, library), library)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def grey(colour: str) -> str:
    """The colour with its hue taken away, as a black-and-white printer or photocopy gives it."""
    level = round(luminance(colour) ** (1 / 2.2) * 255)
    return f"#{level:02x}{level:02x}{level:02x}"


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def behind(picture: heatmap.Picture, words: heatmap.Words) -> str:
    """The fill of the topmost box under a word's first letter (the page where there is none)."""
    fill = heatmap.PAPER
    for box in picture.boxes:
        if box.x <= words.x + 1 <= box.x + box.width and box.y <= words.y - 4 <= box.y + box.height:
            fill = box.fill
    return fill


@pytest.mark.parametrize("name", ["draft-chatbot", "high-risk-surveillance", "low-risk-room-booking"])
def test_the_svg_is_an_image_with_a_title_and_a_description_of_every_risk(name, library):
    context = context_of(name, library)
    picture = heatmap.layout(context)
    root = ET.fromstring(heatmap.svg(picture, standalone=True).encode())
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == f"Heat map: {context['title']}"
    for rid in (r.id for r in context["risks"]):
        assert rid in desc.text
    for rid in context["flagged"]:
        assert f"{rid} (red flag: Critical)" in desc.text
    # No script, no link, no style sheet: shapes and words only.
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= {"svg", "title", "desc", "rect", "text"}


@pytest.mark.parametrize("name", ["draft-chatbot", "high-risk-surveillance", "welfare-fraud-risk-scoring"])
def test_with_colours_removed_every_cell_still_names_its_rating_and_its_risks(name, library):
    context = context_of(name, library)
    picture = heatmap.layout(context)
    method = library.method
    texts = [w.text for w in picture.words]
    # Each of the 25 cells says its band in words, and each risk is named where it sits.
    for rating in method.ratings:
        cells = sum(1 for lk in range(1, 6) for i in range(1, 6) if method.rating_for(lk * i).id == rating.id)
        assert texts.count(rating.label) == cells, rating.label
    for rid in (r.id for r in context["risks"]):
        assert texts.count(rid) == 1, rid
    # In grey, every word still stands out from what is behind it (WCAG AA, 4.5 to 1).
    for words in picture.words:
        ratio = contrast(grey(words.fill), grey(behind(picture, words)))
        assert ratio >= 4.5, (words.text, ratio)
    # A red-flag risk is marked by its shape, not its colour: a dark box behind light words.
    for words in picture.words:
        if words.text in context["flagged"]:
            assert luminance(behind(picture, words)) < 0.05 and words.fill == heatmap.PAPER
        elif words.text in {r.id for r in context["risks"]}:
            assert words.fill == heatmap.INK
    assert any("red flag" in t for t in texts)  # the legend says what the dark box means
    assert context["flagged"]  # each of these examples has a risk a red flag forces


def test_the_png_is_the_same_picture(library):
    picture = heatmap.layout(context_of("draft-chatbot", library))
    image = Image.open(io.BytesIO(heatmap.png(picture, scale=2)))
    assert image.format == "PNG" and image.size == (picture.width * 2, picture.height * 2)
    # A cell's tint and a red flag's dark box are where the layout put them.
    box = next(b for b in picture.boxes if b.fill == heatmap.INK)
    assert image.getpixel((int(box.x * 2 + 2), int(box.y * 2 + 2))) == (11, 12, 12)
    cell = picture.boxes[0]
    centre = (int((cell.x + cell.width - 4) * 2), int((cell.y + cell.height - 4) * 2))
    assert "#{:02x}{:02x}{:02x}".format(*image.getpixel(centre)) == cell.fill


def test_user_text_in_the_picture_stays_text(library):
    scored = Scored.score(injected_document(library), library)
    text = scored.heatmap_svg()
    root = ET.fromstring(text.encode())
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= {"svg", "title", "desc", "rect", "text"}
    title = root.find(f"{SVG}title").text
    assert "<script>alert(1)</script>" in title and "\u202e" not in title
    assert "<script" not in text
    assert Image.open(io.BytesIO(scored.heatmap_png())).format == "PNG"
    assert PAYLOAD  # the corpus the register tests use
