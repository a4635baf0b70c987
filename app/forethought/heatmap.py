"""The heat map as a picture: one layout, drawn as SVG by our own template and as PNG by Pillow.

`layout(context)` places every box and every word of the picture from the
register's context (`register.context`): a row for each likelihood, a column
for each impact, each cell coloured by its rating band and naming that band
and the risks in it. A risk whose rating a red flag forces is drawn as a dark
badge, and the legend says what that means. Every meaning is carried by words
as well as colour, so the picture reads in black and white, and the SVG's
`<title>` and `<desc>` say it all to a screen reader.

`svg(picture)` writes it through `reports/heatmap.svg.j2` (no JavaScript, no
plotting library); `png(picture)` draws the same shapes with Pillow, for Word,
slides and business cases, which want a raster image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

import jinja2

from . import escape, resources
from .method import ScoringMethod

# Light tints, lowest band first, so dark text reads on every one of them.
# A method with other than four bands takes evenly spaced tints from these.
TINTS = ["#cce2d8", "#fff2b3", "#fcd6b5", "#f4c2c2"]
INK = "#0b0c0c"
PAPER = "#ffffff"
LINE = "#505a5f"

FONT = 13
SMALL = 12
MARGIN = 16
LABEL_WIDTH = 150
CELL_WIDTH = 170
HEADER_HEIGHT = 40
TITLE_HEIGHT = 30
BADGE_WIDTH = 50
BADGE_HEIGHT = 20
PER_LINE = 3  # risk ids on one line of a cell
LINE_HEIGHT = 23


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str = ""


@dataclass(frozen=True)
class Words:
    x: float
    y: float  # the baseline
    text: str
    size: int = FONT
    bold: bool = False
    fill: str = INK


@dataclass
class Picture:
    title: str
    description: str
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    words: list[Words] = field(default_factory=list)


def tints(method: ScoringMethod) -> dict[str, str]:
    """Each rating band's tint, by its place from lowest to highest."""
    n = len(method.ratings)
    picks = [TINTS[round(i * (len(TINTS) - 1) / max(n - 1, 1))] for i in range(n)]
    return {rating.id: picks[i] for i, rating in enumerate(method.ratings)}


def _cell_lines(count: int) -> int:
    return max(1, -(-count // PER_LINE))


def layout(context: dict) -> Picture:
    """The heat map of a register's context, every shape and word placed."""
    method: ScoringMethod = context["method"]
    heat: dict = context["heat"]
    flagged: set = context["flagged"]
    colour = tints(method)
    levels = [5, 4, 3, 2, 1]
    heights = {lk: 28 + LINE_HEIGHT * max(_cell_lines(len(heat[(lk, i)])) for i in range(1, 6)) + 6 for lk in levels}
    width = MARGIN * 2 + LABEL_WIDTH + 5 * CELL_WIDTH
    picture = Picture(title="", description="", width=width, height=0)
    title = escape.visible(f"Heat map: {context['title']}")
    picture.title = title
    # The picture's own heading fits its width; the <title> keeps the whole name.
    shown = title if len(title) <= 90 else title[:88].rstrip() + "…"
    picture.words.append(Words(MARGIN, MARGIN + 18, shown, size=16, bold=True))
    top = MARGIN + TITLE_HEIGHT
    left = MARGIN + LABEL_WIDTH
    picture.words.append(Words(MARGIN, top + 17, "Likelihood (rows)", size=SMALL, bold=True))
    picture.words.append(Words(MARGIN, top + 33, "by impact (columns)", size=SMALL, bold=True))
    for i in range(1, 6):
        x = left + (i - 1) * CELL_WIDTH + 8
        picture.words.append(Words(x, top + 17, f"Impact {i}", size=SMALL, bold=True))
        picture.words.append(Words(x, top + 33, method.impact[i - 1].label, size=SMALL))
    y = top + HEADER_HEIGHT
    for lk in levels:
        height = heights[lk]
        picture.words.append(Words(MARGIN, y + 20, f"Likelihood {lk}", size=SMALL, bold=True))
        picture.words.append(Words(MARGIN, y + 36, method.likelihood[lk - 1].label, size=SMALL))
        for i in range(1, 6):
            _cell(picture, method, colour, heat[(lk, i)], flagged, left + (i - 1) * CELL_WIDTH, y, height, lk * i)
        y += height
    bottom = _legend(picture, method, colour, y + 14, bool(flagged))
    picture.height = int(bottom + MARGIN)
    picture.description = description(context)
    return picture


def _cell(picture: Picture, method, colour, risk_ids, flagged, x, y, height, score) -> None:
    band = method.rating_for(score)
    picture.boxes.append(Box(x, y, CELL_WIDTH, height, colour[band.id], LINE))
    picture.words.append(Words(x + 8, y + 19, band.label, size=SMALL, bold=True))
    for n, rid in enumerate(risk_ids):
        bx = x + 8 + (n % PER_LINE) * (BADGE_WIDTH + 4)
        by = y + 28 + (n // PER_LINE) * LINE_HEIGHT
        if rid in flagged:
            picture.boxes.append(Box(bx - 3, by, BADGE_WIDTH, BADGE_HEIGHT, INK))
            picture.words.append(Words(bx, by + 15, rid, size=SMALL, bold=True, fill=PAPER))
        else:
            picture.words.append(Words(bx, by + 15, rid, size=SMALL))


def _legend(picture: Picture, method, colour, y, any_flagged: bool) -> float:
    x = MARGIN
    picture.words.append(Words(x, y + 14, "Key:", size=SMALL, bold=True))
    x += 40
    for rating in method.ratings:
        picture.boxes.append(Box(x, y, 22, 18, colour[rating.id], LINE))
        text = f"{rating.label} ({rating.min} to {rating.max})"
        picture.words.append(Words(x + 28, y + 14, text, size=SMALL))
        x += 28 + 8 * len(text) + 14
    y += 28
    picture.boxes.append(Box(MARGIN + 37, y, BADGE_WIDTH, BADGE_HEIGHT, INK))
    picture.words.append(Words(MARGIN + 40, y + 15, "ID", size=SMALL, bold=True, fill=PAPER))
    note = f"A risk in a dark box has a red flag: it is rated {method.top.label} whatever its cell."
    if not any_flagged:
        note += " No risk has one."
    picture.words.append(Words(MARGIN + 40 + BADGE_WIDTH + 6, y + 15, note, size=SMALL))
    return y + BADGE_HEIGHT


def description(context: dict) -> str:
    """The picture in words: every cell that holds a risk, highest likelihood first."""
    method: ScoringMethod = context["method"]
    heat, flagged = context["heat"], context["flagged"]
    count = sum(len(v) for v in heat.values())
    parts = [
        f"Residual likelihood (rows, 1 {method.likelihood[0].label} to 5 {method.likelihood[4].label}) "
        f"by impact (columns, 1 {method.impact[0].label} to 5 {method.impact[4].label}) "
        f"for {count} {'risk' if count == 1 else 'risks'}."
    ]
    for lk in (5, 4, 3, 2, 1):
        for i in range(1, 6):
            if heat[(lk, i)]:
                names = ", ".join(
                    f"{rid} (red flag: {method.top.label})" if rid in flagged else rid for rid in heat[(lk, i)]
                )
                parts.append(
                    f"Likelihood {lk} {method.likelihood[lk - 1].label}, impact {i} {method.impact[i - 1].label}, "
                    f"{method.rating_for(lk * i).label}: {names}."
                )
    if count:
        parts.append("Other cells are empty.")
    return " ".join(parts)


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    # XML, so every value is escaped as it is for HTML.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.reports_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def svg(picture: Picture, id_prefix: str = "heatmap", standalone: bool = False) -> str:
    """The picture as SVG, to put inside a page or, `standalone`, to save as a file."""
    text = _templates().get_template("heatmap.svg.j2").render(p=picture, prefix=id_prefix)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text) if standalone else text


def png(picture: Picture, scale: int = 2) -> bytes:
    """The picture as a PNG drawn by Pillow, `scale` pixels to each SVG unit."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (picture.width * scale, picture.height * scale), PAPER)
    draw = ImageDraw.Draw(image)
    for box in picture.boxes:
        corners = [box.x * scale, box.y * scale, (box.x + box.width) * scale, (box.y + box.height) * scale]
        draw.rectangle(corners, fill=box.fill, outline=box.stroke or None, width=scale if box.stroke else 0)
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
    for w in picture.words:
        font = fonts.setdefault(w.size, ImageFont.load_default(size=w.size * scale))
        # Pillow's built-in font has one weight: a thin stroke in the same ink stands in for bold.
        draw.text(
            (w.x * scale, w.y * scale),
            w.text,
            fill=w.fill,
            font=font,
            anchor="ls",
            stroke_width=1 if w.bold else 0,
            stroke_fill=w.fill,
        )
    out = io.BytesIO()
    # No optimize pass: it spends three times the drawing and encoding for 2% fewer bytes.
    image.save(out, "PNG")
    return out.getvalue()
