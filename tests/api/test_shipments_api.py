"""Inbound shipments over HTTP: a label for an accepted mail-in trade-in, addressed to its
program's receiving site; mailing kits as the program says; the label PDF; and the whole
way from label through the carrier's tracking events to receipt at the site."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from revalue.events.models import OutboxEvent
from revalue.logistics import shipments
from revalue.logistics.models import Shipment, Site, TrackingEvent
from tests import factories
from tests.api.support import (
    PROGRAM,
    TABLET,
    accepted,
    act,
    as_customer,
    assert_error,
    ok,
    post_quote,
    read,
    received,
    snapshot,
    start,
)

HUB = "hub-leeds"
HUB_ADDRESS = {
    "name": "Acme Returns Centre",
    "line1": "Unit 4, Canal Road",
    "city": "Leeds",
    "postcode": "LS12 2PN",
    "country": "GB",
}
ADDRESS = {"line1": "12 Analytical Row", "city": "London", "postal_code": "N1 9GU", "country": "GB"}
CARRIER = "revalue-post"


def add_hub(client, sessions, program: str = PROGRAM, **settings: Any) -> None:
    """A processing site, made the program's receiving site, and program settings."""
    with sessions.begin() as s:
        if s.get(Site, HUB) is None:
            s.add(
                Site(id=HUB, kind="processing", name="Leeds hub", address=HUB_ADDRESS,
                     active=True, created_at=factories.NOW)
            )  # fmt: skip
    r = client.patch(f"/programs/{program}", json={"receiving_site_id": HUB, **settings})
    assert r.status_code == 200, r.text


def mail_in(client, *, contact: dict | None = None, sku: str | None = None, method: str = "cash"):
    """An accepted mail-in trade-in (with the customer's contact when given); its id."""
    tid = start(client, sku) if sku else start(client)
    body: dict[str, Any] = {"payout_method": method, "pathway": "mail_in"}
    if contact is not None:
        body["contact"] = contact
    ok(client, tid, "accept", body)
    return tid


def label(client, tid: str, body: dict | None = None, **kw: Any) -> list[dict]:
    r = client.post(f"/trade-ins/{tid}/shipments", json=body, **kw)
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "awaiting_shipment"
    return r.json()["shipments"]


def event(tracking_number: str, status: str, at: str, event_id: str, **extra: Any) -> dict:
    return {
        "event_id": event_id,
        "tracking_number": tracking_number,
        "status": status,
        "occurred_at": at,
        **extra,
    }


def post_events(client, *events: dict, carrier: str = CARRIER, **kw: Any) -> list[str]:
    r = client.post(f"/carriers/{carrier}/events", json={"events": list(events)}, **kw)
    assert r.status_code == 200, r.text
    return [e["result"] for e in r.json()["events"]]


def counts(sessions) -> dict[str, int]:
    with sessions() as s:
        return {
            "shipments": s.scalar(select(func.count()).select_from(Shipment)),
            "events": s.scalar(select(func.count()).select_from(TrackingEvent)),
        }


def test_a_mail_in_trade_in_goes_label_tracking_events_receipt_through_the_api(
    client, anonymous, seeded, sessions
):
    add_hub(client, sessions)
    hook = client.post(
        f"/programs/{PROGRAM}/webhooks",
        json={"url": "https://partner.example/hooks", "event_types": ["trade_in.state_changed"]},
    )
    assert hook.status_code == 201, hook.text
    tid = mail_in(client, contact={"name": "Ada Lovelace", "address": ADDRESS})
    (parcel,) = label(client, tid, headers=as_customer(tid))  # the customer prints it
    assert re.fullmatch(r"RV\d{11}", parcel["tracking_number"])
    assert (parcel["direction"], parcel["carrier"], parcel["to_site_id"]) == (
        "inbound",
        CARRIER,
        HUB,
    )
    assert (parcel["status"], parcel["declared_weight_g"]) == ("label_created", 350)
    assert parcel["label_url"] == f"/shipments/{parcel['id']}/label.pdf"
    assert read(client, tid)["state"] == "awaiting_shipment"

    tn = parcel["tracking_number"]
    assert post_events(
        client, event(tn, "picked_up", "2026-06-15T16:00:00Z", "e1", location="London")
    ) == ["applied"]
    assert read(client, tid)["state"] == "in_transit"
    assert post_events(
        client,
        event(tn, "in_transit", "2026-06-16T02:00:00Z", "e2", location="Leeds hub"),
        event(tn, "delivered", "2026-06-16T09:30:00Z", "e3", location="Leeds"),
    ) == ["stored", "applied"]
    t = read(client, tid)
    assert t["state"] == "in_transit"  # until the site scans it in
    ok(client, tid, "receive")

    mine = anonymous.get(f"/trade-ins/{tid}", headers=as_customer(tid)).json()
    assert mine["state"] == "received"
    trail = [(e["action"], e["from_state"], e["to_state"]) for e in mine["custody"]]
    assert trail == [
        ("quote", None, "quoted"),
        ("accept", "quoted", "accepted"),
        ("await_shipment", "accepted", "awaiting_shipment"),
        ("ship", "awaiting_shipment", "in_transit"),
        ("delivered", "in_transit", "in_transit"),
        ("receive", "in_transit", "received"),
    ]
    shipped, delivered = mine["custody"][3]["data"], mine["custody"][4]["data"]
    assert shipped == {
        "shipment_id": parcel["id"],
        "tracking_number": tn,
        "event_id": "e1",
        "occurred_at": "2026-06-15T16:00:00+00:00",
        "location": "London",
        "carrier": CARRIER,
    }
    assert (delivered["event_id"], delivered["occurred_at"]) == ("e3", "2026-06-16T09:30:00+00:00")
    assert "Ada" not in str(mine["custody"]) and "Analytical" not in str(mine["custody"])

    view = anonymous.get(f"/trade-ins/{tid}/shipments", headers=as_customer(tid)).json()
    (only,) = view
    assert [(e["event_id"], e["status"]) for e in only["events"]] == [
        ("e1", "picked_up"),
        ("e2", "in_transit"),
        ("e3", "delivered"),
    ]
    assert only["status"] == "delivered"
    assert only["shipped_at"] == "2026-06-15T16:00:00Z"
    assert only["delivered_at"] == "2026-06-16T09:30:00Z"

    # Partners heard of each move, as of every other move: the outbox.
    with sessions() as s:
        rows = s.scalars(
            select(OutboxEvent).where(
                OutboxEvent.type == "trade_in.state_changed", OutboxEvent.trade_in_id == tid
            )
        )
        heard = [(o.payload["action"], o.payload["to_state"]) for o in rows]
    heard.sort(key=lambda pair: [e["to_state"] for e in mine["custody"]].index(pair[1]))
    assert heard == [
        ("quote", "quoted"),
        ("accept", "accepted"),
        ("await_shipment", "awaiting_shipment"),
        ("ship", "in_transit"),
        ("receive", "received"),
    ]


def test_the_label_pdf_has_a_label_page_and_a_packing_slip(client, anonymous, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client, contact={"name": "Ada Lovelace", "address": ADDRESS})
    (parcel,) = label(client, tid)
    r = anonymous.get(parcel["label_url"], headers=as_customer(tid))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    with sessions() as s:
        doc = shipments.label_document(s, s.get(Shipment, parcel["id"]), "https://t.example")
    assert doc.sender == ["Ada Lovelace", "12 Analytical Row", "N1 9GU London", "GB"]
    assert doc.recipient == ["Acme Returns Centre", "Unit 4, Canal Road", "LS12 2PN Leeds", "GB"]
    assert doc.tracking_url == f"https://t.example/trade-ins/{tid}"
    assert (doc.tracking_number, doc.reference) == (parcel["tracking_number"], tid)
    assert doc.device == "Apple iPhone 15 (apple-iphone-15-128gb)"
    assert doc.condition == [
        "Powers on: yes",
        "Screen cracked: no",
        "Cosmetic condition: good",
        "Faults: none",
        "Activation lock off: yes",
    ]


def test_a_label_without_the_customer_s_address_carries_their_name_only(client, seeded, sessions):
    add_hub(client, sessions)
    named = mail_in(client, contact={"name": "Ada Lovelace"})
    nobody = mail_in(client)
    for tid, sender in ((named, ["Ada Lovelace"]), (nobody, ["The customer"])):
        (parcel,) = label(client, tid)
        with sessions() as s:
            doc = shipments.label_document(s, s.get(Shipment, parcel["id"]), "http://x")
        assert doc.sender == sender


def test_declared_weight_is_typical_for_the_category_or_as_given(client, seeded, sessions):
    add_hub(client, sessions)
    tablet = mail_in(client, sku=TABLET)
    phone = mail_in(client)
    assert label(client, tablet)[0]["declared_weight_g"] == 900
    assert (
        label(client, phone, {"weight_g": 410, "service": "tracked-48"})[0]["declared_weight_g"]
        == 410
    )


def test_a_program_that_always_sends_kits_sends_one_to_the_customer_s_address(
    client, seeded, sessions
):
    add_hub(client, sessions, kits="always")
    tid = mail_in(client, contact={"name": "Ada Lovelace", "address": ADDRESS})
    inbound, kit = label(client, tid)
    assert (inbound["direction"], kit["direction"]) == ("inbound", "kit")
    assert (kit["to_site_id"], kit["declared_weight_g"]) == (None, 150)
    assert kit["tracking_number"] != inbound["tracking_number"]
    events = read(client, tid)["custody"]
    assert events[-1]["data"]["kit_shipment_id"] == kit["id"]
    with sessions() as s:
        doc = shipments.label_document(s, s.get(Shipment, kit["id"]), "http://x")
    assert doc.recipient[0] == "Ada Lovelace" and doc.sender[0] == "Acme Returns Centre"


def test_a_kit_needs_the_customer_s_address_and_a_program_that_sends_kits(client, seeded, sessions):
    add_hub(client, sessions, kits="always")
    tid = mail_in(client, contact={"name": "Ada Lovelace"})
    before, rows = snapshot(client, tid), counts(sessions)
    r = client.post(f"/trade-ins/{tid}/shipments")
    assert_error(r, 422, "address_required", field="contact.address")
    assert snapshot(client, tid) == before and counts(sessions) == rows

    r = client.patch(f"/programs/{PROGRAM}", json={"kits": "none"})
    assert r.status_code == 200
    r = client.post(f"/trade-ins/{tid}/shipments", json={"kit": True})
    assert_error(r, 422, "kits_not_offered", field="kit")
    assert snapshot(client, tid) == before and counts(sessions) == rows
    r = client.patch(f"/programs/{PROGRAM}", json={"kits": "on_request"})
    assert [s["direction"] for s in label(client, tid, {"kit": False})] == ["inbound"]


def test_a_label_for_a_trade_in_not_accepted_for_mail_in_is_refused_and_writes_nothing(
    client, seeded, sessions
):
    add_hub(client, sessions)
    in_store = accepted(client, pathway="in_store")
    quoted = start(client)
    handed_over = received(client)
    rows = counts(sessions)
    for tid in (in_store, quoted, handed_over):
        before = snapshot(client, tid)
        body = assert_error(client.post(f"/trade-ins/{tid}/shipments"), 409, "illegal_transition")
        assert body["details"]["action"] == "await_shipment"
        assert snapshot(client, tid) == before
    assert counts(sessions) == rows


def test_a_second_label_is_refused(client, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client)
    label(client, tid)
    before, rows = snapshot(client, tid), counts(sessions)
    assert_error(client.post(f"/trade-ins/{tid}/shipments"), 409, "illegal_transition")
    assert snapshot(client, tid) == before and counts(sessions) == rows


def test_a_program_without_a_receiving_site_gets_a_clear_error(client, seeded, sessions):
    tid = mail_in(client)
    before = snapshot(client, tid)
    body = assert_error(
        client.post(f"/trade-ins/{tid}/shipments"), 409, "no_receiving_site", "receiving_site_id"
    )
    assert PROGRAM in body["message"]
    assert snapshot(client, tid) == before and counts(sessions) == {"shipments": 0, "events": 0}


def test_an_unknown_carrier_is_a_404_naming_it(client, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client)
    before = snapshot(client, tid)
    body = assert_error(
        client.post(f"/trade-ins/{tid}/shipments", json={"carrier": "pigeon"}),
        404,
        "carrier_not_found",
        field="carrier",
    )
    assert "pigeon" in body["message"] and body["details"]["known"] == [CARRIER]
    assert snapshot(client, tid) == before and counts(sessions) == {"shipments": 0, "events": 0}


def test_the_hand_typed_shipment_actions_still_work(client, seeded):
    tid = accepted(client)
    ok(client, tid, "await-shipment", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    assert ok(client, tid, "ship")["state"] == "in_transit"
    assert client.get(f"/trade-ins/{tid}/shipments").json() == []


def test_a_label_replayed_with_its_idempotency_key_is_made_once(client, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client)
    headers = {"Idempotency-Key": "label-1"}
    first = label(client, tid, headers=headers)
    again = client.post(f"/trade-ins/{tid}/shipments", headers=headers)
    assert again.status_code == 201 and again.json()["shipments"] == first
    assert counts(sessions)["shipments"] == 1


def test_another_customer_cannot_print_the_label(client, anonymous, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client)
    (parcel,) = label(client, tid)
    other = post_quote(client)
    r = anonymous.get(
        parcel["label_url"], headers={"Authorization": f"Bearer {other['customer_token']}"}
    )
    assert_error(r, 404, "shipment_not_found")
    assert act(client, tid, "cancel").status_code == 200  # the customer may still cancel
