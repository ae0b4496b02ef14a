"""Webhook signatures, the verification snippet partners copy from the docs, and the key that
encrypts signing secrets at rest."""

import hashlib
import hmac
import re
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue import keyring
from revalue.events import signing

DOCS = Path(__file__).parents[2] / "docs" / "webhooks.md"
SECRET = "whsec_test-secret"
T = 1_781_524_800  # 2026-06-15 12:00 UTC
BODY = b'{"id":"evt_1","type":"ping"}'


def docs_verify():
    """The ``verify`` function of the docs' python block, run as a partner would run it."""
    (code,) = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace["verify"]


def test_a_signed_body_verifies():
    header = signing.header(SECRET, T, BODY)
    assert re.fullmatch(r"t=1781524800,v1=[0-9a-f]{64}", header)
    signing.verify(SECRET, header, BODY, now=T)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1781524800." + BODY, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, T, BODY) == expected


@given(
    secret=st.text(min_size=1, max_size=40),
    body=st.binary(max_size=200),
    timestamp=st.integers(min_value=0, max_value=2**40),
    other_body=st.binary(max_size=200),
    other_secret=st.text(min_size=1, max_size=40),
    shift=st.integers(min_value=1, max_value=300),
)
def test_any_change_of_body_timestamp_or_secret_fails(
    secret, body, timestamp, other_body, other_secret, shift
):
    header = signing.header(secret, timestamp, body)
    signing.verify(secret, header, body, now=timestamp)
    if other_body != body:
        with pytest.raises(signing.InvalidSignature):
            signing.verify(secret, header, other_body, now=timestamp)
    if other_secret != secret:
        with pytest.raises(signing.InvalidSignature):
            signing.verify(other_secret, header, body, now=timestamp)
    # Another timestamp, still within the tolerance: only the signature can refuse it.
    moved = header.replace(f"t={timestamp},", f"t={timestamp + shift},")
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, moved, body, now=timestamp)


def test_a_timestamp_beyond_the_tolerance_is_refused_though_genuine():
    header = signing.header(SECRET, T, BODY)
    signing.verify(SECRET, header, BODY, now=T + 300)
    for now in (T + 301, T - 301):
        with pytest.raises(signing.InvalidSignature, match="tolerance"):
            signing.verify(SECRET, header, BODY, now=now)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "v1=abc",
        "t=,v1=abc",
        "t=\uff11\uff12,v1=abc",  # full-width digits: only ASCII digits make a timestamp
        "t=12,t=13,v1=abc",
        "garbage",
        "t=-5,v1=00",
    ],
)
def test_malformed_headers_are_refused(header):
    with pytest.raises(signing.InvalidSignature):
        signing.verify(SECRET, header, BODY, now=12)


def test_the_docs_snippet_accepts_a_real_signature():
    verify = docs_verify()
    verify(SECRET, signing.header(SECRET, T, BODY), BODY, T + 10)
    # During a rotation a receiver may get several v1 values; one matching is enough.
    both = signing.header(SECRET, T, BODY) + ",v1=" + "0" * 64
    verify(SECRET, both, BODY, T)


def test_the_docs_snippet_refuses_forged_and_replayed_signatures():
    verify = docs_verify()
    genuine = signing.header(SECRET, T, BODY)
    forged = signing.header("whsec_guessed", T, BODY)
    with pytest.raises(ValueError, match="mismatch"):
        verify(SECRET, forged, BODY, T)
    with pytest.raises(ValueError, match="mismatch"):
        verify(SECRET, genuine, BODY.replace(b"ping", b"pong"), T)
    with pytest.raises(ValueError, match="mismatch"):
        verify(SECRET, genuine.replace(f"t={T}", f"t={T + 1}"), BODY, T)
    with pytest.raises(ValueError, match="tolerance"):
        verify(SECRET, genuine, BODY, T + 301)  # the same request, captured and sent later
    with pytest.raises(ValueError, match="no timestamp"):
        verify(SECRET, genuine.split(",")[1], BODY, T)


@given(
    secret=st.sampled_from([SECRET, "whsec_other"]),
    body=st.sampled_from([BODY, b"", b"{}"]),
    timestamp=st.integers(min_value=T - 400, max_value=T + 400),
    tamper=st.sampled_from(["", "t", "v1", "drop_t", "junk"]),
)
def test_the_docs_snippet_agrees_with_the_library(secret, body, timestamp, tamper):
    header = signing.header(SECRET, timestamp, BODY)
    header = {
        "": header,
        "t": header.replace(f"t={timestamp}", f"t={timestamp + 1}"),
        "v1": header[:-1] + ("0" if header[-1] != "0" else "1"),
        "drop_t": header.split(",")[1],
        "junk": header + ",x=1,v1=zz",
    }[tamper]

    def outcome(verify):
        try:
            verify(secret, header, body, T)
        except ValueError:
            return "refused"
        return "accepted"

    assert outcome(docs_verify()) == outcome(signing.verify)


def test_secrets_are_random_and_prefixed():
    a, b = signing.new_secret(), signing.new_secret()
    assert a != b and a.startswith("whsec_") and len(a) >= 6 + 40


def test_the_key_file_is_made_once_with_owner_only_permissions(tmp_path):
    folder = tmp_path / "var" / "secrets"
    box = signing.cipher(str(folder))
    sealed = signing.seal(box, SECRET)
    assert SECRET not in sealed
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (key_file,) = folder.iterdir()
    assert key_file.name == "webhook-secrets.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Read back by a later process (a fresh cipher from the same directory).
    assert signing.unseal(signing.cipher(str(folder)), sealed) == SECRET


def test_processes_starting_together_share_one_key(tmp_path):
    keys, barrier = [], threading.Barrier(8)

    def make():
        barrier.wait()
        keys.append(
            keyring.key(tmp_path / "k", "shared", lambda: threading.get_ident().to_bytes(8))
        )

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "k").iterdir()] == ["shared.key"]  # no temporaries left
