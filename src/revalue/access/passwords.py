"""Passwords, hashed with Argon2id (argon2-cffi's defaults, RFC 9106's recommended profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from revalue.domain.errors import InvalidInput

MIN_LENGTH = 12
_HASHER = PasswordHasher()


class WeakPassword(InvalidInput):
    code = "weak_password"


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters", field="password")
    return _HASHER.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's: rehash at login."""
    return _HASHER.check_needs_rehash(password_hash)
