"""Dates as people enter and read them: three boxes (day, month, year) in, "1 April 2027" out.

Stored dates stay ISO (2027-04-01). What a person types is read generously: a month as a
number or a name ("4", "Apr", "April"), and a date typed into one box as 1/4/2027, 1-4-2027,
1 April 2027 or 2027-04-01, so nothing a person would write is refused for its form alone."""

from __future__ import annotations

import datetime as dt
import re

PARTS = ("day", "month", "year")
_MONTH_NAMES = "january february march april may june july august september october november december".split()
MONTHS = {name: n for n, name in enumerate(_MONTH_NAMES, 1)} | {name[:3]: n for n, name in enumerate(_MONTH_NAMES, 1)}
MONTHS["sept"] = 9
EARLIEST, LATEST = 1900, 2200


def _month(text: str) -> int | None:
    text = text.strip().lower().rstrip(".")
    if text.isdigit():
        return int(text)
    return MONTHS.get(text)


def from_parts(parts: dict[str, str]) -> tuple[str | None, str | None]:
    """(the ISO date, None); (None, None) when every box is empty; or (None, what is wrong)."""
    parts = {p: (parts.get(p) or "").strip() for p in PARTS}
    if not any(parts.values()):
        return None, None
    missing = [p for p in PARTS if not parts[p]]
    if missing:
        return None, f"Date must include a {' and a '.join(missing)}"
    month = _month(parts["month"])
    if not (parts["day"].isdigit() and parts["year"].isdigit() and month):
        return None, "Date must be a real date, like 27 3 2027"
    year = int(parts["year"])
    if not EARLIEST <= year <= LATEST:
        return None, f"Year must be between {EARLIEST} and {LATEST}, like 2027"
    try:
        return dt.date(year, month, int(parts["day"])).isoformat(), None
    except ValueError:
        return None, "Date must be a real date, like 27 3 2027"


def parts_of(iso: str | None) -> dict[str, str]:
    """A stored ISO date as the three boxes show it (empty boxes for none or nonsense)."""
    try:
        d = dt.date.fromisoformat((iso or "").strip())
    except ValueError:
        return dict.fromkeys(PARTS, "")
    return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}


def typed(text: str) -> dict[str, str] | None:
    """A date typed into one box, split into its three parts; None if it has not three."""
    text = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        return {"year": iso[1], "month": iso[2], "day": iso[3]}
    pieces = [p for p in re.split(r"[\s/.,-]+", text) if p]
    return dict(zip(PARTS, pieces, strict=True)) if len(pieces) == 3 else None


def read(parts: dict[str, str] | None) -> tuple[str | None, str | None]:
    """`from_parts`, and a date that could not be split into three parts is not a real date."""
    if parts is None:
        return None, "Date must be a real date, like 27 3 2027"
    return from_parts(parts)


def long_date(iso: str | None) -> str:
    """ "2027-04-01" as "1 April 2027"; anything else as it is."""
    if not iso:
        return ""
    try:
        d = dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{d.day} {_MONTH_NAMES[d.month - 1].capitalize()} {d.year}"
