"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, as docs/webhooks.md shows.

``Revalue-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, b"<t>." + body)>``. The
timestamp is inside the signed bytes, so a receiver that refuses old timestamps refuses a
replayed request even though its signature is genuine.

Signing secrets are random, shown to the partner once, and stored encrypted (not hashed: the
worker must read them back to sign) under a key in ``REVALUE_SECRETS_DIR``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet

from revalue import keyring

SIGNATURE = "Revalue-Signature"
EVENT_ID = "Revalue-Event-Id"
EVENT_TYPE = "Revalue-Event-Type"
ATTEMPT = "Revalue-Delivery-Attempt"

SECRET_PREFIX = "whsec_"
KEY_NAME = "webhook-secrets"  # the key file that encrypts the secrets at rest
TOLERANCE = 300  # seconds a receiver should accept a timestamp for


class InvalidSignature(ValueError):
    """The signature header is malformed, does not match, or its timestamp is too old."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` under the secret (as UTF-8)."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def headers(
    *, secret: str, timestamp: int, body: bytes, event_id: str, event_type: str, attempt: int
) -> dict[str, str]:
    """Every header of a delivery."""
    return {
        "Content-Type": "application/json",
        SIGNATURE: header(secret, timestamp, body),
        EVENT_ID: event_id,
        EVENT_TYPE: event_type,
        ATTEMPT: str(attempt),
    }


def verify(secret: str, value: str, body: bytes, now: float, tolerance: int = TOLERANCE) -> None:
    """What a receiver does (the docs' snippet is the same rule): raise ``InvalidSignature``
    unless the header carries a ``v1`` signature of this body under the secret, with a
    timestamp within ``tolerance`` seconds of ``now``."""
    fields: dict[str, list[str]] = {}
    for item in value.split(","):
        name, sep, content = item.strip().partition("=")
        if sep:
            fields.setdefault(name, []).append(content)
    stamps = fields.get("t", [])
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()):
        raise InvalidSignature("the header has no timestamp t=<unix seconds>")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("the timestamp is outside the tolerance: a replay, or a bad clock")
    expected = sign(secret, timestamp, body).encode()
    if not any(hmac.compare_digest(expected, given.encode()) for given in fields.get("v1", [])):
        raise InvalidSignature("no v1 signature matches this body and secret")


def cipher(secrets_dir: str) -> Fernet:
    """What encrypts signing secrets at rest; its key is made at first use."""
    return keyring.fernet(secrets_dir, KEY_NAME)


def seal(box: Fernet, secret: str) -> str:
    return box.encrypt(secret.encode()).decode()


def unseal(box: Fernet, token: str) -> str:
    return box.decrypt(token.encode()).decode()
