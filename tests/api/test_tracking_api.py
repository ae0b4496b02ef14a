"""Carrier tracking events over HTTP: kept once per carrier event id, orphans kept and
adopted, out-of-order news stored without moving anything, malformed bodies refused whole,
and no caller moves (or learns of) another program's parcels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from revalue.logistics import carriers
from revalue.logistics.models import TrackingEvent
from tests import auth, factories
from tests.api.support import PROGRAM, assert_error, read, snapshot
from tests.api.test_shipments_api import (
    CARRIER,
    add_hub,
    counts,
    event,
    label,
    mail_in,
    post_events,
)

T0 = "2026-06-15T16:00:00Z"
T1 = "2026-06-16T08:00:00Z"
T2 = "2026-06-16T09:30:00Z"


class FakeCarrier(carriers.RevaluePost):
    """A carrier whose next tracking number the test chooses, so events can come first."""

    name = "fake-post"

    def __init__(self) -> None:
        self.next = "FP0001"

    def create_label(self, request: carriers.LabelRequest) -> carriers.Label:
        return carriers.Label(tracking_number=self.next)

    @classmethod
    def valid_tracking_number(cls, value: str) -> bool:
        return True


@pytest.fixture
def fake():
    carrier = FakeCarrier()
    carriers.register(carrier)
    yield carrier
    del carriers.REGISTRY[carrier.name]


def stored(sessions) -> list[tuple[str, str | None, str]]:
    with sessions() as s:
        rows = s.scalars(select(TrackingEvent).order_by(TrackingEvent.id))
        return [(r.event_id, r.shipment_id, r.status) for r in rows]


def test_events_for_an_unknown_parcel_are_kept_as_orphans_and_adopted_by_its_shipment(
    client, seeded, sessions, fake
):
    add_hub(client, sessions)
    fake.next = "FP-ADOPT-1"
    results = post_events(
        client,
        event("FP-ADOPT-1", "in_transit", T1, "o2"),
        event("FP-ADOPT-1", "picked_up", T0, "o1"),
        carrier="fake-post",
    )
    assert results == ["orphan", "orphan"]
    assert stored(sessions) == [("o2", None, "in_transit"), ("o1", None, "picked_up")]
    orphans = client.get("/tracking/orphans").json()
    assert {o["event_id"] for o in orphans} == {"o1", "o2"}

    tid = mail_in(client)
    r = client.post(f"/trade-ins/{tid}/shipments", json={"carrier": "fake-post"})
    assert r.status_code == 201, r.text
    # Adopted at once, in the order they happened: the trade-in is on its way.
    assert r.json()["state"] == "in_transit"
    (parcel,) = r.json()["shipments"]
    assert parcel["shipped_at"] == T0
    assert [e["event_id"] for e in parcel["events"]] == ["o1", "o2"]
    assert stored(sessions) == [
        ("o2", parcel["id"], "in_transit"),
        ("o1", parcel["id"], "picked_up"),
    ]
    assert client.get("/tracking/orphans").json() == []
    trail = [e["action"] for e in read(client, tid)["custody"]]
    assert trail[-2:] == ["await_shipment", "ship"]


def test_a_repeated_carrier_event_is_a_duplicate_and_changes_nothing(client, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client)
    (parcel,) = label(client, tid)
    first = event(parcel["tracking_number"], "in_transit", T0, "dup-1")
    assert post_events(client, first) == ["applied"]
    before, rows = snapshot(client, tid), counts(sessions)
    shipments_before = client.get(f"/trade-ins/{tid}/shipments").json()
    # Again, and again within one delivery, even with other details: the id decides.
    changed = {**first, "status": "delivered", "occurred_at": T2}
    assert post_events(client, first, changed) == ["duplicate", "duplicate"]
    assert snapshot(client, tid) == before and counts(sessions) == rows
    assert client.get(f"/trade-ins/{tid}/shipments").json() == shipments_before


def test_news_older_than_a_delivery_is_stored_and_moves_nothing(client, seeded, sessions):
    add_hub(client, sessions)
    tid = mail_in(client)
    (parcel,) = label(client, tid)
    tn = parcel["tracking_number"]
    assert post_events(client, event(tn, "delivered", T2, "d1")) == ["applied"]
    # Delivered without a scan on the way: the carrier had it, so it was shipped.
    trail = [e["action"] for e in read(client, tid)["custody"]]
    assert trail[-3:] == ["await_shipment", "ship", "delivered"]
    before = snapshot(client, tid)
    late = [event(tn, "in_transit", T1, "late-1"), event(tn, "lost", T1, "late-2")]
    assert post_events(client, *late) == ["out_of_order", "out_of_order"]
    assert snapshot(client, tid) == before
    (view,) = client.get(f"/trade-ins/{tid}/shipments").json()
    assert (view["status"], view["delivered_at"]) == ("delivered", T2)
    assert [e["event_id"] for e in view["events"]] == ["late-1", "late-2", "d1"]
    assert client.get(f"/programs/{PROGRAM}/claims").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "events": [
                    {
                        "event_id": "x",
                        "tracking_number": "RV00000000000",
                        "status": "teleported",
                        "occurred_at": T0,
                    }
                ]
            },
            "events[0].status",
        ),
        (
            {
                "events": [
                    {"event_id": "x", "tracking_number": "RV00000000000", "status": "delivered"}
                ]
            },
            "events[0].occurred_at",
        ),
        (
            {
                "events": [
                    {
                        "event_id": "x",
                        "tracking_number": "RV00000000001",
                        "status": "delivered",
                        "occurred_at": T0,
                    }
                ]
            },
            "events[0].tracking_number",
        ),
        (
            {
                "events": [
                    {
                        "event_id": "x",
                        "tracking_number": "RV00000000000",
                        "status": "delivered",
                        "occurred_at": "2026-06-15T16:00:00",
                    }
                ]
            },
            "events[0].occurred_at",
        ),
        ({"events": []}, "events"),
        ({"parcels": []}, "events"),
        (["not", "an", "object"], "body"),
    ],
)
def test_a_malformed_delivery_is_refused_whole_naming_the_field(
    client, seeded, sessions, body: Any, field: str
):
    add_hub(client, sessions)
    tid = mail_in(client)
    (parcel,) = label(client, tid)
    good = event(parcel["tracking_number"], "in_transit", T0, "good-1")
    if isinstance(body, dict) and body.get("events"):
        body = {"events": [good, *body["events"]]}
        field = field.replace("events[0]", "events[1]")
    before, rows = snapshot(client, tid), counts(sessions)
    r = client.post(f"/carriers/{CARRIER}/events", json=body)
    assert_error(r, 422, "malformed_tracking_events", field=field)
    assert snapshot(client, tid) == before and counts(sessions) == rows


def test_a_body_that_is_not_json_is_refused(client, seeded, sessions):
    r = client.post(
        f"/carriers/{CARRIER}/events", content=b"{no", headers={"content-type": "application/json"}
    )
    assert_error(r, 422, "malformed_tracking_events", field="body")
    assert counts(sessions)["events"] == 0


def test_an_unknown_carrier_is_a_404_naming_it(client, seeded, sessions):
    r = client.post("/carriers/pigeon-post/events", json={"events": []})
    body = assert_error(r, 404, "carrier_not_found", field="carrier")
    assert "pigeon-post" in body["message"]
    assert counts(sessions)["events"] == 0


def test_a_carrier_s_partner_key_moves_its_programs_parcels_and_no_others(
    client, anonymous, seeded, sessions
):
    """A real carrier's webhook authenticates with a partner key scoped to the events
    operation and to the programs it carries for; another program's parcel is an orphan to
    it, exactly like an unknown one, and moves nothing."""
    with sessions.begin() as s:
        factories.add_program(s, "rival")
    add_hub(client, sessions)
    add_hub(client, sessions, program="rival")
    mine, theirs = mail_in(client), None
    (my_parcel,) = label(client, mine)
    rival_tid = client.post(
        "/quotes",
        json={
            "program_id": "rival",
            "variant_sku": factories.PHONE,
            "answers": factories.answers(),
        },
    ).json()["trade_in_id"]
    r = client.post(
        f"/trade-ins/{rival_tid}/accept", json={"payout_method": "cash", "pathway": "mail_in"}
    )
    assert r.status_code == 200, r.text
    theirs = label(client, rival_tid)[0]
    with sessions.begin() as s:
        key = auth.partner_key(s, [PROGRAM], ["carrier_events"])
        unscoped = auth.partner_key(s, [PROGRAM], ["get_trade_in"])
    before = snapshot(client, rival_tid)
    results = post_events(
        anonymous,
        event(my_parcel["tracking_number"], "in_transit", T0, "k1"),
        event(theirs["tracking_number"], "in_transit", T0, "k2"),
        headers=auth.bearer(key),
    )
    assert results == ["applied", "orphan"]
    assert read(client, mine)["state"] == "in_transit"
    assert snapshot(client, rival_tid) == before
    assert read(client, mine)["custody"][-1]["actor"].startswith("key:")
    r = anonymous.post(
        f"/carriers/{CARRIER}/events",
        json={"events": [event(my_parcel["tracking_number"], "delivered", T2, "k3")]},
        headers=auth.bearer(unscoped),
    )
    assert_error(r, 403, "forbidden")
    assert counts(sessions)["events"] == 2


def test_a_receiver_of_one_program_sees_another_program_s_parcel_as_unknown(
    client, anonymous, seeded, sessions
):
    from revalue.domain.access import Role

    with sessions.begin() as s:
        factories.add_program(s, "rival")
        token = auth.staff(s, "r@rival.example", {"rival": [Role.RECEIVER]})
    add_hub(client, sessions)
    tid = mail_in(client)
    (parcel,) = label(client, tid)
    before = snapshot(client, tid)
    results = post_events(
        anonymous,
        event(parcel["tracking_number"], "lost", T0, "r1"),
        headers=auth.bearer(token),
    )
    assert results == ["orphan"]
    assert snapshot(client, tid) == before
