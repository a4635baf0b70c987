"""Publications and withdrawals made in the app are signed with the organisation's key, kept
beside the database; the public pages, the review page and the site say who signed."""

from __future__ import annotations

import io
import json

from forethought.publishing import signing, site, verify

from . import test_publishing
from .test_publishing import publish

aid = test_publishing.aid  # the same assessment fixture


def test_the_app_signs_what_it_publishes_with_a_key_beside_the_database(client_request, store, aid):
    keys = signing.keys_beside(store.path)
    assert keys.current() is None, "no key until something is published"
    url = publish(client_request, aid)
    key = keys.current()
    assert key and keys.folder.parent == store.path.parent and keys.folder != store.path
    document = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    assert document["signature"]["key"] == key["fingerprint"]
    assert verify.verify(document, trusted={key["fingerprint"]}).signature.trusted
    page = client_request.get(url)
    assert "Signed" in page.text and key["fingerprint"][7:23] in page.text
    listing = json.loads(client_request.client.get("/published/keys.json").get_data(as_text=True))
    assert [k["fingerprint"] for k in listing["keys"]] == [key["fingerprint"]]
    assert "PRIVATE" not in json.dumps(listing)


def test_a_withdrawal_in_the_app_is_signed(client_request, store, aid):
    url = publish(client_request, aid)
    client_request.post(f"/a/{aid}/published/1/withdraw", {"reason": "Superseded by the new contract"})
    document = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    assert document["withdrawal"]["signature"]["key"] == signing.keys_beside(store.path).current()["fingerprint"]
    report = verify.verify(document)
    assert report.ok and report.withdrawal_signature.status == "valid"


def test_the_review_page_and_the_site_say_when_a_key_is_not_theirs(client_request, store, aid, tmp_path):
    url = publish(client_request, aid)
    document = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    other = signing.Keys(tmp_path / "other")
    other.create("Someone else")
    forged = dict(document)
    from forethought.publishing import publish as publishing

    publishing.sign(forged, other)
    _, response = client_request.post(
        "/review/", {"file": (io.BytesIO(json.dumps(forged).encode()), "f.json")}, content_type="multipart/form-data"
    )
    page = client_request.get(response.headers["Location"])
    assert "Not signed by a key this site publishes" in page.text
    _, response = client_request.post(
        "/review/", {"file": (io.BytesIO(json.dumps(document).encode()), "d.json")}, content_type="multipart/form-data"
    )
    assert "one of the keys this site publishes" in client_request.get(response.headers["Location"]).text

    listing = signing.keys_beside(store.path).listing()
    site.build(
        tmp_path / "site",
        [site.Source.of(d) for d in (document, forged | {"publication": {**forged["publication"], "id": "other-one"}})],
        listing,
    )
    assert json.loads((tmp_path / "site" / "keys.json").read_text())["keys"] == listing["keys"]
    mine = (tmp_path / "site" / "p" / document["publication"]["id"] / "v1" / "index.html").read_text()
    assert "one of the keys this site publishes" in mine


def test_the_review_page_catches_a_copy_that_leaves_out_a_withdrawal(client_request, store, aid):
    """The copy someone kept from before the withdrawal is the original, byte for byte: the
    review page compares it with this site's own signed record of the version."""
    url = publish(client_request, aid)
    original = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    client_request.post(f"/a/{aid}/published/1/withdraw", {"reason": "Superseded by the new contract"})
    _, response = client_request.post(
        "/review/",
        {"file": (io.BytesIO(json.dumps(original).encode()), "kept.json")},
        content_type="multipart/form-data",
    )
    page = client_request.get(response.headers["Location"])
    assert "WITHDRAWN by the publisher on" in page.text and "leaves out the signed withdrawal" in page.text
    withdrawn = json.loads(client_request.client.get(url + ".json").get_data(as_text=True))
    _, response = client_request.post(
        "/review/",
        {"file": (io.BytesIO(json.dumps(withdrawn).encode()), "now.json")},
        content_type="multipart/form-data",
    )
    page = client_request.get(response.headers["Location"])
    assert "leaves out the signed withdrawal" not in page.text and "Withdrawn" in page.text
