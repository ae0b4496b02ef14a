"""The ledger: postings through ``ledger.post`` with a session, reversals, and the checks
that find a corrupted ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from revalue.domain import ledger as rules
from revalue.domain.ledger import Entry
from revalue.payouts import accounts, ledger
from revalue.payouts.models import LedgerEntry, LedgerTransaction
from tests import factories
from tests.api.support import PROGRAM

NOW = factories.NOW  # 2026-06-15 12:00 UTC
LIABILITY, PURCHASES, CLEARING = (
    accounts.TRADE_IN_LIABILITY,
    accounts.DEVICE_PURCHASES,
    accounts.CASH_CLEARING,
)


def accrual(amount: int, currency: str = "USD") -> list[Entry]:
    return [Entry(PURCHASES, amount, currency), Entry(LIABILITY, -amount, currency)]


def payment(amount: int, currency: str = "USD") -> list[Entry]:
    return [Entry(LIABILITY, amount, currency), Entry(CLEARING, -amount, currency)]


def post(s, reference, entries, *, kind="accrue", trade_in_id="t_1", now=NOW, **kw):  # type: ignore[no-untyped-def]
    return ledger.post(
        s,
        program_id=kw.pop("program_id", PROGRAM),
        trade_in_id=trade_in_id,
        kind=kind,
        reference=reference,
        entries=entries,
        memo=kw.pop("memo", ""),
        ctx=factories.ctx(now, actor=kw.pop("actor", "finance@test")),
        **kw,
    )


def counts(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(LedgerTransaction)),
            s.scalar(select(func.count()).select_from(LedgerEntry)),
        )


def test_a_posting_writes_its_entries_and_moves_the_balances(sessions, seeded):
    with sessions.begin() as s:
        tx = post(s, "accrue:t_1", accrual(12900), memo="final offer")
    with sessions() as s:
        row = s.get(LedgerTransaction, tx.id)
        assert (row.program_id, row.trade_in_id, row.kind, row.reference) == (
            PROGRAM,
            "t_1",
            "accrue",
            "accrue:t_1",
        )
        assert (row.posted_at, row.posted_by, row.reverses) == (NOW, "finance@test", None)
        assert ledger.entries_of(s, tx.id) == tuple(accrual(12900))
        assert ledger.balance(s, LIABILITY, "USD") == -12900
        assert ledger.balance(s, LIABILITY, "EUR") == 0
        assert ledger.balances(s) == {(PURCHASES, "USD"): 12900, (LIABILITY, "USD"): -12900}
    assert counts(sessions) == (1, 2)


def test_posting_the_same_reference_again_returns_the_first_and_writes_nothing(sessions, seeded):
    with sessions.begin() as s:
        first = post(s, "accrue:t_1", accrual(12900))
    with sessions.begin() as s:
        again = post(s, "accrue:t_1", list(reversed(accrual(12900))), now=NOW + timedelta(1))
        assert again.id == first.id and again.posted_at == NOW
    assert counts(sessions) == (1, 2)


@pytest.mark.parametrize(
    "change",
    [
        {"entries": accrual(13000)},
        {"entries": accrual(12900, "EUR")},
        {"kind": "pay"},
        {"trade_in_id": "t_2"},
    ],
)
def test_the_same_reference_for_another_posting_is_a_conflict_and_writes_nothing(
    sessions, seeded, change
):
    with sessions.begin() as s:
        first = post(s, "accrue:t_1", accrual(12900))
    kw = {"entries": accrual(12900), **change}
    with pytest.raises(ledger.ReferenceConflict) as exc, sessions.begin() as s:
        post(s, "accrue:t_1", kw.pop("entries"), **kw)
    assert exc.value.code == "ledger_reference_conflict"
    assert exc.value.details["transaction_id"] == first.id
    assert counts(sessions) == (1, 2)
    with sessions() as s:
        assert ledger.balances(s) == {(PURCHASES, "USD"): 12900, (LIABILITY, "USD"): -12900}


def test_an_unbalanced_posting_writes_nothing(sessions, seeded):
    with pytest.raises(rules.Unbalanced), sessions.begin() as s:
        post(s, "accrue:t_1", [Entry(PURCHASES, 12900, "USD"), Entry(LIABILITY, -1, "USD")])
    assert counts(sessions) == (0, 0)


def test_a_reversal_negates_every_entry_once(sessions, seeded):
    with sessions.begin() as s:
        tx = post(s, "accrue:t_1", accrual(12900))
    later = factories.ctx(NOW + timedelta(hours=2), actor="controller@test")
    with sessions.begin() as s:
        undo = ledger.reverse(s, tx.id, reason="offer withdrawn", ctx=later)
    with sessions() as s:
        row = s.get(LedgerTransaction, undo.id)
        assert (row.reverses, row.kind, row.reference, row.memo, row.trade_in_id) == (
            tx.id,
            "reverse",
            f"reverse:{tx.id}",
            "offer withdrawn",
            "t_1",
        )
        assert ledger.entries_of(s, undo.id) == rules.negated(accrual(12900))
        assert ledger.balances(s) == {(PURCHASES, "USD"): 0, (LIABILITY, "USD"): 0}
        assert ledger.entries_of(s, tx.id) == tuple(accrual(12900))  # never edited
    assert counts(sessions) == (2, 4)
    for target, error in (
        (tx.id, ledger.AlreadyReversed),
        (undo.id, ledger.ReversalNotReversible),
        ("ltx_missing", ledger.TransactionNotFound),
    ):
        with pytest.raises(error), sessions.begin() as s:
            ledger.reverse(s, target, reason="again", ctx=later)
        assert counts(sessions) == (2, 4)


def test_a_posting_that_says_it_reverses_must_negate_the_original(sessions, seeded):
    with sessions.begin() as s:
        tx = post(s, "accrue:t_1", accrual(12900))
    with pytest.raises(ledger.ReversalMismatch), sessions.begin() as s:
        post(s, "undo:t_1", accrual(12900), kind="reverse", reverses=tx.id)
    assert counts(sessions) == (1, 2)
    with sessions.begin() as s:
        undo = post(s, "undo:t_1", rules.negated(accrual(12900)), kind="reverse", reverses=tx.id)
    with pytest.raises(ledger.AlreadyReversed), sessions.begin() as s:
        ledger.reverse(s, tx.id, reason="twice", ctx=factories.ctx())
    assert counts(sessions) == (2, 4) and undo.reverses == tx.id


def blind_once(monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    """The lookup ``name`` finds nothing the first time, as for a request that looked just
    before a concurrent one committed."""
    real, calls = getattr(ledger, name), []

    def lookup(s, key):  # type: ignore[no-untyped-def]
        calls.append(key)
        return None if len(calls) == 1 else real(s, key)

    monkeypatch.setattr(ledger, name, lookup)


def test_losing_a_race_for_the_reference_returns_the_winners_transaction(
    sessions, seeded, monkeypatch
):
    """Two requests post the same reference at once: both looked and found nothing, so the
    loser meets the unique constraint. Its savepoint rolls back, its own transaction goes on."""
    with sessions.begin() as s:
        winner = post(s, "pay:P-1", payment(12900), kind="pay")
    blind_once(monkeypatch, "_by_reference")
    with sessions.begin() as s:
        loser = post(s, "pay:P-1", payment(12900), kind="pay")
        post(s, "accrue:t_2", accrual(500), trade_in_id="t_2")  # the transaction goes on
    assert loser.id == winner.id
    assert counts(sessions) == (2, 4)
    blind_once(monkeypatch, "_by_reference")
    with pytest.raises(ledger.ReferenceConflict), sessions.begin() as s:
        post(s, "pay:P-1", payment(1), kind="pay")
    assert counts(sessions) == (2, 4)


def test_losing_a_race_to_reverse_is_a_conflict(sessions, seeded, monkeypatch):
    with sessions.begin() as s:
        tx = post(s, "accrue:t_1", accrual(12900))
    with sessions.begin() as s:
        ledger.reverse(s, tx.id, reason="first", ctx=factories.ctx())
    blind_once(monkeypatch, "_reversal_of")
    with pytest.raises(ledger.AlreadyReversed), sessions.begin() as s:
        ledger.reverse(s, tx.id, reason="second", ctx=factories.ctx())
    assert counts(sessions) == (2, 4)


def test_balances_of_a_program_and_of_accounts_by_prefix(sessions, seeded):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        post(s, "a1", [Entry("store_credit:c_1", 700, "USD"), Entry(LIABILITY, -700, "USD")])
        post(s, "a2", [Entry("store_credit%x", 100, "USD"), Entry(LIABILITY, -100, "USD")])
        post(s, "r1", accrual(5000), program_id="rival")
    with sessions() as s:
        assert ledger.balances(s, program_id=PROGRAM) == {
            ("store_credit%x", "USD"): 100,
            ("store_credit:c_1", "USD"): 700,
            (LIABILITY, "USD"): -800,
        }
        # The prefix is a prefix, not a LIKE pattern: "%" and "_" match only themselves.
        assert ledger.balances(s, prefix="store_credit:") == {("store_credit:c_1", "USD"): 700}
        assert ledger.balances(s, prefix="store%") == {}
        assert ledger.balances(s, program_id="rival") == {
            (PURCHASES, "USD"): 5000,
            (LIABILITY, "USD"): -5000,
        }
        assert ledger.balance(s, LIABILITY, "USD") == -5800


def test_a_sound_ledger_checks_out_with_its_counts(sessions, seeded):
    with sessions.begin() as s:
        post(s, "accrue:t_1", accrual(12900))
        pay = post(s, "pay:t_1", payment(12900), kind="pay")
        post(s, "accrue:t_2", accrual(500, "JPY"), trade_in_id="t_2")
        ledger.reverse(s, pay.id, reason="bounced", ctx=factories.ctx())
        post(s, "pay:t_1:again", payment(12900), kind="pay")
    with sessions() as s:
        report = ledger.check(s)
    assert report.ok and report.problems == ()
    assert (report.transactions, report.entries, report.currencies) == (5, 10, 2)


def corrupt(sessions, transaction_id: str, amount: int = 1) -> None:  # type: ignore[no-untyped-def]
    """An entry written around the service, as a bad migration or a hand edit would."""
    with sessions.begin() as s:
        s.execute(
            text(
                "INSERT INTO ledger_entries (transaction_id, account, amount, currency) "
                "VALUES (:t, 'bank', :a, 'USD')"
            ),
            {"t": transaction_id, "a": amount},
        )


def test_check_names_an_unbalanced_transaction_and_the_currency_it_puts_off(sessions, seeded):
    with sessions.begin() as s:
        good = post(s, "accrue:t_1", accrual(12900))
        bad = post(s, "accrue:t_2", accrual(500), trade_in_id="t_2")
    corrupt(sessions, bad.id, 250)
    with sessions() as s:
        report = ledger.check(s)
    assert not report.ok
    assert [(p.kind, p.subject, p.detail) for p in report.problems] == [
        ("unbalanced", bad.id, "its entries sum to 2.50 USD"),
        ("ledger_off", "USD", "the ledger sums to 2.50 USD"),
    ]
    assert good.id not in str(report.problems)


def test_check_names_a_transaction_without_entries_and_a_reversed_reversal(sessions, seeded):
    with sessions.begin() as s:
        tx = post(s, "accrue:t_1", accrual(12900))
        undo = ledger.reverse(s, tx.id, reason="withdrawn", ctx=factories.ctx())
    with sessions.begin() as s:
        # Rows the service refuses to write: a transaction with no entries, and one that
        # reverses a reversal (with balanced entries, so only that rule is broken).
        s.add_all([raw_transaction("ltx_empty", None), raw_transaction("ltx_redo", undo.id)])
        s.flush()
        s.add_all(
            LedgerEntry(transaction_id="ltx_redo", account=e.account, amount=e.amount,
                        currency=e.currency)
            for e in accrual(12900)
        )  # fmt: skip
    with sessions() as s:
        problems = [(p.kind, p.subject) for p in ledger.check(s).problems]
    assert problems == [("too_few_entries", "ltx_empty"), ("reverses_a_reversal", "ltx_redo")]


def raw_transaction(tid: str, reverses: str | None) -> LedgerTransaction:
    return LedgerTransaction(
        id=tid, program_id=PROGRAM, trade_in_id="t_1", kind="accrue", reference=tid,
        reverses=reverses, memo="", posted_at=NOW, posted_by="hand",
    )  # fmt: skip


def test_check_names_a_trade_in_paid_twice_until_one_payment_is_reversed(sessions, seeded):
    with sessions.begin() as s:
        first = post(s, "pay:P-1", payment(12900), kind="pay")
        post(s, "pay:P-2", payment(12900), kind="pay")
        post(s, "pay:other", payment(100), kind="pay", trade_in_id="t_2")
    with sessions() as s:
        problems = ledger.check(s).problems
    assert [(p.kind, p.subject, p.detail) for p in problems] == [
        ("paid_twice", "t_1", "2 payments stand unreversed")
    ]
    with sessions.begin() as s:
        ledger.reverse(s, first.id, reason="paid twice", ctx=factories.ctx())
    with sessions() as s:
        assert ledger.check(s).ok


def test_a_programs_check_shows_only_its_own_problems(sessions, seeded):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        post(s, "accrue:t_1", accrual(12900))
        theirs = post(s, "r1", accrual(5000), program_id="rival", trade_in_id="t_9")
    corrupt(sessions, theirs.id)
    with sessions() as s:
        assert ledger.check(s, program_id=PROGRAM).ok
        assert {p.subject for p in ledger.check(s, program_id="rival").problems} == {
            theirs.id,
            "USD",
        }
