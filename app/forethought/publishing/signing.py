"""Signing publications and withdrawals with an organisation's key.

A content hash proves a file is consistent with itself, not who made it: anyone can change a file
and recompute its hashes. So each publication, and each withdrawal, is signed with the
organisation's Ed25519 key, through the `cryptography` library (no cryptography of our own). The
public keys are published beside the publications (`keys.json`, with each key's dates, old keys
kept when a key is rotated), so a reader can check a signature against a key they trust.

The private keys live in a folder of their own (by default beside the database, never inside it),
so exporting or sharing the database never shares the key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..canonical import canonical
from ..problems import Problem

ALGORITHM = "Ed25519"
KEYS_FILE = "keys.json"
# What a signature covers is said in the signed bytes themselves, so a signature on a
# publication can never be passed off as one on a withdrawal.
PUBLICATION = b"forethought publication 1\n"
WITHDRAWAL = b"forethought withdrawal 1\n"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_key: str) -> str:
    """A key's fingerprint: "sha256:" and the hex SHA-256 of its 32 raw bytes."""
    return "sha256:" + hashlib.sha256(base64.b64decode(public_key)).hexdigest()


def short(fingerprint_: str) -> str:
    """The part of a fingerprint people read aloud and compare: 16 hex digits in fours."""
    digits = fingerprint_.removeprefix("sha256:")[:16]
    return " ".join(digits[i : i + 4] for i in range(0, 16, 4))


def publication_message(content_hash: str) -> bytes:
    return PUBLICATION + content_hash.encode("ascii")


def withdrawal_message(content_hash: str, withdrawn_at: str, reason: str) -> bytes:
    return WITHDRAWAL + canonical({"content_hash": content_hash, "withdrawn_at": withdrawn_at, "reason": reason})


class Keys:
    """An organisation's signing keys in a folder: the private keys, one file each, readable by
    this user only, and `keys.json`, the public listing to publish."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @property
    def listing_path(self) -> Path:
        return self.folder / KEYS_FILE

    def listing(self) -> dict:
        """The public listing: {"organisation", "keys": [{fingerprint, public_key, created, retired}]}."""
        if not self.listing_path.exists():
            return {"organisation": None, "keys": []}
        return json.loads(self.listing_path.read_text(encoding="utf-8"))

    def current(self) -> dict | None:
        """The key that signs now: the newest one not retired."""
        live = [k for k in self.listing()["keys"] if not k.get("retired")]
        return live[-1] if live else None

    def create(self, organisation: str, today: str | None = None) -> dict:
        """A new key, which becomes the current one; an earlier key is retired today, and stays
        listed so what it signed can still be checked."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        today = today or dt.date.today().isoformat()
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        entry = {"fingerprint": fingerprint(_b64(raw)), "public_key": _b64(raw), "created": today, "retired": None}
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._private_path(entry["fingerprint"])
        # Created readable by this user only, before any byte of the key is written.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as f:
            f.write(pem)
        listing = self.listing()
        for key in listing["keys"]:
            key["retired"] = key.get("retired") or today
        listing["organisation"] = listing.get("organisation") or organisation
        listing["keys"].append(entry)
        self._write_listing(listing)
        return entry

    def current_or_new(self, organisation: str) -> dict:
        """The current key, made first if there is none (on an organisation's first publication)."""
        return self.current() or self.create(organisation)

    def sign(self, message: bytes) -> dict:
        """A signature block for `message` with the current key."""
        from cryptography.hazmat.primitives import serialization

        key = self.current()
        if key is None:
            raise LookupError(f"there is no signing key in {self.folder}")
        private = serialization.load_pem_private_key(self._private_path(key["fingerprint"]).read_bytes(), None)
        return {
            "algorithm": ALGORITHM,
            "key": key["fingerprint"],
            "public_key": key["public_key"],
            "organisation": self.listing()["organisation"],
            "value": _b64(private.sign(message)),  # type: ignore[call-arg, union-attr]
        }

    def fingerprints(self) -> set[str]:
        return {k["fingerprint"] for k in self.listing()["keys"]}

    def _private_path(self, fingerprint_: str) -> Path:
        return self.folder / (fingerprint_.removeprefix("sha256:") + ".pem")

    def _write_listing(self, listing: dict) -> None:
        temporary = self.listing_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        temporary.replace(self.listing_path)


def keys_beside(db_path: Path) -> Keys:
    """The signing keys for a database: a folder beside it, never inside it."""
    return Keys(Path(db_path).parent / "signing-keys")


@dataclass(frozen=True)
class Signature:
    """What a signature proves: `status` is "valid", "invalid" or "unsigned"; `trusted` says
    whether its key is one the reader trusts (None when the reader named no key)."""

    status: str
    key: str | None = None
    organisation: str | None = None
    trusted: bool | None = None

    @property
    def text(self) -> str:
        if self.status == "unsigned":
            return "Not signed: anyone could have made this file."
        if self.status == "invalid":
            return "The signature does NOT match this file: it was changed after it was signed, or forged."
        who = f"{self.organisation}'s key" if self.organisation else "a key"
        signed = f"signed by {who} {short(self.key or '')}"
        if self.trusted:
            return f"Signed by {who} {short(self.key or '')}, a key you trust."
        if self.trusted is None:
            return (
                f"Consistent with itself and {signed}. Check that fingerprint ({self.key}) against the "
                "keys the organisation publishes before you rely on it."
            )
        return f"Consistent with itself but not signed by a key you trust: {signed}."

    def to_dict(self) -> dict:
        return {**self.__dict__, "text": self.text}


def check(block: Any, message: bytes, trusted: set[str] | None) -> Signature:
    """Check a signature block over `message`; `trusted` is the set of fingerprints the reader
    trusts, or None if they named none."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(block, dict):
        return Signature("unsigned")
    try:
        public = base64.b64decode(block["public_key"], validate=True)
        key = fingerprint(block["public_key"])
        Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(block["value"], validate=True), message)
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return Signature("invalid", block.get("key"), block.get("organisation"), False if trusted is not None else None)
    if block.get("key") != key:
        return Signature("invalid", block.get("key"), block.get("organisation"), False if trusted is not None else None)
    return Signature("valid", key, block.get("organisation"), None if trusted is None else is_trusted(key, trusted))


def check_publication(published: dict, trusted: set[str] | None) -> Signature:
    return check(published.get("signature"), publication_message(published["integrity"]["content_hash"]), trusted)


def check_withdrawal(published: dict, trusted: set[str] | None) -> Signature | None:
    """The withdrawal's signature, or None if the file is not withdrawn."""
    withdrawal = published.get("withdrawal")
    if not withdrawal:
        return None
    message = withdrawal_message(
        published["integrity"]["content_hash"], str(withdrawal.get("withdrawn_at")), str(withdrawal.get("reason"))
    )
    return check(withdrawal.get("signature"), message, trusted)


def listing_problems(data: Any, name: str) -> list[Problem]:
    """Why `data` is not a keys listing (keys.json), or nothing: an object whose "keys" list holds
    an object with a "fingerprint" for each key."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        return [Problem(name, "", 'a keys file is a JSON object with a "keys" list, like /published/keys.json')]
    return [
        Problem(name, f"/keys/{i}/fingerprint", 'each key needs a "fingerprint" like sha256:1a2b…')
        for i, key in enumerate(data["keys"])
        if not isinstance(key, dict) or not re.fullmatch(r"sha256:[0-9a-f]{64}", str(key.get("fingerprint")))
    ]


def trusted_from(fingerprints: tuple[str, ...], listings: list[dict]) -> set[str] | None:
    """The fingerprints a reader trusts: those they typed (full, or the short form) and those
    in the keys files they gave; None if they gave none."""
    if not fingerprints and not listings:
        return None
    out = {k["fingerprint"] for listing in listings for k in listing.get("keys", [])}
    for typed in fingerprints:
        compact = typed.replace(" ", "").lower().removeprefix("sha256:")
        out.add("sha256:" + compact if len(compact) == 64 else "short:" + compact)
    return out


def is_trusted(key: str, trusted: set[str]) -> bool:
    """A full fingerprint in the set, or its first 16 digits typed in short form."""
    return key in trusted or "short:" + key.removeprefix("sha256:")[:16] in trusted
