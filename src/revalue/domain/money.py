"""Money as integer minor units plus an ISO 4217 currency.

Arithmetic on amounts stays in integers; where a rate applies, the exact value is kept as a
``Fraction`` and rounded once, to the currency's minor unit, by :func:`round_minor`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from revalue.domain.errors import InvalidInput

# ISO 4217 currencies and their minor-unit exponents (the ones a trade-in program is likely to
# price in; extend as programs need).
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "COP": 2,
    "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
    "ISK": 0, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2,
    "PLN": 2, "RON": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "TWD": 2, "USD": 2,
    "VND": 0, "ZAR": 2,
}  # fmt: skip


class UnknownCurrency(InvalidInput):
    code = "unknown_currency"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"


def check_currency(currency: str, *, field: str = "currency") -> str:
    if currency not in MINOR_UNITS:
        raise UnknownCurrency(
            f"unknown currency {currency!r}: expected an ISO 4217 code such as USD or EUR",
            field=field,
        )
    return currency


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (cents for USD, yen for JPY)
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise InvalidAmount(f"amount must be whole minor units, got {self.amount!r}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def format(self) -> str:
        return f"{format_major(self.amount, self.currency)} {self.currency}"


def round_minor(value: Fraction) -> int:
    """Round an exact amount of minor units half away from zero, as tills and ledgers do."""
    sign = -1 if value < 0 else 1
    whole, rest = divmod(abs(value.numerator), value.denominator)
    return sign * (whole + (1 if 2 * rest >= value.denominator else 0))


def format_major(amount: int, currency: str) -> str:
    """``12345, 'USD'`` -> ``'123.45'``; ``500, 'JPY'`` -> ``'500'``."""
    exponent = MINOR_UNITS[check_currency(currency)]
    if exponent == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}"


_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def parse_major(text: str, currency: str, *, field: str = "amount") -> int:
    """Parse a non-negative decimal in major units into minor units, refusing sub-minor digits."""
    exponent = MINOR_UNITS[check_currency(currency)]
    text = text.strip()
    if not _DECIMAL.match(text):
        raise InvalidAmount(
            f"{field}: {text!r} is not a non-negative decimal amount such as 199.00", field=field
        )
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise InvalidAmount(f"{field}: {text!r} is not a number", field=field) from exc
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise InvalidAmount(
            f"{field}: {text!r} has more decimals than {currency} allows ({exponent})",
            field=field,
        )
    return int(minor)
