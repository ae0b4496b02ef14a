"""Paying customers through the API: once the offer is final, exactly once, in each method,
on a ledger that balances; above the program's limit only after a second person approves."""

import csv
import io

import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.events.models import OutboxEvent
from revalue.payouts import accounts, ledger
from revalue.payouts.models import LedgerTransaction, PayoutInstruction
from revalue.tradeins.models import Payment
from tests import auth, factories
from tests.api.support import (
    act,
    as_customer,
    assert_error,
    ok,
    read,
    received,
    requote_offered,
    snapshot,
)

EMAIL = "ada@example.com"
IBAN = "GB33BUKB20201555555555"


def inspected(client, *, method: str, pathway: str = "in_store", email: str | None = EMAIL):
    tid = received(client, method=method, pathway=pathway)
    if email:
        r = client.put(f"/trade-ins/{tid}/contact", json={"name": "Ada", "email": email})
        assert r.status_code == 200, r.text
    ok(client, tid, "inspect", {"condition": factories.answers()})
    return tid


def transactions(sessions, tid: str) -> list[tuple[str, dict[str, int]]]:
    """The trade-in's ledger transactions: (kind, {account: amount})."""
    with sessions() as s:
        rows = s.scalars(
            select(LedgerTransaction)
            .where(LedgerTransaction.trade_in_id == tid)
            .order_by(LedgerTransaction.posted_at, LedgerTransaction.kind)
        ).all()
        return [(t.kind, {e.account: e.amount for e in ledger.entries_of(s, t.id)}) for t in rows]


def nothing_written(sessions, tid: str) -> bool:
    with sessions() as s:
        payments = s.scalar(select(func.count()).where(Payment.trade_in_id == tid))
        posted = s.scalar(select(func.count()).where(LedgerTransaction.trade_in_id == tid))
    return payments == 0 and posted == 0


def test_store_credit_is_paid_once_the_offer_is_final_as_a_card_on_the_ledger(
    client, seeded, sessions
):
    hook = {"url": "https://partner.example/hooks", "event_types": ["payout.made"]}
    assert client.post("/programs/acme/webhooks", json=hook).status_code == 201
    tid = inspected(client, method="store_credit")
    t = read(client, tid)
    owed = t["payable"]["amount"]
    bonus = next(
        line["amount"]
        for offer in t["quote"]["offers"]
        if offer["method"] == "store_credit"
        for line in offer["lines"]
        if line["code"] == "payout_bonus"
    )
    t = ok(client, tid, "pay")
    assert t["state"] == "inspected"  # the device does not move; the customer is paid
    assert (t["payment"]["status"], t["payment"]["amount"]) == ("paid", owed)
    [(accrue, purchase), (pay, payout)] = transactions(sessions, tid)
    assert (accrue, pay) == ("accrue", "pay")
    assert purchase == {
        accounts.DEVICE_PURCHASES: owed - bonus,
        accounts.PROMOTION_EXPENSE: bonus,
        accounts.TRADE_IN_LIABILITY: -owed,
    }
    card = client.get(f"/trade-ins/{tid}/payout", headers=as_customer(tid)).json()["instrument"]
    assert payout == {accounts.TRADE_IN_LIABILITY: owed, accounts.store_credit(card["id"]): -owed}
    assert card["balance"] == owed and card["code"].startswith("RV")
    staff_view = client.get(f"/trade-ins/{tid}/payout").json()["instrument"]
    assert staff_view["code"] == "…" + card["code"][-4:]  # staff never see the whole code
    with sessions() as s:
        assert ledger.check(s).ok
        assert (
            s.scalar(
                select(func.count()).where(
                    OutboxEvent.type == "payout.made", OutboxEvent.trade_in_id == tid
                )
            )
            == 1
        )
    assert read(client, tid)["custody"][-1]["action"] == "pay"


def test_a_second_payout_is_refused_and_writes_nothing(client, seeded, sessions):
    tid = inspected(client, method="store_credit")
    ok(client, tid, "pay")
    before = (snapshot(client, tid), transactions(sessions, tid))
    assert_error(act(client, tid, "pay"), 409, "already_paid")
    assert (snapshot(client, tid), transactions(sessions, tid)) == before


@pytest.fixture
def every_method(client, seeded):
    options = [
        {"method": m, "bonus_bp": 0}
        for m in ("cash", "store_credit", "purchase_discount", "loyalty_points")
    ]
    r = client.patch("/programs/acme", json={"payout_options": options})
    assert r.status_code == 200, r.text


def test_a_purchase_coupon_needs_an_email_and_then_expires_with_the_program_s_days(
    client, every_method, sessions, clock
):
    tid = inspected(client, method="purchase_discount", email=None)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "pay"), 409, "customer_email_required")
    assert snapshot(client, tid) == before and nothing_written(sessions, tid)
    client.put(f"/trade-ins/{tid}/contact", json={"name": "Ada", "email": EMAIL})
    ok(client, tid, "pay")
    coupon = client.get(f"/trade-ins/{tid}/payout", headers=as_customer(tid)).json()
    assert coupon["instrument"]["kind"] == "coupon"
    assert coupon["instrument"]["expires_at"] > clock.now.isoformat()[:10]


def test_loyalty_points_are_credited_at_the_program_s_rate(client, every_method, sessions):
    assert client.patch("/programs/acme", json={"loyalty_points_per_unit": 150}).status_code == 200
    tid = inspected(client, method="loyalty_points")
    owed = read(client, tid)["payable"]["amount"]
    t = ok(client, tid, "pay")
    assert t["payment"]["points"] == owed * 150 // 100
    [_, (_, payout)] = transactions(sessions, tid)
    assert payout == {accounts.TRADE_IN_LIABILITY: owed, accounts.LOYALTY_POINTS: -owed}


@pytest.mark.parametrize(
    ("pathway", "body", "rail", "hint"),
    [
        ("in_store", None, "in_person", ""),
        ("mail_in", None, "paypal", "****.com"),
        ("mail_in", {"rail": "bank_transfer", "account": IBAN}, "bank_transfer", "****5555"),
    ],
)
def test_cash_is_instructed_to_the_payout_provider_and_the_account_kept_encrypted(
    client, seeded, sessions, pathway, body, rail, hint
):
    email = None if pathway == "in_store" else EMAIL
    tid = inspected(client, method="cash", pathway=pathway, email=email)
    t = ok(client, tid, "pay", body)
    view = client.get(f"/trade-ins/{tid}/payout").json()["instrument"]
    assert (view["kind"], view["rail"], view["destination"], view["status"]) == (
        "cash",
        rail,
        hint,
        "instructed",
    )
    owed = t["payment"]["amount"]
    assert transactions(sessions, tid)[-1][1] == {
        accounts.TRADE_IN_LIABILITY: owed,
        accounts.CASH_CLEARING: -owed,
    }
    with sessions() as s:
        stored = s.scalars(select(PayoutInstruction.destination_encrypted)).one()
    assert IBAN not in stored and EMAIL not in stored


def test_cash_by_mail_without_an_account_or_email_is_refused(client, seeded, sessions):
    tid = inspected(client, method="cash", pathway="mail_in", email=None)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "pay"), 409, "customer_email_required")
    assert snapshot(client, tid) == before and nothing_written(sessions, tid)
    r = act(client, tid, "pay", {"rail": "bank_transfer"})
    assert_error(r, 422, "validation_error")


def test_no_payout_before_the_offer_is_final(client, seeded, sessions):
    for tid in (received(client), requote_offered(client)):
        before = snapshot(client, tid)
        assert_error(act(client, tid, "pay"), 409, "not_payable")
        assert snapshot(client, tid) == before and nothing_written(sessions, tid)


@pytest.fixture
def finance(sessions) -> dict[str, str]:
    with sessions.begin() as s:
        return auth.bearer(auth.staff(s, "finance@test.example", {"acme": [Role.FINANCE]}))


def test_above_the_limit_a_second_person_approves_before_anything_is_paid_out(
    client, seeded, sessions, finance
):
    assert client.patch("/programs/acme", json={"payout_approval_above": 100}).status_code == 200
    tid = inspected(client, method="store_credit")
    t = ok(client, tid, "pay")
    assert t["payment"]["status"] == "awaiting_approval"
    assert [k for k, _ in transactions(sessions, tid)] == ["accrue"]  # owed, not paid out
    queue = client.get("/payouts/awaiting-approval").json()
    assert [p["trade_in_id"] for p in queue] == [tid]
    before = (snapshot(client, tid), transactions(sessions, tid))
    r = client.post(f"/trade-ins/{tid}/payout/approve")  # the admin asked: may not approve
    assert_error(r, 409, "approver_is_requester")
    assert (snapshot(client, tid), transactions(sessions, tid)) == before
    r = client.post(f"/trade-ins/{tid}/payout/approve", headers=finance)
    assert r.status_code == 200, r.text
    payment = r.json()["payment"]
    assert payment["status"] == "paid"
    assert [k for k, _ in transactions(sessions, tid)] == ["accrue", "pay"]
    assert client.get("/payouts/awaiting-approval").json() == []
    approved = client.get(f"/trade-ins/{tid}/payout").json()
    assert approved["approved_by"] == "staff:finance@test.example"
    r = client.post(f"/trade-ins/{tid}/payout/approve", headers=finance)
    assert_error(r, 409, "approval_not_open")


def test_a_customer_sees_their_payout_and_nobody_else_s(client, seeded):
    tid = inspected(client, method="store_credit")
    other = inspected(client, method="store_credit")
    ok(client, tid, "pay")
    assert client.get(f"/trade-ins/{tid}/payout", headers=as_customer(tid)).status_code == 200
    r = client.get(f"/trade-ins/{tid}/payout", headers=as_customer(other))
    assert r.status_code == 404
    assert_error(client.get(f"/trade-ins/{other}/payout"), 404, "payout_not_found")


def test_customers_unpaid_past_the_program_s_business_days_are_listed_overdue(
    client, seeded, clock
):
    # 2026-06-15, the tests' day, is a Monday: with 2 business days the payout is due Wednesday.
    late = inspected(client, method="store_credit")
    paid_on_time = inspected(client, method="store_credit")
    ok(client, paid_on_time, "pay")
    assert client.get("/payouts/overdue").json() == []
    clock.advance(days=2, hours=1)  # Wednesday, an hour past the deadline
    overdue = client.get("/payouts/overdue").json()
    assert [(o["trade_in_id"], o["status"]) for o in overdue] == [(late, "unpaid")]
    assert overdue[0]["due_at"] > overdue[0]["offer_final_at"]
    ok(client, late, "pay")
    assert client.get("/payouts/overdue").json() == []


def test_finance_executes_cash_from_the_csv_and_confirms_it_into_the_bank(client, seeded, sessions):
    tid = inspected(client, method="cash", pathway="mail_in")
    owed = ok(client, tid, "pay", {"rail": "bank_transfer", "account": IBAN})["payment"]
    r = client.get("/programs/acme/payouts/instructions.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert (row["reference"], row["account"], row["rail"]) == (
        owed["reference"],
        IBAN,
        "bank_transfer",
    )
    assert int(row["amount_minor"]) == owed["amount"]
    r = client.post(f"/trade-ins/{tid}/payout/executed", json={"bank_reference": "BACS-42"})
    assert r.status_code == 200, r.text
    assert r.json()["instrument"]["status"] == "executed"
    assert transactions(sessions, tid)[-1] == (
        "settle",
        {accounts.CASH_CLEARING: owed["amount"], accounts.BANK: -owed["amount"]},
    )
    # Executed once: off the list, and a second confirmation is refused, writing nothing.
    listed = client.get("/programs/acme/payouts/instructions.csv").content.decode("utf-8-sig")
    assert owed["reference"] not in listed
    before = transactions(sessions, tid)
    r = client.post(f"/trade-ins/{tid}/payout/executed", json={"bank_reference": "BACS-43"})
    assert_error(r, 409, "cash_not_instructed")
    assert transactions(sessions, tid) == before


def test_only_cash_instructed_can_be_confirmed(client, seeded, sessions):
    tid = inspected(client, method="store_credit")
    ok(client, tid, "pay")
    before = transactions(sessions, tid)
    r = client.post(f"/trade-ins/{tid}/payout/executed", json={"bank_reference": "BACS-1"})
    assert_error(r, 409, "cash_not_instructed")
    assert transactions(sessions, tid) == before


@pytest.mark.parametrize("executed", [False, True])
def test_a_failed_transfer_is_reversed_and_the_customer_paid_again_elsewhere(
    client, seeded, sessions, executed
):
    tid = inspected(client, method="cash", pathway="mail_in")
    first = ok(client, tid, "pay", {"rail": "bank_transfer", "account": IBAN})["payment"]
    if executed:
        r = client.post(f"/trade-ins/{tid}/payout/executed", json={"bank_reference": "B-1"})
        assert r.status_code == 200, r.text
    r = client.post(f"/trade-ins/{tid}/payout/failed", json={"reason": "account closed"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "reversed"
    kinds = [k for k, _ in transactions(sessions, tid)]
    assert kinds.count("reverse") == (2 if executed else 1)  # new entries, nothing edited
    with sessions() as s:
        owed = -ledger.balance(s, accounts.TRADE_IN_LIABILITY, "USD")
        assert owed >= first["amount"] and ledger.check(s).ok  # owed to the customer again
    again = ok(client, tid, "pay", {"rail": "paypal", "account": "ada.new@example.com"})
    assert again["payment"]["status"] == "paid"
    assert again["payment"]["reference"] != first["reference"]
    view = client.get(f"/trade-ins/{tid}/payout").json()["instrument"]
    assert (view["rail"], view["status"]) == ("paypal", "instructed")
    with sessions() as s:
        assert ledger.check(s).ok  # one pay not reversed: paid once
        assert s.scalar(select(func.count()).where(Payment.trade_in_id == tid)) == 1
    assert_error(act(client, tid, "pay"), 409, "already_paid")


def test_only_a_cash_transfer_can_fail(client, seeded, sessions):
    tid = inspected(client, method="store_credit")
    ok(client, tid, "pay")
    before = transactions(sessions, tid)
    r = client.post(f"/trade-ins/{tid}/payout/failed", json={"reason": "changed my mind"})
    assert_error(r, 409, "cash_not_instructed")
    assert transactions(sessions, tid) == before


def test_a_coupon_that_expires_unused_goes_to_breakage_once(client, every_method, sessions, clock):
    tid = inspected(client, method="purchase_discount")
    amount = ok(client, tid, "pay")["payment"]["amount"]
    coupon = client.get(f"/trade-ins/{tid}/payout", headers=as_customer(tid)).json()
    assert client.post("/payouts/reconcile").json()["coupons_expired"] == 0  # still valid
    clock.advance(days=91)  # the program's coupons last 90 days
    assert client.post("/payouts/reconcile").json()["coupons_expired"] == 1
    assert dict(transactions(sessions, tid))["expire"] == {
        accounts.coupon(coupon["instrument"]["id"]): amount,
        accounts.COUPON_BREAKAGE: -amount,
    }
    assert client.post("/payouts/reconcile").json()["coupons_expired"] == 0  # once
    body = {
        "program_id": "acme",
        "code": coupon["instrument"]["code"],
        "customer_email": EMAIL,
        "order_reference": "ORD-late",
    }
    assert_error(client.post("/coupons/redeem", json=body), 409, "coupon_expired")
