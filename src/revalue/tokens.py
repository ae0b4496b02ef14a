"""Bearer secrets: made from 256 random bits, stored only as their SHA-256.

A password needs a slow hash (Argon2) because people choose guessable ones; a 256-bit random
secret cannot be guessed, so a fast digest is as safe and keeps per-request checks cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str | None) -> bool:
    return stored_digest is not None and hmac.compare_digest(digest(secret), stored_digest)
