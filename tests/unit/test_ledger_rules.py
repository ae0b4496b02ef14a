"""The double-entry rules: what a ledger transaction must be before anything is written."""

import pytest

from revalue.domain import ledger
from revalue.domain.errors import InvalidInput
from revalue.domain.ledger import Entry
from revalue.domain.money import UnknownCurrency

LIABILITY, EXPENSE, BANK = "trade_in_liability", "device_purchases", "bank"


def check(entries, **kw):  # type: ignore[no-untyped-def]
    return ledger.check_transaction(
        kind=kw.get("kind", "accrue"),
        reference=kw.get("reference", "accrue:t_1"),
        memo=kw.get("memo", ""),
        entries=entries,
    )


def test_a_balanced_transaction_is_accepted_as_given():
    entries = [Entry(EXPENSE, 12900, "USD"), Entry(LIABILITY, -12900, "USD")]
    assert check(entries) == tuple(entries)


def test_several_currencies_each_balancing_are_accepted():
    entries = [
        Entry(EXPENSE, 500, "JPY"),
        Entry(LIABILITY, -500, "JPY"),
        Entry(EXPENSE, 100, "EUR"),
        Entry(BANK, -60, "EUR"),
        Entry(LIABILITY, -40, "EUR"),
    ]
    assert ledger.totals(check(entries)) == {"JPY": 0, "EUR": 0}


@pytest.mark.parametrize("entries", [[], [Entry(BANK, 100, "USD")]])
def test_fewer_than_two_entries_are_refused(entries):
    with pytest.raises(ledger.TooFewEntries) as exc:
        check(entries)
    assert exc.value.details["field"] == "entries"


def test_entries_that_do_not_sum_to_zero_are_refused_naming_the_difference():
    with pytest.raises(ledger.Unbalanced) as exc:
        check([Entry(EXPENSE, 12900, "USD"), Entry(LIABILITY, -12000, "USD")])
    assert exc.value.code == "ledger_unbalanced"
    assert "9.00 USD" in exc.value.message
    assert exc.value.details["off"] == {"USD": 900}


def test_balancing_across_currencies_does_not_count():
    # 100 USD against 100 EUR sums to "zero" only if currencies are mixed up.
    with pytest.raises(ledger.Unbalanced) as exc:
        check([Entry(BANK, 100, "USD"), Entry(LIABILITY, -100, "EUR")])
    assert exc.value.details["off"] == {"EUR": -100, "USD": 100}


@pytest.mark.parametrize("amount", [0, 1.0, 12.5, True, "100", None])
def test_an_amount_must_be_a_non_zero_int(amount):
    with pytest.raises(ledger.InvalidEntry) as exc:
        check([Entry(BANK, amount, "USD"), Entry(LIABILITY, -1, "USD")])
    assert exc.value.details["field"] == "entries[0].amount"


@pytest.mark.parametrize("currency", ["usd", "XXX", "US", "", None])
def test_a_currency_must_be_a_known_code(currency):
    with pytest.raises(InvalidInput) as exc:
        check([Entry(BANK, 1, "USD"), Entry(LIABILITY, -1, currency)])
    assert isinstance(exc.value, UnknownCurrency | ledger.InvalidEntry)
    assert exc.value.details["field"] == "entries[1].currency"


@pytest.mark.parametrize("account", ["", "   ", "a" * 121, None])
def test_an_account_must_be_named_within_the_column(account):
    with pytest.raises(ledger.InvalidEntry) as exc:
        check([Entry(BANK, 1, "USD"), Entry(account, -1, "USD")])
    assert exc.value.details["field"] == "entries[1].account"


def test_an_entry_must_be_an_entry():
    with pytest.raises(ledger.InvalidEntry) as exc:
        check([Entry(BANK, 1, "USD"), (LIABILITY, -1, "USD")])
    assert exc.value.details["field"] == "entries[1]"


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("kind", {"kind": ""}),
        ("kind", {"kind": "k" * 31}),
        ("reference", {"reference": " "}),
        ("reference", {"reference": "r" * 121}),
        ("memo", {"memo": "m" * 201}),
    ],
)
def test_the_header_must_fit_the_ledger(field, kw):
    with pytest.raises(ledger.InvalidPosting) as exc:
        check([Entry(BANK, 1, "USD"), Entry(LIABILITY, -1, "USD")], **kw)
    assert exc.value.details["field"] == field


def test_a_reversal_negates_every_entry_and_balances_too():
    entries = (Entry(EXPENSE, 12900, "USD"), Entry(LIABILITY, -12900, "USD"))
    undone = ledger.negated(entries)
    assert undone == (Entry(EXPENSE, -12900, "USD"), Entry(LIABILITY, 12900, "USD"))
    assert ledger.totals(entries + undone) == {"USD": 0}
    assert check(list(undone)) == undone


def test_the_same_entries_in_another_order_are_the_same_but_not_a_different_split():
    a = [Entry(BANK, 100, "USD"), Entry(BANK, 100, "USD"), Entry(LIABILITY, -200, "USD")]
    assert ledger.same_entries(a, list(reversed(a)))
    b = [Entry(BANK, 200, "USD"), Entry(LIABILITY, -200, "USD")]
    assert not ledger.same_entries(a, b)
