"""Every path through the trade-in state machine, walked over HTTP, with what each step
records: pathway, payout, re-quote, sanitization, payment, disposition, reason."""

import pytest

from tests import factories
from tests.api.support import (
    PHONE,
    SANITIZED,
    accepted,
    expected_offer,
    offer,
    ok,
    read,
    received,
    rejected,
    requote_offered,
    start,
)

CASH = expected_offer(PHONE)  # the declared condition: good
CREDIT = expected_offer(PHONE, method="store_credit")


@pytest.mark.parametrize("pathway", ["in_store", "kiosk"])
def test_in_person_pathways_receive_straight_after_acceptance(client, seeded, pathway):
    tid = start(client)
    t = ok(client, tid, "accept", {"payout_method": "store_credit", "pathway": pathway})
    assert (t["state"], t["pathway"], t["payout_method"]) == ("accepted", pathway, "store_credit")
    assert t["payable"] == {
        "amount": CREDIT,
        "currency": "USD",
        "formatted": f"{CREDIT / 100:.2f} USD",
    }
    assert sorted(t["allowed_actions"]) == ["cancel", "receive"]
    t = ok(client, tid, "receive", {"note": "handed over at the till"})
    assert t["state"] == "received"
    assert sorted(t["allowed_actions"]) == ["inspect", "reject"]


@pytest.mark.parametrize("pathway", ["mail_in", "business_lot"])
def test_shipped_pathways_await_a_shipment_then_travel_then_arrive(client, seeded, pathway):
    tid = accepted(client, pathway=pathway)
    t = read(client, tid)
    assert sorted(t["allowed_actions"]) == ["await_shipment", "cancel", "expire"]
    t = ok(client, tid, "await-shipment", {"carrier": "UPS"})
    assert t["state"] == "awaiting_shipment"
    # A parcel may arrive without the carrier ever scanning it: it is received all the same.
    assert sorted(t["allowed_actions"]) == ["cancel", "expire", "receive", "ship"]
    t = ok(client, tid, "ship", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    assert (t["state"], t["allowed_actions"]) == ("in_transit", ["receive"])
    t = ok(client, tid, "receive")
    assert t["state"] == "received"
    events = read(client, tid)["custody"]
    assert events[3]["data"] == {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}
    assert [e["action"] for e in events] == [
        "quote",
        "accept",
        "await_shipment",
        "ship",
        "receive",
    ]


def test_a_device_as_declared_is_sanitized_paid_the_quote_and_resold(client, seeded, clock):
    tid = received(client, method="cash")
    t = ok(client, tid, "inspect", {"condition": factories.answers(), "notes": "as declared"})
    assert (t["state"], t["grade"], t["requote"]) == ("inspected", "B", None)
    assert t["payable"]["amount"] == CASH
    clock.advance(hours=2)
    t = ok(client, tid, "sanitize", SANITIZED)
    assert t["state"] == "sanitized"
    assert t["sanitization"] == {
        **SANITIZED,
        "record_id": t["sanitization"]["record_id"],
        "tool": "",
        "operator": "staff:admin@test.example",
        "completed_at": "2026-06-15T14:00:00Z",
        "verification": "not_sampled",
    }
    assert t["allowed_actions"] == ["dispose", "second_opinion"]
    t = ok(client, tid, "pay")
    assert t["state"] == "sanitized"  # paying the customer does not move the device
    payment = t["payment"]
    assert (payment["amount"], payment["currency"], payment["method"]) == (CASH, "USD", "cash")
    assert (payment["status"], payment["points"]) == ("paid", None)
    assert payment["reference"].startswith("pay_")
    assert payment["paid_at"] == "2026-06-15T14:00:00Z"
    t = ok(client, tid, "dispose", {"route": "refurbish_resell"})
    assert (t["state"], t["disposition"], t["allowed_actions"]) == (
        "disposed",
        "refurbish_resell",
        [],
    )
    assert read(client, tid)["payment"] == payment


def test_a_device_better_than_declared_raises_the_offer_by_itself(client, seeded):
    tid = received(client, method="cash", cosmetic="fair", screen_cracked=True)
    found = factories.answers(cosmetic="flawless")
    t = ok(client, tid, "inspect", {"condition": found})
    assert (t["state"], t["grade"], t["requote"]["kind"]) == ("inspected", "A", "raised")
    quoted = expected_offer(PHONE, cosmetic="fair", defects=("screen_cracked",))
    raised = expected_offer(PHONE, cosmetic="flawless")
    assert t["payable"]["amount"] == raised > quoted
    custody = read(client, tid)["custody"]
    assert [e["action"] for e in custody[-2:]] == ["inspect", "raise_offer"]
    assert custody[-1]["data"]["difference"] == raised - quoted
    # Nothing for the customer to answer: the device goes on, and is paid the raised offer.
    assert ok(client, tid, "sanitize", SANITIZED)["state"] == "sanitized"
    assert ok(client, tid, "pay")["payment"]["amount"] == raised


def test_a_program_may_keep_the_quote_when_the_device_is_better(client, seeded):
    assert client.patch("/programs/acme", json={"upward_requote": False}).status_code == 200
    tid = received(client, method="cash", cosmetic="fair")
    t = ok(client, tid, "inspect", {"condition": factories.answers(cosmetic="flawless")})
    assert (t["requote"], t["payable"]["amount"]) == (None, expected_offer(PHONE, cosmetic="fair"))


def test_a_price_drop_after_the_quote_does_not_reopen_a_device_as_declared(client, seeded):
    tid = received(client, method="cash")
    r = client.put("/programs/acme/prices", json={"prices": [{"variant_sku": PHONE, "amount": 1}]})
    assert r.status_code == 200
    t = ok(client, tid, "inspect", {"condition": factories.answers()})
    assert (t["state"], t["requote"]) == ("inspected", None)  # the price lock holds
    assert ok(client, tid, "sanitize", SANITIZED)["state"] == "sanitized"
    assert ok(client, tid, "pay")["payment"]["amount"] == CASH


def test_a_worse_device_gets_a_requote_and_is_paid_the_requote(client, seeded, clock):
    tid = received(client, method="store_credit")
    clock.advance(days=3)
    found = factories.answers(cosmetic="fair", faults=["battery"])
    t = ok(client, tid, "inspect", {"condition": found})
    assert (t["state"], t["grade"]) == ("requote_offered", "C")
    assert sorted(t["allowed_actions"]) == ["accept_requote", "decline_requote", "second_opinion"]
    requote = t["requote"]
    assert requote["kind"] == "requote"
    assert requote["condition"] == found
    assert requote["as_of"] == t["quote"]["as_of"]  # priced as at the original quote
    assert requote["expires_at"] == t["expires_at"] == "2026-07-02T12:00:00Z"  # 14 days on
    found_cash = expected_offer(PHONE, cosmetic="fair", defects=("battery",))
    found_credit = expected_offer(
        PHONE, method="store_credit", cosmetic="fair", defects=("battery",)
    )
    assert (offer(requote, "cash"), offer(requote, "store_credit")) == (found_cash, found_credit)
    assert found_credit < CREDIT
    assert t["payable"]["amount"] == CREDIT  # not owed less until the customer accepts
    t = ok(client, tid, "accept-requote", {"note": "ok"})
    assert t["state"] == "requote_accepted"
    assert t["payable"]["amount"] == found_credit
    assert ok(client, tid, "sanitize", SANITIZED)["state"] == "sanitized"
    t = ok(client, tid, "pay")
    assert t["payment"]["amount"] == found_credit == offer(t["requote"], "store_credit")
    assert t["payment"]["method"] == "store_credit"
    t = ok(client, tid, "dispose", {"route": "marketplace"})
    assert (t["state"], t["disposition"]) == ("disposed", "marketplace")


def test_a_declined_requote_sends_the_device_back(client, seeded):
    tid = requote_offered(client)
    t = ok(client, tid, "decline-requote", {"note": "too low"})
    assert (t["state"], t["allowed_actions"]) == ("requote_declined", ["return"])
    t = ok(client, tid, "return", {"carrier": "DHL", "tracking_number": "JD0123"})
    assert (t["state"], t["allowed_actions"]) == ("returned", [])
    assert t["payment"] is None and t["disposition"] is None


def test_a_rejected_device_is_returned_with_the_reason_recorded(client, seeded):
    tid = received(client)
    t = ok(client, tid, "reject", {"reason": "not_declared_device", "note": "an iPhone 12"})
    assert t["state"] == "rejected"
    assert t["reason"] == "not_declared_device: an iPhone 12"
    assert sorted(t["allowed_actions"]) == ["dispose", "return"]
    t = ok(client, tid, "return")
    assert (t["state"], t["reason"], t["payment"]) == ("returned", t["reason"], None)


def test_a_device_can_be_rejected_after_inspection(client, seeded):
    tid = received(client)
    ok(client, tid, "inspect", {"condition": factories.answers()})
    t = ok(client, tid, "reject", {"reason": "blocklisted"})
    assert (t["state"], t["reason"]) == ("rejected", "blocklisted")


def test_a_rejected_device_may_be_recycled(client, seeded):
    tid = rejected(client)
    t = ok(client, tid, "dispose", {"route": "recycle"})
    assert (t["state"], t["disposition"], t["payment"]) == ("disposed", "recycle", None)


@pytest.mark.parametrize("stage", ["quoted", "accepted", "awaiting_shipment"])
def test_the_customer_may_cancel_before_the_device_ships(client, seeded, stage):
    tid = start(client) if stage == "quoted" else accepted(client, pathway="mail_in")
    if stage == "awaiting_shipment":
        ok(client, tid, "await-shipment")
    assert read(client, tid)["state"] == stage
    t = ok(client, tid, "cancel", {"note": "changed my mind"})
    assert (t["state"], t["reason"], t["allowed_actions"]) == ("cancelled", "changed my mind", [])


def test_a_cancel_without_a_note_records_a_default_reason(client, seeded):
    tid = start(client)
    t = ok(client, tid, "cancel")
    assert (t["state"], t["reason"]) == ("cancelled", "cancelled by the customer")


def test_a_quote_expires_only_once_its_price_lock_has_ended(client, seeded, clock):
    tid = start(client)
    clock.advance(days=13, hours=23)
    r = client.post(f"/trade-ins/{tid}/expire")
    assert r.status_code == 409 and r.json()["code"] == "not_yet_expired"
    assert read(client, tid)["state"] == "quoted"
    assert len(read(client, tid)["custody"]) == 1
    clock.advance(hours=1)  # exactly at expires_at: the lock has ended
    t = ok(client, tid, "expire")
    assert (t["state"], t["allowed_actions"]) == ("expired", [])


def test_an_unshipped_acceptance_expires_too(client, seeded, clock):
    tid = accepted(client, pathway="mail_in")
    ok(client, tid, "await-shipment")
    clock.advance(days=15)
    assert ok(client, tid, "expire")["state"] == "expired"


def test_expire_due_expires_every_lapsed_quote_and_unshipped_acceptance(client, seeded, clock):
    lapsed_quote = start(client)
    unshipped = accepted(client, pathway="mail_in")
    ok(client, unshipped, "await-shipment")
    in_store = accepted(client, pathway="in_store")  # accepted: no longer expires
    in_transit = accepted(client, pathway="mail_in")
    ok(client, in_transit, "await-shipment")
    ok(client, in_transit, "ship")
    clock.advance(days=10)
    fresh = start(client)
    clock.advance(days=5)
    r = client.post("/trade-ins/expire-due")
    assert r.status_code == 200
    assert r.json() == {"expired": 2, "lapsed": 0, "locked_rejected": 0}
    states = {tid: read(client, tid)["state"] for tid in (lapsed_quote, unshipped, in_store)}
    assert states == {lapsed_quote: "expired", unshipped: "expired", in_store: "accepted"}
    assert read(client, in_transit)["state"] == "in_transit"
    assert read(client, fresh)["state"] == "quoted"
    assert client.post("/trade-ins/expire-due").json() == {
        "expired": 0,
        "lapsed": 0,
        "locked_rejected": 0,
    }
    clock.advance(days=10)
    assert client.post("/trade-ins/expire-due").json() == {
        "expired": 1,
        "lapsed": 0,
        "locked_rejected": 0,
    }
    assert read(client, fresh)["state"] == "expired"


def test_a_trade_in_in_flight_survives_its_payout_method_being_withdrawn(client, seeded):
    tid = received(client, method="store_credit")
    r = client.patch("/programs/acme", json={"payout_options": [{"method": "cash"}]})
    assert r.status_code == 200
    t = ok(client, tid, "inspect", {"condition": factories.answers()})
    assert (t["state"], t["payable"]["amount"]) == ("inspected", CREDIT)


def test_a_trade_in_in_flight_survives_its_category_being_withdrawn(client, seeded):
    tid = received(client, method="cash")
    r = client.patch("/programs/acme", json={"accepted_categories": ["tablet"]})
    assert r.status_code == 200
    t = ok(client, tid, "inspect", {"condition": factories.answers()})
    assert (t["state"], t["payable"]["amount"]) == ("inspected", CASH)


def test_a_requote_keeps_the_quotes_terms_when_prices_change_meanwhile(client, seeded):
    untouched = received(client, method="cash")
    repriced = received(client, method="cash")
    cut = client.put(
        "/programs/acme/prices", json={"prices": [{"variant_sku": PHONE, "amount": 100}]}
    )
    assert cut.status_code == 200
    worse = {"condition": factories.answers(cosmetic="fair")}
    a = ok(client, untouched, "inspect", worse)
    b = ok(client, repriced, "inspect", worse)
    assert a["state"] == b["state"] == "requote_offered"
    assert a["requote"]["offers"] == b["requote"]["offers"]
    assert a["requote"]["offers"][0]["lines"][0]["amount"] == 47940  # 60% of 799.00, as quoted
