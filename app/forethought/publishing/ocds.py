"""Each published version as Open Contracting Data Standard (OCDS 1.1) data.

Councils and departments publish their contracting data as OCDS releases, each joined to its
contracting process by an ocid. A published assessment names its procurement's ocids in the
profile (PR-06), so each version becomes one release per ocid, tagged `planning`, whose
`planning.documents` lists the risk register (the version page and its JSON) with the
documentType `riskProvisions`, "provisions for management of risks and liabilities". A data user
who merges these with the buyer's own releases finds the risk assessment beside the tender.

A version whose ocids are withheld or not given has no OCDS data: there is nothing to join it to.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import documents
from . import opendata

# The release's id says who made it, so it never collides with the buyer's own release ids.
ID_PREFIX = "forethought"
OCDS_VERSION = "1.1"


def ocids(published: dict) -> list[str]:
    """The ocids the version's profile gives, in order, once each."""
    answer = documents.about(published["assessment"], "ocids")
    values = answer if isinstance(answer, list) else []
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v.startswith("ocds-")))


def releases(published: dict, page_url: str, json_url: str, rating_labels: dict[str, str]) -> list[dict]:
    """One OCDS release per ocid: the version's risk register as planning documents."""
    publication = published["publication"]
    name = f"{publication['id']}-v{publication['version']}"
    at = opendata.rfc3339(publication["published_at"])
    title = published.get("title") or "Untitled assessment"
    rating = rating_labels.get(published["result"]["overall"].get("rating") or "", "not rated")
    description = (
        f"{published.get('organisation') or 'The buyer'}'s assessment of what could go wrong for the public, "
        f"version {publication['version']}, with a risk register and its mitigations. "
        f"Overall rating with mitigations in place: {rating}. "
        f"Content hash {published['integrity']['content_hash']}."
    )
    withdrawal = published.get("withdrawal")
    if withdrawal:
        description += f" Withdrawn on {str(withdrawal['withdrawn_at'])[:10]}: {withdrawal['reason']}"
    modified = {"dateModified": opendata.rfc3339(withdrawal["withdrawn_at"])} if withdrawal else {}
    files = [
        ("register", "Risk register", page_url, "text/html"),
        ("json", "Risk register data", json_url, "application/json"),
    ]
    planning_documents = [
        {
            "id": f"{name}-{suffix}",
            "documentType": "riskProvisions",
            "title": f"{label}: {title}",
            "description": description,
            "url": url,
            "datePublished": at,
            **modified,
            "format": media_type,
            "language": "en",
        }
        for suffix, label, url, media_type in files
    ]
    return [
        {
            "ocid": ocid,
            "id": f"{ID_PREFIX}-{name}",
            "date": modified.get("dateModified", at),
            "tag": ["planning"],
            "initiationType": "tender",
            "language": "en",
            "planning": {"documents": planning_documents},
        }
        for ocid in ocids(published)
    ]


def package(
    published: dict, *, package_url: str, link: Callable[[str], str], rating_labels: dict[str, str]
) -> dict | None:
    """The version's releases as an OCDS release package, or None if it names no ocid. `link`
    turns "html" or "json" into the address of the version's page or file."""
    found = releases(published, link("html"), link("json"), rating_labels)
    if not found:
        return None
    return {
        "uri": package_url,
        "version": OCDS_VERSION,
        "publishedDate": found[0]["date"],
        "publisher": {"name": published.get("organisation") or "Unnamed organisation"},
        "releases": found,
    }
