from fractions import Fraction

import pytest

from revalue.domain.money import (
    CurrencyMismatch,
    InvalidAmount,
    Money,
    UnknownCurrency,
    format_major,
    parse_major,
    round_minor,
)


def test_parse_major_converts_to_minor_units_per_currency():
    assert parse_major("799.00", "USD") == 79900
    assert parse_major("799", "USD") == 79900
    assert parse_major("1500", "JPY") == 1500
    assert parse_major("1.234", "KWD") == 1234


@pytest.mark.parametrize("text", ["-1.00", "12.345", "abc", "", "1e3", "1,000.00"])
def test_parse_major_refuses_negative_fractional_and_malformed_amounts(text):
    with pytest.raises(InvalidAmount) as exc:
        parse_major(text, "USD", field="launch_price")
    assert exc.value.details["field"] == "launch_price"


def test_parse_major_refuses_yen_with_decimals():
    with pytest.raises(InvalidAmount, match="more decimals than JPY allows"):
        parse_major("10.5", "JPY")


def test_unknown_currency_is_refused_by_name():
    with pytest.raises(UnknownCurrency, match="'XYZ'"):
        Money(100, "XYZ")


def test_money_refuses_fractional_amounts():
    with pytest.raises(InvalidAmount):
        Money(10.5, "USD")  # type: ignore[arg-type]


def test_money_adds_only_the_same_currency():
    assert Money(150, "USD") + Money(50, "USD") == Money(200, "USD")
    with pytest.raises(CurrencyMismatch):
        Money(1, "USD") + Money(1, "EUR")


def test_format_major():
    assert format_major(12345, "USD") == "123.45"
    assert format_major(-5, "USD") == "-0.05"
    assert format_major(500, "JPY") == "500"
    assert Money(79900, "USD").format() == "799.00 USD"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(5, 2), 3), (Fraction(-5, 2), -3), (Fraction(7, 3), 2), (Fraction(-7, 3), -2)],
)
def test_round_minor_rounds_half_away_from_zero(value, expected):
    assert round_minor(value) == expected
