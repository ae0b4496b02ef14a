"""Instant store credit at hand-over in store, and its settling once the offer is final: a
top-up when the device is better than declared, a clawback (from the card first, the rest owed
back) when it is worse, rejected or sent back; always new ledger entries, never edits."""

import pytest

from revalue.payouts import accounts, ledger
from tests import factories
from tests.api.support import (
    as_customer,
    assert_error,
    ok,
    read,
    received,
    snapshot,
)
from tests.api.test_payouts_api import nothing_written, transactions


@pytest.fixture
def instant(client, seeded):
    assert client.patch("/programs/acme", json={"instant_credit": True}).status_code == 200


def at_the_till(client, **answers) -> tuple[str, int]:
    tid = received(client, method="store_credit", pathway="in_store", **answers)
    r = client.post(f"/trade-ins/{tid}/pay/instant")
    assert r.status_code == 200, r.text
    payment = r.json()["payment"]
    assert payment["status"] == "paid"
    return tid, payment["amount"]


def card(client, tid: str) -> dict:
    return client.get(f"/trade-ins/{tid}/payout", headers=as_customer(tid)).json()["instrument"]


def spend(client, tid: str, amount: int) -> None:
    body = {
        "program_id": "acme",
        "code": card(client, tid)["code"],
        "amount": amount,
        "currency": "USD",
        "order_reference": f"ORD-{tid}",
    }
    r = client.post("/store-credits/redeem", json=body)
    assert r.status_code == 200, r.text


def reconcile(client) -> list[dict]:
    r = client.post("/payouts/reconcile")
    assert r.status_code == 200, r.text
    return r.json()["settled"]


def test_credit_at_hand_over_then_inspected_as_quoted_settles_with_no_change(
    client, instant, sessions
):
    tid, paid = at_the_till(client)
    assert card(client, tid)["balance"] == paid
    assert reconcile(client) == []  # not inspected yet: nothing to settle
    ok(client, tid, "inspect", {"condition": factories.answers()})
    [settled] = reconcile(client)
    assert (settled["paid"], settled["final"], settled["from_card"]) == (paid, paid, 0)
    assert [k for k, _ in transactions(sessions, tid)] == ["accrue", "pay"]
    assert read(client, tid)["payment"]["amount"] == paid
    assert reconcile(client) == []  # settled once


def test_worse_than_declared_claws_back_from_the_card_and_the_spent_rest_is_owed(
    client, instant, sessions
):
    tid, paid = at_the_till(client)
    spend(client, tid, paid - 1000)  # the customer spends all but 10.00 before inspection
    ok(client, tid, "inspect", {"condition": factories.answers(cosmetic="poor")})
    t = ok(client, tid, "accept-requote")
    final = next(o for o in t["requote"]["offers"] if o["method"] == "store_credit")
    final = final["amount"]["amount"]
    assert final < paid - 1000  # more is clawed back than is left on the card
    [settled] = reconcile(client)
    assert (settled["from_card"], settled["receivable"]) == (1000, paid - final - 1000)
    entries = dict(transactions(sessions, tid))["clawback"]
    assert entries[accounts.CLAWBACK_RECEIVABLE] == paid - final - 1000
    assert entries[accounts.store_credit(card(client, tid)["id"])] == 1000
    assert card(client, tid)["balance"] == 0
    assert read(client, tid)["payment"]["amount"] == final
    with sessions() as s:
        assert ledger.check(s).ok


def test_a_declined_requote_claws_all_of_it_back(client, instant, sessions):
    tid, paid = at_the_till(client)
    ok(client, tid, "inspect", {"condition": factories.answers(cosmetic="poor")})
    ok(client, tid, "decline-requote")
    [settled] = reconcile(client)
    assert (settled["final"], settled["from_card"], settled["receivable"]) == (0, paid, 0)
    assert read(client, tid)["payment"]["status"] == "clawed_back"
    assert card(client, tid)["balance"] == 0


def test_better_than_declared_tops_the_card_up(client, instant, sessions):
    tid, paid = at_the_till(client, cosmetic="fair")
    ok(client, tid, "inspect", {"condition": factories.answers(cosmetic="flawless")})
    [settled] = reconcile(client)
    assert settled["final"] > paid
    assert "top_up" in dict(transactions(sessions, tid))
    assert card(client, tid)["balance"] == settled["final"]


@pytest.mark.parametrize("case", ["program", "method", "pathway", "inspected"])
def test_instant_credit_only_where_the_program_allows_it_at_the_till(
    client, seeded, sessions, case
):
    if case != "program":
        client.patch("/programs/acme", json={"instant_credit": True})
    method = "cash" if case == "method" else "store_credit"
    pathway = "mail_in" if case == "pathway" else "in_store"
    tid = received(client, method=method, pathway=pathway)
    if case == "inspected":
        ok(client, tid, "inspect", {"condition": factories.answers()})
    before = snapshot(client, tid)
    r = client.post(f"/trade-ins/{tid}/pay/instant")
    assert_error(r, 409, "instant_credit_not_allowed")
    assert snapshot(client, tid) == before and nothing_written(sessions, tid)


def test_an_instant_payout_is_the_one_payout(client, instant):
    tid, _ = at_the_till(client)
    ok(client, tid, "inspect", {"condition": factories.answers()})
    assert_error(client.post(f"/trade-ins/{tid}/pay"), 409, "already_paid")
