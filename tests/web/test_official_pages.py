"""The review page shows whether a publication used the official rules, as verify does."""

from __future__ import annotations

import io
import json

import pytest

from forethought import documents

from ..test_official import WELFARE, bundled_definitions, forged_bands, publish_with


@pytest.fixture
def welfare(library):
    return documents.load(WELFARE, library)


def test_the_review_page_shows_the_same_verdict(client_request, welfare):
    forged = json.dumps(forged_bands(welfare)).encode()
    _, response = client_request.post(
        "/review/", {"file": (io.BytesIO(forged), "forged.json")}, content_type="multipart/form-data"
    )
    page = client_request.get(response.headers["Location"])
    assert "The scores check out." in page.text, "consistent with itself"
    banner = page.select_one(".ft-banner--error")
    assert banner and "Not scored with the official rules" in banner.text
    assert "NOT an official release: the scoring method" in banner.text and "ratings differ" in banner.text
    honest = json.dumps(publish_with(bundled_definitions(), welfare)).encode()
    _, response = client_request.post(
        "/review/", {"file": (io.BytesIO(honest), "honest.json")}, content_type="multipart/form-data"
    )
    page = client_request.get(response.headers["Location"])
    assert "Official rules:" in page.text and "Not scored with the official rules" not in page.text
