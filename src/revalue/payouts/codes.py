"""The codes customers spend: ``RV-7K2M-Q9XD-4HTP-3WZ8`` (store credit), ``CP-…`` (coupons).

After the prefix, 15 characters from the operating system's CSPRNG and a check character, in
Crockford's base 32: no I, L, O or U, so nothing reads as something else. 75 random bits
cannot be guessed at a till, nor found from their SHA-256 in a stolen database. The check
character (Luhn mod 32, over the prefix too) catches any one mistyped character, almost any
swap of two neighbours, and a coupon's code typed where a card's is asked for, so a typo is
refused without looking anything up.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STORE_CREDIT = "RV"
COUPON = "CP"
RANDOM_CHARS = 15
GROUP = 4
# People type the letters for the digits they look like; Crockford reads them as meant.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", "- \t")


def new_code(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return _shown(prefix, body + check_character(prefix + body))


def parse(text: str, prefix: str) -> str | None:
    """The code as issued, from what someone typed (any case, with or without dashes and
    spaces); ``None`` if it is not a well-formed code of this kind."""
    chars = text.upper().translate(_SEPARATORS).translate(_LOOKALIKES)
    body = chars.removeprefix(prefix)
    if (
        not chars.startswith(prefix)
        or len(body) != RANDOM_CHARS + 1
        or any(c not in ALPHABET for c in body)
        or _luhn_sum(prefix + body, double_first=False) % len(ALPHABET) != 0
    ):
        return None
    return _shown(prefix, body)


def check_character(chars: str) -> str:
    """The character that makes the Luhn mod 32 sum of ``chars`` and itself a multiple of 32."""
    n = len(ALPHABET)
    return ALPHABET[(n - _luhn_sum(chars, double_first=True) % n) % n]


def last4(code: str) -> str:
    return code[-GROUP:]


def _luhn_sum(chars: str, *, double_first: bool) -> int:
    """Luhn mod N: from the right, every other value doubled and its base-32 digits added."""
    n, total = len(ALPHABET), 0
    for i, char in enumerate(reversed(chars)):
        value = ALPHABET.index(char) * (2 if (i % 2 == 0) == double_first else 1)
        total += value // n + value % n
    return total


def _shown(prefix: str, body: str) -> str:
    groups = [body[i : i + GROUP] for i in range(0, len(body), GROUP)]
    return "-".join([prefix, *groups])
