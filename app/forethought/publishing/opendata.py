"""Open data about publications: an Atom feed of new and withdrawn versions, and an index of
every published risk as CSV and JSON, for the app (`web/public.py`) and the static site alike.

Everything here is made from listed rows (as `store.py` lists them, or `site.row` makes them from
documents) and the results the documents carry, and every piece of user text is escaped for where
it goes: XML by ElementTree (with the characters XML 1.0 cannot carry dropped), CSV cells guarded
against formulas by `escape.csv_cell`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator

from ..decisions import DECISIONS
from ..escape import csv_cell

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
# An Atom feed must say when it last changed; an empty one says the start of time.
_NEVER = "1970-01-01T00:00:00Z"
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def rfc3339(at: str | None) -> str:
    """A stored time as RFC 3339 in UTC; a time with no zone is taken as UTC."""
    try:
        moment = dt.datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except ValueError:
        return _NEVER
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: object) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _urn(*parts: object) -> str:
    """A urn:forethought: id; each part percent-encoded, so user text cannot change its shape."""
    return "urn:forethought:" + ":".join(urllib.parse.quote(str(p), safe="") for p in parts)


def feed_id(organisation: str | None = None) -> str:
    return _urn("feed", "published", *(("organisation", organisation) if organisation else ()))


def _element(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _entry(feed: ET.Element, event: dict, link: Callable[[str, int], str], rating_labels: dict[str, str]) -> None:
    """One publication or withdrawal of a version."""
    withdrawn = event["event"] == "withdrawn"
    title = event.get("title") or "Untitled assessment"
    entry = _element(feed, "entry")
    _element(entry, "id", _urn(event["event"], event["publication_id"], event["version"]))
    _element(entry, "title", f"{'Withdrawn' if withdrawn else 'Published'}: {title}, version {event['version']}")
    _element(entry, "updated", rfc3339(event["at"]))
    _element(entry, "published", rfc3339(event["at"]))
    author = _element(entry, "author")
    _element(author, "name", event.get("organisation") or "Unnamed organisation")
    _element(entry, "link", rel="alternate", type="text/html", href=link(event["publication_id"], event["version"]))
    if withdrawn:
        summary = f"Version {event['version']} was withdrawn, because: {event.get('withdrawn_reason') or ''}"
    else:
        rating = rating_labels.get(event.get("rating") or "", event.get("rating") or "not rated")
        decision = DECISIONS.get(event.get("decision") or "", "not given")
        summary = f"Rating if the unknowns go badly: {rating}. Decision: {decision}."
    _element(entry, "summary", summary, type="text")


def atom(
    events: Iterable[dict],
    *,
    organisation: str | None,
    self_url: str,
    index_url: str,
    link: Callable[[str, int], str],
    rating_labels: dict[str, str],
) -> str:
    """An Atom 1.0 feed of `events` (newest first, as `store.published_events` gives them)."""
    events = list(events)
    # Unqualified names under the root's default namespace: Atom's attributes have none.
    feed = ET.Element("feed", xmlns=ATOM)
    _element(feed, "id", feed_id(organisation))
    _element(feed, "title", f"Published assessments: {organisation}" if organisation else "Published assessments")
    _element(feed, "subtitle", "New and withdrawn versions of published risk assessments")
    _element(feed, "updated", max((rfc3339(e["at"]) for e in events), default=_NEVER))
    _element(feed, "link", rel="self", type=ATOM_TYPE, href=self_url)
    _element(feed, "link", rel="alternate", type="text/html", href=index_url)
    _element(feed, "generator", "Forethought")
    for event in events:
        _entry(feed, event, link, rating_labels)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def events_from_rows(rows: Iterable[dict], limit: int = 50) -> list[dict]:
    """The feed's events from every version's row (the static site has rows, not a store)."""
    events = [{"event": "published", "at": r["published_at"], **r} for r in rows]
    events += [{"event": "withdrawn", "at": r["withdrawn_at"], **r} for r in rows if r.get("withdrawn_at")]
    events.sort(key=lambda e: (e["publication_id"], -e["version"]))
    events.sort(key=lambda e: rfc3339(e["at"]), reverse=True)
    return events[:limit]


# --- Every published risk ---------------------------------------------------------------------

RISK_COLUMNS = [
    "publication_id",
    "version",
    "title",
    "organisation",
    "withdrawn",
    "bank",
    "risk_id",
    "risk_title",
    "inherent_rating",
    "inherent_rating_established",
    "residual_rating",
    "residual_rating_established",
    "target_rating",
    "target_rating_established",
    "red_flags",
    "open_red_flags",
]


def _established(risk: dict, stage: str) -> str | None:
    """A risk's rating on what the team has told us: "none" where it may not arise at all,
    None where the publication predates the two readings."""
    score = risk.get(f"established_{stage}")
    if score is None:
        return None
    return score.get("rating") if risk.get("established_applies", True) else "none"


def risk_rows(latest: Iterable[tuple[dict, dict]]) -> Iterator[dict]:
    """One row per risk of each latest version, from the result its document carries."""
    for listed, result in latest:
        for bank in result.get("banks", []):
            for risk in bank.get("risks", []):
                flags = risk.get("red_flags", [])
                yield {
                    "publication_id": listed["publication_id"],
                    "version": listed["version"],
                    "title": listed["title"],
                    "organisation": listed["organisation"],
                    "withdrawn": bool(listed.get("withdrawn_at")),
                    "bank": bank.get("id"),
                    "risk_id": risk.get("id"),
                    "risk_title": risk.get("title"),
                    **{
                        f"{stage}_rating{suffix}": value
                        for stage in ("inherent", "residual", "target")
                        for suffix, value in (
                            ("", (risk.get(stage) or {}).get("rating")),
                            ("_established", _established(risk, stage)),
                        )
                    },
                    "red_flags": [f["id"] for f in flags if not f.get("assumed")],
                    "open_red_flags": [f["id"] for f in flags if f.get("assumed")],
                }


def risks_csv(rows: Iterable[dict]) -> Iterator[str]:
    """The risk index as CSV, a piece at a time; every cell guarded against formulas."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RISK_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        flat = {**row, "red_flags": "; ".join(row["red_flags"]), "open_red_flags": "; ".join(row["open_red_flags"])}
        flat["withdrawn"] = "yes" if row["withdrawn"] else "no"
        writer.writerow({k: csv_cell(v) for k, v in flat.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def risks_json(rows: Iterable[dict]) -> Iterator[str]:
    """The risk index as one JSON array, a row at a time."""
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + "\n  " + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
