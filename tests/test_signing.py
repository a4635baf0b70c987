"""Publications and withdrawals are signed with the organisation's key, and verify says what the
signature proves. Each forgery is made as an attacker would: change the file, recompute every
hash, and keep the old signature or sign again with a key of their own."""

from __future__ import annotations

import copy
import json
import stat

import pytest
from click.testing import CliRunner

from forethought import documents
from forethought.cli import cli
from forethought.publishing import publish, signing, verify

from .conftest import ROOT

SIGN_OFF = {"name": "Sam Patel", "role": "Director of Place", "date": "2026-11-30", "decision": "proceed"}
EXAMPLE = ROOT / "examples" / "cctv-upgrade.json"


@pytest.fixture
def keys(tmp_path):
    keys = signing.Keys(tmp_path / "keys")
    keys.create("Anytown Council", today="2026-11-01")
    return keys


@pytest.fixture
def doc(library):
    return documents.load(EXAMPLE, library)


def make(doc, library, keys, version=1, previous=None, series="series-1") -> dict:
    return publish.publish(
        doc,
        library,
        sign_off=SIGN_OFF,
        redactions=[],
        series=series,
        version=version,
        published_at=f"2026-12-0{version}T09:00:00+00:00",
        previous_content_hash=previous,
        keys=keys,
    )


def run_verify(tmp_path, published, *args) -> tuple[int, str]:
    path = tmp_path / f"check-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(published), encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify", str(path), *map(str, args)])
    return result.exit_code, result.output


def favourable(doc: dict, library) -> dict:
    """Every choice answered with the option that scores least: the attacker's edit."""
    changed = copy.deepcopy(doc)
    for bank in library.banks:
        for risk in bank.risks:
            for driver in (*risk.likelihood.drivers, *risk.impact.drivers):
                where = library.questions[driver.question].bank_id
                record = changed["banks"].get(where, {}).get("answers", {}).get(driver.question)
                if record and isinstance(record.get("value"), str) and driver.points:
                    record["value"] = min(driver.points, key=driver.points.get)
    return changed


def test_a_signed_publication_names_its_key_and_trusts_only_the_keys_given(tmp_path, doc, library, keys):
    published = make(doc, library, keys)
    fp = keys.current()["fingerprint"]
    assert published["signature"]["key"] == fp and published["signature"]["organisation"] == "Anytown Council"
    assert verify.verify(published).ok
    code, out = run_verify(tmp_path, published)
    assert code == 0 and "Check that fingerprint" in out and fp in out
    code, out = run_verify(tmp_path, published, "--key", fp)
    assert code == 0 and "Signed by Anytown Council's key" in out and "a key you trust" in out
    code, out = run_verify(tmp_path, published, "--key", signing.short(fp))
    assert code == 0, "the short form people read aloud is accepted"
    code, out = run_verify(tmp_path, published, "--keys", keys.listing_path)
    assert code == 0
    other = signing.Keys(tmp_path / "other")
    other.create("Someone else")
    code, out = run_verify(tmp_path, published, "--keys", other.listing_path)
    assert code == 1 and "not signed by a key you trust" in out


def test_favourable_answers_with_every_hash_recomputed_are_caught(tmp_path, doc, library, keys):
    honest = make(doc, library, keys)
    forged_doc = favourable(doc, library)
    assert forged_doc != doc
    attacker = signing.Keys(tmp_path / "attacker")
    attacker.create("Anytown Council")  # the attacker may claim any name
    forged = make(forged_doc, library, attacker)
    assert forged["result"] != honest["result"]
    # Keeping the organisation's signature on the new content: it no longer matches.
    kept = {**forged, "signature": honest["signature"]}
    report = verify.verify(kept)
    assert not report.ok and report.signature.status == "invalid"
    code, out = run_verify(tmp_path, kept)
    assert code == 1 and "signature does NOT match" in out
    # Signing again with the attacker's key: consistent, but not by a key the reader trusts.
    code, out = run_verify(tmp_path, forged, "--key", keys.current()["fingerprint"])
    assert code == 1 and "not signed by a key you trust" in out


def test_an_unsigned_file_says_so(tmp_path):
    code, out = run_verify(tmp_path, json.loads((ROOT / "examples" / "published" / "cctv-upgrade.v1.json").read_text()))
    assert code == 0 and "Not signed: anyone could have made this file." in out
    code, out = run_verify(
        tmp_path, json.loads((ROOT / "examples" / "published" / "cctv-upgrade.v1.json").read_text()), "--key", "ab" * 32
    )
    assert code == 1, "naming a key you trust makes an unsigned file fail"


def test_withdrawals_are_signed_and_an_added_or_edited_one_is_caught(tmp_path, doc, library, keys):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(make(doc, library, keys)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["withdraw", str(path), "--reason", "Superseded", "--keys-dir", keys.folder])
    assert result.exit_code == 0, result.output
    withdrawn = json.loads(path.read_text())
    assert withdrawn["withdrawal"]["signature"]["key"] == keys.current()["fingerprint"]
    report = verify.verify(withdrawn)
    assert report.ok and report.withdrawal_signature.status == "valid"
    code, out = run_verify(tmp_path, withdrawn, "--key", keys.current()["fingerprint"])
    assert code == 0 and "Withdrawn on" in out and "Superseded" in out

    edited = copy.deepcopy(withdrawn)
    edited["withdrawal"]["reason"] = "A reason the organisation never gave"
    assert run_verify(tmp_path, edited)[0] == 1

    added = make(doc, library, keys, series="series-2")
    added["withdrawal"] = {"withdrawn_at": "2026-12-05T10:00:00+00:00", "reason": "Withdrawn by nobody"}
    code, out = run_verify(tmp_path, added)
    assert code == 1 and "it was added by someone else" in out


def test_a_withdrawal_left_out_of_a_copy_is_caught_against_the_publishers_files(tmp_path, doc, library, keys):
    """The copy without its withdrawal is the original file, byte for byte: only the publisher's
    other files (its site, say) can show it. Verify and the site both take the signed withdrawal."""
    original = make(doc, library, keys)
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(original), encoding="utf-8")
    result = CliRunner().invoke(cli, ["withdraw", str(path), "--reason", "Superseded", "--keys-dir", keys.folder])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "publisher"
    folder.mkdir()
    (folder / "copy.json").write_text(json.dumps(original), encoding="utf-8")  # a copy someone kept from before
    (folder / "v1.json").write_text(path.read_text(), encoding="utf-8")
    built = CliRunner().invoke(cli, ["site", str(tmp_path / "site"), "--from", str(folder)])
    assert built.exit_code == 0, built.output
    index = json.loads((tmp_path / "site" / "index.json").read_text())
    assert [e["withdrawn"] for e in index] == [True]

    # The original on its own checks out; against the publisher's site it does not.
    fingerprint = keys.current()["fingerprint"]
    assert run_verify(tmp_path, original, "--key", fingerprint)[0] == 0
    code, out = run_verify(tmp_path, original, "--key", fingerprint, "--previous", tmp_path / "site")
    assert code == 1 and "WITHDRAWN by the publisher on" in out and "(Superseded)" in out, out
    # Anyone can write a withdrawal; an unsigned one proves nothing about the publisher.
    fake = copy.deepcopy(original) | {"withdrawal": {"withdrawn_at": "2026-12-09T09:00:00+00:00", "reason": "Fake"}}
    assert verify.withdrawals_left_out(original, [fake]) == []
    withdrawn = json.loads(path.read_text())
    assert run_verify(tmp_path, withdrawn, "--key", fingerprint, "--previous", tmp_path / "site")[0] == 0


def test_the_chain_of_versions_is_checked(tmp_path, doc, library, keys):
    one = make(doc, library, keys)
    two = make(doc, library, keys, version=2, previous=one["integrity"]["content_hash"])
    (tmp_path / "earlier").mkdir()
    (tmp_path / "earlier" / "v1.json").write_text(json.dumps(one), encoding="utf-8")
    code, out = run_verify(tmp_path, two, "--previous", tmp_path / "earlier")
    assert code == 0, out
    other = make(doc, library, keys, series="elsewhere")
    broken = make(doc, library, keys, version=2, previous=other["integrity"]["content_hash"])
    code, out = run_verify(tmp_path, broken, "--previous", tmp_path / "earlier" / "v1.json")
    assert code == 1 and "version 2 does not follow version 1" in out
    three = make(doc, library, keys, version=3, previous=two["integrity"]["content_hash"])
    assert verify.chain_problems([one, three]) == [
        "series-1: version 3 follows version 1; a version in between is missing"
    ]


def test_rotation_keeps_old_keys_listed_and_private_keys_private(keys, doc, library):
    old = keys.current()
    signed_before = make(doc, library, keys)
    new = keys.create("Anytown Council", today="2026-12-02")
    listing = keys.listing()
    assert [k["fingerprint"] for k in listing["keys"]] == [old["fingerprint"], new["fingerprint"]]
    assert listing["keys"][0]["retired"] == "2026-12-02" and listing["keys"][1]["retired"] is None
    assert make(doc, library, keys, series="series-2")["signature"]["key"] == new["fingerprint"]
    trusted = signing.trusted_from((), [listing])
    assert verify.verify(signed_before, trusted=trusted).signature.trusted, "an old key still checks what it signed"
    for pem in keys.folder.glob("*.pem"):
        assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert "PRIVATE" not in keys.listing_path.read_text()


def test_the_keys_commands(tmp_path):
    folder = tmp_path / "k"

    def invoke(*args):
        return CliRunner().invoke(cli, ["keys", *args, "--keys-dir", str(folder)])

    assert invoke("show").exit_code == 1
    assert invoke("rotate").exit_code == 1
    made = invoke("create", "--organisation", "Anytown Council")
    assert made.exit_code == 0 and "sha256:" in made.output
    assert invoke("create", "--organisation", "Again").exit_code == 1
    assert invoke("rotate").exit_code == 0
    shown = json.loads(invoke("show").output)
    assert shown["organisation"] == "Anytown Council" and len(shown["keys"]) == 2


def test_the_site_warns_of_a_broken_chain(tmp_path, doc, library, keys):
    one = make(doc, library, keys)
    elsewhere = make(doc, library, keys, series="elsewhere")
    two = make(doc, library, keys, version=2, previous=elsewhere["integrity"]["content_hash"])
    folder = tmp_path / "files"
    folder.mkdir()
    for name, document in (("v1", one), ("v2", two)):
        (folder / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "site"), "--from", str(folder)])
    assert result.exit_code == 0, result.output
    assert "the chain of versions is broken: series-1: version 2 does not follow version 1" in result.output


def test_a_keys_file_that_is_not_one_gets_a_clear_message(tmp_path):
    published = json.loads((ROOT / "examples" / "published" / "cctv-upgrade.v1.json").read_text())
    for text, words in (
        ("[1, 2]", 'a JSON object with a "keys" list'),
        ('{"keys": [{"public_key": "x"}]}', 'each key needs a "fingerprint"'),
    ):
        bad = tmp_path / "keys.json"
        bad.write_text(text, encoding="utf-8")
        code, out = run_verify(tmp_path, published, "--keys", bad)
        assert code == 1 and words in out and "Traceback" not in out, out
