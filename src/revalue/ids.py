"""Identifiers: a prefix, the creation time and randomness, so ids sort by age and never clash.

Randomness and the time come from here, outside the domain; the time is the caller's ``now``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str, now: datetime) -> str:
    millis = int(now.timestamp() * 1000)
    return f"{prefix}_{_b32(millis, 9)}{_b32(secrets.randbits(60), 12)}"
