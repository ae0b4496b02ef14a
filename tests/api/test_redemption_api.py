"""Store credit and coupons: issued in a session as the payout does, then spent over HTTP by a
retailer's till holding a partner key."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from revalue.db import make_engine, make_sessionmaker
from revalue.domain.ledger import Entry
from revalue.events import signing
from revalue.payouts import accounts, instruments, ledger, redemption
from revalue.payouts.models import Coupon, LedgerEntry, LedgerTransaction, StoreCredit
from tests import auth, factories
from tests.api.support import PROGRAM, assert_error, received

TILL_OPERATIONS = ["store_credit_balance", "redeem_store_credit", "redeem_coupon"]
CUSTOMER = "ada@example.com"
Sessions = sessionmaker[Session]


@pytest.fixture
def box(tmp_path: Path) -> Fernet:
    return signing.cipher(str(tmp_path / "secrets"))


@pytest.fixture
def till_key(sessions: Sessions, seeded: None) -> str:
    with sessions.begin() as s:
        return auth.partner_key(s, [PROGRAM], TILL_OPERATIONS)


@pytest.fixture
def till(anonymous: TestClient, till_key: str) -> TestClient:
    """The retailer's point of sale: a partner key for acme's tills."""
    anonymous.headers.update(auth.bearer(till_key))
    return anonymous


@pytest.fixture
def card(
    client: TestClient, sessions: Sessions, seeded: None, box: Fernet
) -> tuple[StoreCredit, str]:
    """A card of 50.00 USD and its code."""
    return issue_card(sessions, box, received(client))


def issue_card(
    sessions: Sessions, box: Fernet, trade_in_id: str, amount: int = 5000
) -> tuple[StoreCredit, str]:
    with sessions.begin() as s:
        return instruments.issue_store_credit(
            s,
            program_id=PROGRAM,
            trade_in_id=trade_in_id,
            amount=amount,
            currency="USD",
            box=box,
            ctx=factories.ctx(),
        )


def issue_coupon(
    sessions: Sessions, box: Fernet, trade_in_id: str, days: int = 30
) -> tuple[Coupon, str]:
    with sessions.begin() as s:
        return instruments.issue_coupon(
            s,
            program_id=PROGRAM,
            trade_in_id=trade_in_id,
            amount=2500,
            currency="USD",
            customer_email=CUSTOMER,
            days=days,
            box=box,
            ctx=factories.ctx(),
        )


def redeem(
    till: TestClient, code: str, amount: Any, order: str = "ORDER-1", **fields: Any
) -> Response:
    headers = fields.pop("headers", {})
    body = {
        "program_id": PROGRAM,
        "code": code,
        "amount": amount,
        "currency": "USD",
        "order_reference": order,
        **fields,
    }
    return till.post("/store-credits/redeem", json=body, headers=headers)


def use_coupon(
    till: TestClient, code: str, email: str = CUSTOMER, order: str = "ORDER-1", **fields: Any
) -> Response:
    body = {
        "program_id": PROGRAM,
        "code": code,
        "customer_email": email,
        "order_reference": order,
        **fields,
    }
    return till.post("/coupons/redeem", json=body)


def books(sessions: Sessions, account: str) -> dict[str, int]:
    """What a refused redemption must leave as it was: the ledger and the account's balance."""
    with sessions() as s:
        return {
            "transactions": s.scalar(select(func.count()).select_from(LedgerTransaction)),
            "entries": s.scalar(select(func.count()).select_from(LedgerEntry)),
            "balance": ledger.balance(s, account, "USD"),
        }


def postings(sessions: Sessions, kind: str) -> dict[str, tuple[LedgerTransaction, set[Entry]]]:
    """The ledger's transactions of a kind, by id, with their entries."""
    with sessions() as s:
        rows = s.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == kind)).all()
        return {r.id: (r, set(ledger.entries_of(s, r.id))) for r in rows}


def test_issuing_a_card_pays_the_liability_into_its_account_and_keeps_the_code_secret(
    card, sessions, box
):
    row, code = card
    ((paid, entries),) = postings(sessions, "pay").values()
    assert paid.reference == f"store_credit:issue:{row.id}"
    assert paid.trade_in_id == row.trade_in_id
    assert entries == {
        Entry(accounts.TRADE_IN_LIABILITY, 5000, "USD"),
        Entry(accounts.store_credit(row.id), -5000, "USD"),
    }
    assert instruments.reveal(box, row) == code
    assert code not in row.code_encrypted and row.code_hash != code
    assert row.last4 == code[-4:] and row.issued_amount == 5000


def test_a_till_reads_the_balance_with_the_code_in_the_body(card, till):
    row, code = card
    for typed in (code, code.lower().replace("-", " ")):
        r = till.post("/store-credits/balance", json={"program_id": PROGRAM, "code": typed})
        assert r.status_code == 200, r.text
        assert r.json() == {"balance": 5000, "currency": "USD", "last4": row.last4}


def test_a_card_is_spent_in_part_then_in_full_and_the_till_is_recorded(
    card, till, till_key, sessions
):
    row, code = card
    first = redeem(till, code, 2000, "ORDER-1")
    assert first.status_code == 200, first.text
    assert first.json() | {"transaction_id": None} == {
        "transaction_id": None,
        "order_reference": "ORDER-1",
        "amount": 2000,
        "balance": 3000,
        "currency": "USD",
        "last4": row.last4,
    }
    second = redeem(till, code, 3000, "ORDER-2")
    assert second.status_code == 200, second.text
    assert second.json()["balance"] == 0
    spent = postings(sessions, "redeem")
    assert set(spent) == {first.json()["transaction_id"], second.json()["transaction_id"]}
    key_id = till_key.removeprefix("rvk_").partition(".")[0]
    assert {t.posted_by for t, _ in spent.values()} == {f"key:{key_id}"}
    assert spent[first.json()["transaction_id"]][1] == {
        Entry(accounts.store_credit(row.id), 2000, "USD"),
        Entry(accounts.RETAIL_REDEMPTIONS, -2000, "USD"),
    }
    assert books(sessions, accounts.store_credit(row.id))["balance"] == 0
    assert books(sessions, accounts.RETAIL_REDEMPTIONS)["balance"] == -5000
    r = till.post("/store-credits/balance", json={"program_id": PROGRAM, "code": code})
    assert r.json()["balance"] == 0


def test_spending_more_than_the_balance_is_refused_naming_it_and_writes_nothing(
    card, till, sessions
):
    row, code = card
    account = accounts.store_credit(row.id)
    assert redeem(till, code, 4000, "ORDER-1").status_code == 200
    before = books(sessions, account)
    body = assert_error(redeem(till, code, 1001, "ORDER-2"), 409, "insufficient_balance", "amount")
    assert body["details"]["balance"] == 1000 and body["details"]["currency"] == "USD"
    assert books(sessions, account) == before


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"currency": "EUR"}, "currency_mismatch", "currency"),
        ({"amount": 0}, "validation_error", "amount"),
        ({"amount": -100}, "validation_error", "amount"),
        ({"amount": 12.5}, "validation_error", "amount"),
        ({"amount": "100"}, "validation_error", "amount"),
        ({"order_reference": "two words"}, "validation_error", "order_reference"),
    ],
)
def test_another_currency_or_an_amount_that_is_not_whole_positive_minor_units_is_refused(
    card, till, sessions, change, code, field
):
    row, secret = card
    before = books(sessions, accounts.store_credit(row.id))
    assert_error(redeem(till, secret, **{"amount": 100, **change}), 422, code, field)
    assert books(sessions, accounts.store_credit(row.id)) == before


def test_unknown_mistyped_and_other_programs_codes_get_one_and_the_same_404(
    card, till, client, sessions, box
):
    row, code = card
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        rival_till = auth.partner_key(s, ["rival"], TILL_OPERATIONS)
    typo = code[:-2] + ("0" if code[-2] != "0" else "1") + code[-1]
    unknown = "RV-0000-0000-0000-000M"  # well formed, never issued
    refused = [
        redeem(till, typo, 100),
        redeem(till, unknown, 100),
        redeem(till, "not a code", 100),
        redeem(till, code, 100, program_id="rival"),  # acme's key, asking for rival
        redeem(client, code, 100, program_id="rival"),  # an admin, in the wrong program
        redeem(till, code, 100, headers=auth.bearer(rival_till)),  # rival's key, acme's card
        till.post("/store-credits/balance", json={"program_id": PROGRAM, "code": typo}),
    ]
    bodies = [assert_error(r, 404, "store_credit_not_found", "code") for r in refused]
    assert {b["message"] for b in bodies} == {"no store credit with this code"}
    assert books(sessions, accounts.store_credit(row.id))["balance"] == -5000


def test_a_card_pays_each_order_once(card, till, sessions):
    row, code = card
    assert redeem(till, code, 1000, "ORDER-1").status_code == 200
    before = books(sessions, accounts.store_credit(row.id))
    assert_error(redeem(till, code, 1000, "ORDER-1"), 409, "order_already_redeemed")
    assert books(sessions, accounts.store_credit(row.id)) == before


def test_a_retried_redemption_with_its_idempotency_key_answers_the_same_and_spends_once(
    card, till, sessions
):
    row, code = card
    key = {"Idempotency-Key": "till-7-receipt-881"}
    first = redeem(till, code, 1500, headers=key)
    assert first.status_code == 200, first.text
    after_first = books(sessions, accounts.store_credit(row.id))
    again = redeem(till, code, 1500, headers=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert books(sessions, accounts.store_credit(row.id)) == after_first
    assert after_first["balance"] == -3500


def test_a_coupon_is_used_once_on_its_customers_order(client, till, sessions, box, clock):
    coupon, code = issue_coupon(sessions, box, received(client))
    account = accounts.coupon(coupon.id)
    assert coupon.expires_at == factories.NOW.replace(month=7, day=15)
    clock.advance(days=2)
    r = use_coupon(till, code, email="Ada@Example.COM")
    assert r.status_code == 200, r.text
    assert r.json() | {"transaction_id": None} == {
        "transaction_id": None,
        "order_reference": "ORDER-1",
        "amount": 2500,
        "currency": "USD",
        "redeemed_at": "2026-06-17T12:00:00Z",
    }
    with sessions() as s:
        row = s.get(Coupon, coupon.id)
        assert (row.redeemed_at, row.redeemed_order) == (clock.now, "ORDER-1")
        assert set(ledger.entries_of(s, r.json()["transaction_id"])) == {
            Entry(account, 2500, "USD"),
            Entry(accounts.RETAIL_REDEMPTIONS, -2500, "USD"),
        }
    before = books(sessions, account)
    assert before["balance"] == 0
    body = assert_error(use_coupon(till, code, order="ORDER-2"), 409, "coupon_used", "code")
    assert body["details"]["redeemed_at"] == "2026-06-17T12:00:00+00:00"
    assert books(sessions, account) == before


def test_an_expired_coupon_is_refused_and_stays_unused(client, till, sessions, box, clock):
    coupon, code = issue_coupon(sessions, box, received(client), days=30)
    before = books(sessions, accounts.coupon(coupon.id))
    clock.advance(days=30)  # the moment it expires
    assert_error(use_coupon(till, code), 409, "coupon_expired", "code")
    assert books(sessions, accounts.coupon(coupon.id)) == before
    with sessions() as s:
        assert s.get(Coupon, coupon.id).redeemed_at is None


def test_another_customers_email_is_answered_as_an_unknown_coupon(client, till, sessions, box):
    coupon, code = issue_coupon(sessions, box, received(client))
    before = books(sessions, accounts.coupon(coupon.id))
    wrong = assert_error(use_coupon(till, code, email="eve@example.com"), 404, "coupon_not_found")
    unknown = assert_error(
        use_coupon(till, "CP-0000-0000-0000-000J"), 404, "coupon_not_found", "code"
    )
    assert wrong == unknown
    # A coupon's code is no card's, and a card's endpoint does not find it.
    assert_error(redeem(till, code, 100), 404, "store_credit_not_found")
    assert books(sessions, accounts.coupon(coupon.id)) == before
    with sessions() as s:
        assert s.get(Coupon, coupon.id).redeemed_at is None


def test_racing_tills_never_spend_more_than_the_card_holds(database_url, card):
    """Six tills spend 20.00 each of a 50.00 card at once, each with a connection of its own:
    two get through and the rest are refused, as the card's row lock (on PostgreSQL) or the
    one writer at a time (SQLite) has them read the balance one after the other."""
    row, code = card
    barrier, outcomes = threading.Barrier(6), []

    def spend(order: str) -> None:
        engine = make_engine(database_url)
        try:
            barrier.wait()
            with make_sessionmaker(engine).begin() as s:
                redemption.redeem_store_credit(
                    s,
                    program_id=PROGRAM,
                    code=code,
                    amount=2000,
                    currency="USD",
                    order_reference=order,
                    ctx=factories.ctx(),
                )
            outcomes.append("spent")
        except Exception as exc:  # every outcome is counted, whatever it is
            outcomes.append(type(exc).__name__)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=spend, args=(f"ORDER-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["InsufficientBalance"] * 4 + ["spent"] * 2, outcomes
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as s:
            assert ledger.balance(s, accounts.store_credit(row.id), "USD") == -1000
    finally:
        engine.dispose()
