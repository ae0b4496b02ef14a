"""The program's logistics SLAs: an unshipped acceptance expires or is repriced at today's
price book after ship_by_days; the overdue report lists every breach with its days late."""

from __future__ import annotations

from datetime import date

from revalue.domain.access import Role
from revalue.logistics.models import Batch, BatchItem, Site
from revalue.quotes.models import Quote
from tests import auth, factories
from tests.api.support import (
    PHONE,
    PROGRAM,
    accepted,
    as_customer,
    expected_offer,
    ok,
    read,
    received,
)
from tests.api.test_shipments_api import add_hub, event, label, mail_in, post_events

SETTINGS = {"ship_by_days": 7, "quote_validity_days": 30, "transit_loss_days": 5}
TODAY = date(2026, 6, 23)  # eight days on: a month more of depreciation than at the quote


def sweep(client) -> dict:
    r = client.post(f"/programs/{PROGRAM}/logistics/sweep")
    assert r.status_code == 200, r.text
    return r.json()


def test_an_acceptance_not_shipped_in_time_expires_under_the_expire_rule(
    client, seeded, sessions, clock
):
    add_hub(client, sessions, ship_lapse="expire", **SETTINGS)
    late = mail_in(client)
    label(client, late)
    clock.advance(days=3)
    on_time = mail_in(client)
    label(client, on_time)
    clock.advance(days=4)  # exactly seven days for the first: not late yet
    assert sweep(client)["expired"] == []
    clock.advance(minutes=1)
    done = sweep(client)
    assert (done["expired"], done["repriced"], done["claims_opened"]) == ([late], [], [])
    t = read(client, late)
    assert t["state"] == "expired"
    last = t["custody"][-1]
    assert (last["action"], last["data"]["rule"]) == ("expire", "ship_by")
    assert last["data"]["due"] == "2026-06-22T12:00:00+00:00"
    assert read(client, on_time)["state"] == "awaiting_shipment"
    assert sweep(client)["expired"] == []  # nothing twice


def test_an_acceptance_not_shipped_in_time_is_repriced_at_today_s_book(
    client, anonymous, seeded, sessions, clock
):
    add_hub(client, sessions, ship_lapse="reprice", **SETTINGS)
    tid = mail_in(client, method="store_credit")
    label(client, tid)
    old = read(client, tid)
    quoted = expected_offer(PHONE, method="store_credit")
    assert old["payable"]["amount"] == quoted
    clock.advance(days=8)
    done = sweep(client)
    assert (done["repriced"], done["expired"]) == ([tid], [])
    now_worth = expected_offer(PHONE, method="store_credit", today=TODAY)
    assert now_worth < quoted
    t = read(client, tid)
    assert t["state"] == "awaiting_shipment"
    assert t["payable"]["amount"] == now_worth
    assert t["quote"]["id"] != old["quote"]["id"]
    assert t["expires_at"] == "2026-06-30T12:00:00Z"  # a new deadline to ship, from today
    last = t["custody"][-1]
    assert last["action"] == "reprice"
    assert {
        k: last["data"][k]
        for k in ("old_quote_id", "new_quote_id", "old_amount", "new_amount", "currency")
    } == {
        "old_quote_id": old["quote"]["id"],
        "new_quote_id": t["quote"]["id"],
        "old_amount": quoted,
        "new_amount": now_worth,
        "currency": "USD",
    }
    with sessions() as s:
        fresh = s.get(Quote, t["quote"]["id"])
        first = s.get(Quote, old["quote"]["id"])
        assert (fresh.kind, fresh.condition) == ("repriced", first.condition)
    # The new price gets the days again: no second repricing tomorrow.
    clock.advance(days=1)
    assert sweep(client)["repriced"] == []
    # The customer may walk away from the new price.
    r = anonymous.post(f"/trade-ins/{tid}/cancel", headers=as_customer(tid), json={"note": "no"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_an_acceptance_never_labelled_expires_at_its_deadline_too(client, seeded, sessions, clock):
    add_hub(client, sessions, **SETTINGS)
    tid = mail_in(client)
    assert read(client, tid)["expires_at"] == "2026-06-22T12:00:00Z"  # ship_by_days on
    clock.advance(days=7)
    assert sweep(client)["expired"] == []  # not before the deadline has passed
    assert read(client, tid)["state"] == "accepted"
    clock.advance(days=2)
    assert sweep(client)["expired"] == [tid]
    assert read(client, tid)["state"] == "expired"
    assert sweep(client)["expired"] == []  # never twice


def test_the_overdue_report_lists_every_kind_of_breach_with_its_days_late(
    client, anonymous, seeded, sessions, clock
):
    add_hub(client, sessions, transfer_loss_days=5, receipt_payout_days=5, **SETTINGS)
    unshipped = mail_in(client)
    label(client, unshipped)
    travelling = mail_in(client)
    (parcel,) = label(client, travelling)
    post_events(
        client, event(parcel["tracking_number"], "in_transit", "2026-06-15T16:00:00Z", "t1")
    )
    in_store = accepted(client, pathway="in_store")
    unpaid = received(client)
    ok(client, unpaid, "inspect", {"condition": factories.answers()})
    settled = received(client)
    ok(client, settled, "inspect", {"condition": factories.answers()})
    ok(client, settled, "pay")
    turned_away = received(client)
    ok(client, turned_away, "reject", {"reason": "counterfeit"})
    with sessions.begin() as s:
        s.add(
            Site(
                id="store-1",
                kind="store",
                name="High St",
                address={},
                active=True,
                created_at=factories.NOW,
            )
        )
        s.flush()
        s.add(
            Batch(
                id="b_1",
                from_site_id="store-1",
                to_site_id="hub-leeds",
                status="dispatched",
                created_by="staff:1",
                created_at=factories.NOW,
                dispatched_at=factories.NOW,
            )
        )
        s.flush()
        s.add(
            BatchItem(
                batch_id="b_1",
                trade_in_id=in_store,
                scanned_out_at=factories.NOW,
                scanned_out_by="staff:1",
            )
        )
    clock.advance(days=10)
    r = client.get(f"/programs/{PROGRAM}/logistics/overdue")
    assert r.status_code == 200, r.text
    rows = [
        (b["kind"], b["trade_in_id"], b["reference"], b["due"], b["days_late"]) for b in r.json()
    ]
    assert rows == [
        ("not_shipped", unshipped, None, "2026-06-22T12:00:00Z", 3),
        ("in_transit_too_long", travelling, parcel["id"], "2026-06-20T16:00:00Z", 4),
        ("batch_not_arrived", in_store, "b_1", "2026-06-20T12:00:00Z", 5),
        ("not_paid", unpaid, None, "2026-06-20T12:00:00Z", 5),
    ]
    assert {b["since"] for b in r.json()} == {"2026-06-15T12:00:00Z", "2026-06-15T16:00:00Z"}
    # An auditor of the program reads it too.
    with sessions.begin() as s:
        auditor = auth.staff(s, "au@acme.example", {PROGRAM: [Role.AUDITOR]})
    r = anonymous.get(f"/programs/{PROGRAM}/logistics/overdue", headers=auth.bearer(auditor))
    assert r.status_code == 200 and len(r.json()) == 4
