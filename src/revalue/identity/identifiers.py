"""Device identifiers: IMEI, TAC, MEID and serial numbers, normalized to one canonical form.

python-stdnum does the arithmetic, but its ``imei.validate`` also accepts 14 digits (no check
digit) and 16 (an IMEISV, which has none): where an IMEI is required we demand exactly 15
digits with a valid Luhn check digit, so a typo cannot slip through as a shorter form. Each
refusal says exactly what is wrong, because the person at the counter has to fix it.
"""

from __future__ import annotations

import re

from stdnum import luhn, meid
from stdnum.exceptions import ValidationError

from revalue.domain.errors import InvalidInput

# What people type between digit groups, or copy from labels and spreadsheets.
_SEPARATORS = re.compile(r"[\s\-.]")
_SERIAL = re.compile(r"[A-Z0-9]{5,40}")


class InvalidIdentifier(InvalidInput):
    """An identifier that is not well formed; subclasses carry the code per kind."""

    code = "invalid_identifier"


class InvalidImei(InvalidIdentifier):
    code = "invalid_imei"


class InvalidTac(InvalidIdentifier):
    code = "invalid_tac"


class InvalidMeid(InvalidIdentifier):
    code = "invalid_meid"


class InvalidSerial(InvalidIdentifier):
    code = "invalid_serial"


def compact(text: str) -> str:
    """The text without the separators people type between digit groups."""
    return _SEPARATORS.sub("", text)


def normalize_imei(text: str, *, field: str = "imei") -> str:
    """The canonical IMEI: 15 digits, the last a valid Luhn check digit."""
    number = compact(text)
    if not number:
        raise InvalidImei("the IMEI is empty", field=field)
    if not number.isascii() or not number.isdigit():
        bad = sorted({c for c in number if not ("0" <= c <= "9")})
        raise InvalidImei(
            f"an IMEI has digits only; found {', '.join(repr(c) for c in bad)}", field=field
        )
    if len(number) != 15:
        hint = {
            14: " (14 digits is an IMEI without its check digit: add the last digit)",
            16: " (16 digits is an IMEISV, whose last two digits are the software version)",
        }.get(len(number), "")
        raise InvalidImei(f"an IMEI has 15 digits, this has {len(number)}{hint}", field=field)
    expected = luhn.calc_check_digit(number[:14])
    if number[14] != expected:
        raise InvalidImei(
            f"the check digit is {number[14]} but should be {expected}: a digit is mistyped",
            field=field,
        )
    return number


def format_imei(imei: str) -> str:
    """For display: ``35 209900 176148 1`` (reporting body, type, serial, check digit)."""
    number = normalize_imei(imei)
    return f"{number[:2]} {number[2:8]} {number[8:14]} {number[14]}"


def tac_of(imei: str) -> str:
    """The Type Allocation Code: the first 8 digits of a valid IMEI."""
    return normalize_imei(imei)[:8]


def normalize_tac(text: str, *, field: str = "tac") -> str:
    number = compact(text)
    if len(number) != 8 or not number.isascii() or not number.isdigit():
        raise InvalidTac(f"a TAC is 8 digits, not {text!r}", field=field)
    return number


def normalize_meid(text: str, *, field: str = "meid") -> str:
    """The canonical MEID: 14 uppercase hex digits, without the check digit. The decimal
    (18-digit) form is converted; a given check digit must be right."""
    number = compact(text)
    if not number:
        raise InvalidMeid("the MEID is empty", field=field)
    try:
        return meid.validate(number).upper()
    except ValidationError as exc:
        raise InvalidMeid(
            f"not a MEID (14 hex or 18 decimal digits, optional check digit): {exc.message}",
            field=field,
        ) from None


def normalize_serial(text: str, *, field: str = "serial") -> str:
    """A manufacturer's serial number: uppercase letters and digits, 5 to 40 of them."""
    serial = compact(text).upper()
    if not _SERIAL.fullmatch(serial):
        if serial and not (serial.isascii() and serial.isalnum()):
            what = "letters and digits only"
        else:
            what = f"5 to 40 characters, this has {len(serial)}"
        raise InvalidSerial(f"a serial number has {what}", field=field)
    return serial
