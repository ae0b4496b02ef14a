"""Ed25519 signing keys and signed documents.

Keys live in ``REVALUE_SECRETS_DIR`` as ``certificate-<key id>.key`` (PEM, owner-only), made
at first use; key ids sort by creation, and the newest signs. Rotating makes a new key; the
old ones stay, so every certificate they signed still verifies against the published key list.

A signed document is ``{"certificate": {...}, "signature": {"alg", "key_id", "value"}}``; the
signature covers the canonical JSON of ``certificate``: keys sorted, no spaces, UTF-8.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from revalue import keyring

ALG = "Ed25519"
PREFIX = "certificate-"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _generate() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _key_ids(directory: Path) -> list[str]:
    if not directory.exists():
        return []
    return sorted(p.stem.removeprefix(PREFIX) for p in directory.glob(f"{PREFIX}*.key"))


def key_id_for(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def rotate(directory: str | Path, now: datetime) -> str:
    """A new signing key; the id of the key that signs from now on."""
    kid = key_id_for(now)
    keyring.key(directory, f"{PREFIX}{kid}", _generate)
    return kid


def active(directory: str | Path, now: datetime) -> tuple[str, Ed25519PrivateKey]:
    """The newest key (made now if there is none)."""
    folder = Path(directory)
    ids = _key_ids(folder) or [rotate(folder, now)]
    kid = ids[-1]
    pem = keyring.key(folder, f"{PREFIX}{kid}", _generate)
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return kid, private


def public_keys(directory: str | Path) -> dict[str, str]:
    """Every key id with its public key (base64 of the raw 32 bytes): the published list."""
    folder = Path(directory)
    out = {}
    for kid in _key_ids(folder):
        pem = keyring.key(folder, f"{PREFIX}{kid}", _generate)
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, Ed25519PrivateKey)
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        out[kid] = base64.b64encode(raw).decode()
    return out


def sign(certificate: dict[str, Any], directory: str | Path, now: datetime) -> dict[str, Any]:
    kid, private = active(directory, now)
    value = base64.b64encode(private.sign(canonical(certificate))).decode()
    return {"certificate": certificate, "signature": {"alg": ALG, "key_id": kid, "value": value}}


@dataclass(frozen=True, slots=True)
class Verdict:
    valid: bool
    reason: str  # what is wrong, or what was checked
    key_id: str | None = None


def verify(document: Any, keys: dict[str, str]) -> Verdict:
    """Whether the document's signature holds under the published key it names. Offline:
    needs only the document and the key list. Never raises on bad input: says what is wrong."""
    if not isinstance(document, dict) or set(document) != {"certificate", "signature"}:
        return Verdict(False, "not a signed certificate: expected certificate and signature")
    signature, certificate = document["signature"], document["certificate"]
    if not isinstance(signature, dict) or not isinstance(certificate, dict):
        return Verdict(False, "not a signed certificate: malformed certificate or signature")
    if signature.get("alg") != ALG:
        return Verdict(False, f"unsupported signature algorithm {signature.get('alg')!r}")
    kid = signature.get("key_id")
    if kid not in keys:
        return Verdict(False, f"unknown key id {kid!r}: not in the published key list", kid)
    try:
        raw_signature = base64.b64decode(signature.get("value", ""), validate=True)
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(keys[kid]))
        public.verify(raw_signature, canonical(certificate))
    except (InvalidSignature, ValueError, TypeError):
        return Verdict(
            False, "the signature does not match: the certificate was changed after signing", kid
        )
    return Verdict(True, f"signed with key {kid}; every field is as signed", kid)
