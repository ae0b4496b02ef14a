"""Refused lifecycle actions: each answers the right error and leaves the trade-in exactly as
it was (state, custody, payment and every record), as a re-read shows."""

import pytest
from sqlalchemy import func, select

from revalue.tradeins.models import Payment
from tests import auth, factories
from tests.api.support import (
    CUSTOMER_ONLY,
    NOT_ERASED,
    SANITIZED,
    accepted,
    act,
    assert_error,
    ok,
    paid,
    read,
    received,
    rejected,
    requote_offered,
    sanitized,
    snapshot,
    start,
)

ENDPOINTS = [
    "accept",
    "await-shipment",
    "ship",
    "receive",
    "inspect",
    "accept-requote",
    "decline-requote",
    "reject",
    "return",
    "sanitize",
    "dispose",
    "cancel",
    "expire",
]  # paying is not a step of the device's lifecycle: tests/api/test_payouts_api.py
BODIES = {
    "accept": {"payout_method": "cash", "pathway": "mail_in"},
    "inspect": {"condition": factories.answers()},
    "reject": {"reason": "other"},
    "sanitize": SANITIZED,
    "dispose": {"route": "recycle"},
}
# The state machine, as the API must expose it: what may be done from each state.
ALLOWED = {
    "quoted": {"accept", "cancel", "expire"},
    "accepted/mail_in": {"await_shipment", "cancel", "expire"},
    "accepted/in_store": {"receive", "cancel"},
    "awaiting_shipment": {"ship", "cancel", "expire", "receive"},
    "in_transit": {"receive"},
    "received": {"inspect", "reject"},
    "inspected": {"sanitize", "reject", "second_opinion"},
    "requote_offered": {"accept_requote", "decline_requote", "second_opinion"},
    "requote_accepted": {"sanitize", "second_opinion"},
    "requote_declined": {"return"},
    "sanitization_failed": {"sanitize", "second_opinion"},
    "sanitized": {"dispose", "second_opinion"},
    "rejected": {"return", "dispose"},
    "disposed": set(),
    "returned": set(),
    "cancelled": set(),
    "expired": set(),
}
INTERNAL = {
    "offer_requote",
    "raise_offer",
    "requote_lapsed_return",
    "requote_lapsed_accept",
}  # taken by the inspection itself, not by a request


def reach(client, clock, where: str) -> str:
    state, _, pathway = where.partition("/")
    if state == "quoted":
        return start(client)
    if state == "accepted":
        return accepted(client, pathway=pathway)
    if state in ("awaiting_shipment", "in_transit"):
        tid = accepted(client, pathway="mail_in")
        ok(client, tid, "await-shipment")
        if state == "in_transit":
            ok(client, tid, "ship")
        return tid
    if state == "received":
        return received(client)
    if state == "inspected":
        tid = received(client)
        ok(client, tid, "inspect", {"condition": factories.answers()})
        return tid
    if state.startswith("requote_"):
        tid = requote_offered(client)
        step = {"requote_accepted": "accept-requote", "requote_declined": "decline-requote"}
        if state in step:
            ok(client, tid, step[state])
        return tid
    if state == "sanitized":
        return sanitized(client)
    if state == "sanitization_failed":
        return sanitized(client, result=NOT_ERASED)
    if state == "disposed":
        tid = paid(client)
        ok(client, tid, "dispose", {"route": "recycle"})
        return tid
    if state in ("rejected", "returned"):
        tid = rejected(client)
        if state == "returned":
            ok(client, tid, "return")
        return tid
    tid = start(client)
    if state == "cancelled":
        ok(client, tid, "cancel")
    else:
        clock.advance(days=15)
        ok(client, tid, "expire")
    return tid


@pytest.mark.parametrize("where", list(ALLOWED))
def test_every_action_the_state_does_not_allow_is_refused_and_changes_nothing(
    client, seeded, clock, where
):
    tid = reach(client, clock, where)
    before = snapshot(client, tid)
    assert before["state"] == where.partition("/")[0]
    allowed = set(read(client, tid)["allowed_actions"]) - INTERNAL
    assert allowed == ALLOWED[where]
    for endpoint in ENDPOINTS:
        action = endpoint.replace("-", "_")
        if action in allowed:
            continue
        r = act(client, tid, endpoint, BODIES.get(endpoint))
        details = assert_error(r, 409, "illegal_transition")["details"]
        assert (details["state"], details["action"]) == (before["state"], action)
        assert snapshot(client, tid) == before, endpoint


def test_receiving_a_mail_in_device_without_a_shipment_is_refused(client, seeded):
    tid = accepted(client, pathway="mail_in")
    before = snapshot(client, tid)
    details = assert_error(act(client, tid, "receive"), 409, "illegal_transition")["details"]
    assert details["pathway"] == "mail_in"
    assert snapshot(client, tid) == before


def test_awaiting_a_shipment_for_an_in_store_trade_in_is_refused(client, seeded):
    tid = accepted(client, pathway="in_store")
    before = snapshot(client, tid)
    r = act(client, tid, "await-shipment", {"carrier": "UPS"})
    assert assert_error(r, 409, "illegal_transition")["details"]["pathway"] == "in_store"
    assert snapshot(client, tid) == before


def test_accepting_twice_is_refused_and_keeps_the_first_choice(client, seeded):
    tid = accepted(client, pathway="mail_in", method="cash")
    before = snapshot(client, tid)
    r = act(client, tid, "accept", {"payout_method": "store_credit", "pathway": "in_store"})
    assert assert_error(r, 409, "illegal_transition")["details"]["state"] == "accepted"
    assert snapshot(client, tid) == before
    assert (before["payout_method"], before["pathway"]) == ("cash", "mail_in")


def test_accepting_after_the_quote_expired_is_refused(client, seeded, clock):
    tid = start(client)
    clock.advance(days=15)
    before = snapshot(client, tid)
    r = act(client, tid, "accept", {"payout_method": "cash", "pathway": "in_store"})
    body = assert_error(r, 409, "quote_expired")
    assert body["details"]["expires_at"].startswith("2026-06-29T12:00:00")
    assert snapshot(client, tid) == before
    assert (before["state"], before["pathway"], before["custody"]) == ("quoted", None, 1)


def test_expiring_before_the_price_lock_ends_is_refused(client, seeded, clock):
    tid = accepted(client, pathway="mail_in")
    ok(client, tid, "await-shipment")
    clock.advance(days=13)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "expire"), 409, "not_yet_expired")
    assert snapshot(client, tid) == before
    assert client.post("/trade-ins/expire-due").json() == {
        "expired": 0,
        "lapsed": 0,
        "locked_rejected": 0,
    }
    assert snapshot(client, tid) == before


def test_accepting_a_requote_after_it_expired_is_refused(client, seeded, clock):
    tid = requote_offered(client)
    clock.advance(days=14)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "accept-requote"), 409, "quote_expired")
    assert snapshot(client, tid) == before
    assert ok(client, tid, "decline-requote")["state"] == "requote_declined"


def test_paying_twice_is_refused_and_pays_once(client, seeded, sessions):
    tid = paid(client)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "pay"), 409, "already_paid")
    after = snapshot(client, tid)
    assert after == before
    assert after["payment"]["amount"] == after["payable"]["amount"]
    with sessions() as s:
        count = s.scalar(select(func.count()).where(Payment.trade_in_id == tid))
    assert count == 1


@pytest.mark.parametrize("route", ["refurbish_resell", "marketplace", "wholesale", "parts"])
def test_a_rejected_device_may_only_be_recycled(client, seeded, route):
    tid = rejected(client)
    before = snapshot(client, tid)
    assert_error(act(client, tid, "dispose", {"route": route}), 409, "sanitization_required")
    assert snapshot(client, tid) == before


def test_an_unknown_trade_in_is_a_404_on_every_route(client, seeded, sessions):
    tid = "t_nope"
    # Staff may not answer a re-quote at all (403 before any lookup); the retailer's systems may.
    with sessions.begin() as s:
        key = auth.partner_key(s, ["acme"], [a.replace("-", "_") for a in CUSTOMER_ONLY])
    for endpoint in ENDPOINTS:
        kw = {"headers": auth.bearer(key)} if endpoint in CUSTOMER_ONLY else {}
        r = act(client, tid, endpoint, BODIES.get(endpoint), **kw)
        assert_error(r, 404, "trade_in_not_found", field="trade_in_id")
    assert_error(client.get(f"/trade-ins/{tid}"), 404, "trade_in_not_found")
    assert_error(client.get(f"/trade-ins/{tid}/custody/verify"), 404, "trade_in_not_found")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"payout_method": "bitcoin", "pathway": "mail_in"}, "validation_error", "payout_method"),
        ({"payout_method": "loyalty_points", "pathway": "mail_in"}, "invalid_input", None),
        ({"payout_method": "cash", "pathway": "drone"}, "validation_error", "pathway"),
        ({"payout_method": "cash"}, "validation_error", "pathway"),
        ({"payout_method": "cash", "pathway": "mail_in", "tip": 5}, "validation_error", "tip"),
        (None, "validation_error", None),
    ],
)
def test_a_bad_acceptance_is_refused_naming_the_field(client, seeded, body, code, field):
    tid = start(client)
    before = snapshot(client, tid)
    body_out = assert_error(act(client, tid, "accept", body), 422, code, field=field)
    if code == "invalid_input":  # a real method, but not one this program pays with
        assert body_out["details"]["field"] == "payout_method"
        assert body_out["details"]["offered"] == ["cash", "store_credit"]
    assert snapshot(client, tid) == before


def test_a_pathway_the_program_does_not_offer_is_refused(client, seeded):
    client.patch("/programs/acme", json={"pathways": ["mail_in"]})
    tid = start(client)
    before = snapshot(client, tid)
    r = act(client, tid, "accept", {"payout_method": "cash", "pathway": "kiosk"})
    assert assert_error(r, 422, "not_offered", field="pathway")["details"]["offered"] == ["mail_in"]
    assert snapshot(client, tid) == before


@pytest.mark.parametrize(
    ("condition", "code", "field"),
    [
        (factories.answers(powers_on="yes"), "validation_error", "condition.powers_on"),
        (factories.answers(cosmetic="scratched"), "validation_error", "condition.cosmetic"),
        (factories.answers(faults=["keyboard"]), "invalid_condition", "faults"),
    ],
)
def test_a_malformed_inspection_is_refused_and_records_nothing(
    client, seeded, condition, code, field
):
    tid = received(client)
    before = snapshot(client, tid)
    r = act(client, tid, "inspect", {"condition": condition})
    assert_error(r, 422, code, field=field)
    assert snapshot(client, tid) == before
    assert read(client, tid)["grade"] is None


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("reject", {"reason": "ugly"}, "reason"),
        ("reject", {}, "reason"),
        ("sanitize", {**SANITIZED, "level": "wipe"}, "level"),
        ("sanitize", {"level": "purge", "technique": "overwrite"}, "result"),
        ("receive", {"note": "x" * 2001}, "note"),
        ("receive", {"signed_by": "me"}, "signed_by"),
    ],
)
def test_bad_action_bodies_are_refused_naming_the_field(client, seeded, endpoint, body, field):
    tid = received(client)
    if endpoint == "receive":
        tid = accepted(client, pathway="in_store")
    before = snapshot(client, tid)
    assert_error(act(client, tid, endpoint, body), 422, "validation_error", field=field)
    assert snapshot(client, tid) == before


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("dispose", {"route": "landfill"}, "route"),
        ("ship", {"carrier": "c" * 61}, "carrier"),
    ],
)
def test_bad_shipping_and_disposal_bodies_are_refused(client, seeded, endpoint, body, field):
    tid = paid(client) if endpoint == "dispose" else accepted(client, pathway="mail_in")
    if endpoint == "ship":
        ok(client, tid, "await-shipment")
    before = snapshot(client, tid)
    assert_error(act(client, tid, endpoint, body), 422, "validation_error", field=field)
    assert snapshot(client, tid) == before
