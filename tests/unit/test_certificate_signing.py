"""Signed certificates: any change to a signed field fails, and says so; rotation keeps old
certificates valid; unknown keys and malformed documents are named, never crash."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revalue.certificates import signing

T0 = datetime(2026, 6, 15, 12, tzinfo=UTC)
FIELDS = {
    "certificate_id": "cert_1",
    "standard": "NIST SP 800-88 Rev.1",
    "media": {"manufacturer": "Apple", "model": "iPhone 15", "imei": "35 209900 176148 1"},
    "sanitization": {"method_type": "purge", "method": "cryptographic_erase", "result": "erased"},
    "destination": "refurbish_resell",
}


def leaves(doc: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for k, v in doc.items():
        out += leaves(v, (*prefix, k)) if isinstance(v, dict) else [(*prefix, k)]
    return out


@pytest.fixture
def keys_dir(tmp_path):  # type: ignore[no-untyped-def]
    return tmp_path / "secrets"


def test_a_signed_certificate_verifies_and_the_key_file_is_private(keys_dir):
    doc = signing.sign(FIELDS, keys_dir, T0)
    verdict = signing.verify(doc, signing.public_keys(keys_dir))
    assert verdict.valid and verdict.key_id == doc["signature"]["key_id"]
    (key_file,) = keys_dir.glob("certificate-*.key")
    assert key_file.stat().st_mode & 0o077 == 0 and keys_dir.stat().st_mode & 0o077 == 0


@settings(max_examples=60)
@given(data=st.data())
def test_any_change_to_a_signed_field_fails(tmp_path_factory, data):
    keys_dir = tmp_path_factory.mktemp("keys")
    doc = signing.sign(FIELDS, keys_dir, T0)
    keys = signing.public_keys(keys_dir)
    path = data.draw(st.sampled_from(leaves(doc["certificate"])))
    tampered = copy.deepcopy(doc)
    node = tampered["certificate"]
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = data.draw(st.text(max_size=20).filter(lambda v: v != node[path[-1]]))
    verdict = signing.verify(tampered, keys)
    assert not verdict.valid and "changed after signing" in verdict.reason


def test_rotation_keeps_old_certificates_valid(keys_dir):
    old = signing.sign(FIELDS, keys_dir, T0)
    new_kid = signing.rotate(keys_dir, T0 + timedelta(days=90))
    new = signing.sign(FIELDS, keys_dir, T0 + timedelta(days=91))
    keys = signing.public_keys(keys_dir)
    assert new["signature"]["key_id"] == new_kid != old["signature"]["key_id"]
    assert signing.verify(old, keys).valid and signing.verify(new, keys).valid
    # A signature moved onto another key id does not verify.
    swapped = {**old, "signature": {**old["signature"], "key_id": new_kid}}
    assert not signing.verify(swapped, keys).valid


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda d: {**d, "signature": {**d["signature"], "key_id": "nope"}}, "unknown key id"),
        (lambda d: {"certificate": d["certificate"]}, "not a signed certificate"),
        (lambda d: {**d, "signature": {**d["signature"], "alg": "RS256"}}, "unsupported"),
        (lambda d: {**d, "signature": {**d["signature"], "value": "%%%"}}, "does not match"),
        (
            lambda d: {**d, "signature": {**d["signature"], "value": d["signature"]["value"][:20]}},
            "does not match",
        ),
        (lambda d: [], "not a signed certificate"),
    ],
)
def test_a_bad_document_says_what_is_wrong(keys_dir, mangle, reason):
    doc = signing.sign(FIELDS, keys_dir, T0)
    verdict = signing.verify(mangle(doc), signing.public_keys(keys_dir))
    assert not verdict.valid and reason in verdict.reason


def test_the_signature_covers_the_canonical_form_not_the_layout(keys_dir):
    doc = signing.sign(FIELDS, keys_dir, T0)
    relaid = json.loads(json.dumps(doc, indent=4, sort_keys=False))
    assert signing.verify(relaid, signing.public_keys(keys_dir)).valid
