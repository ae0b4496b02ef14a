"""Receiving at a site: a scan matched to its trade-in, then each path of what was in the box.
The device is received, placed and screened; an empty box or accessories alone hold the
trade-in unreceived (so unpaid) until the program resolves it; a different device is received
as found and flagged. A device at the wrong site, or an unknown scan, writes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from revalue.logistics.models import Placement, Receipt, Shipment
from tests import auth, factories
from tests.api.support import accepted, assert_error, ok, read, snapshot
from tests.api.test_screening_api import imei, kinds
from tests.api.test_sites_api import (
    HUB,
    OTHER_HUB,
    STORE,
    custody_actions,
    layout,
    receive_at,
    verifies,
)

TRACKING = "1Z999AA10123456784"


def mail_in(
    client, sessions, *, to_site: str | None = HUB, declared_g: int | None = 420
) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A mail-in trade-in in transit with its inbound parcel (made as the label would); the
    trade-in's and the shipment's ids."""
    tid = accepted(client, pathway="mail_in")
    ok(client, tid, "await-shipment")
    ok(client, tid, "ship")
    n = len(TRACKED)
    shipment_id = f"s_test{n:04d}"
    with sessions.begin() as s:
        s.add(
            Shipment(
                id=shipment_id,
                program_id="acme",
                trade_in_id=tid,
                direction="inbound",
                carrier="builtin",
                tracking_number=f"{TRACKING}{n}",
                to_site_id=to_site,
                status="in_transit",
                declared_weight_g=declared_g,
                created_at=factories.NOW,
                updated_at=factories.NOW,
            )
        )
    TRACKED.append(shipment_id)
    return tid, shipment_id


TRACKED: list[str] = []


def shipment(sessions, shipment_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        row = s.get(Shipment, shipment_id)
        return {
            "status": row.status,
            "received_at": row.received_at,
            "weighed_weight_g": row.weighed_weight_g,
            "weight_flag": row.weight_flag,
        }


def counts(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Receipt)),
            s.scalar(select(func.count()).select_from(Placement)),
        )


def test_a_parcel_scanned_by_tracking_number_is_received_placed_and_weighed(
    client, seeded, sessions, clock
):
    shelves = layout(client)
    tid, sid = mail_in(client, sessions)
    clock.advance(days=2)
    tracking = f"{TRACKING}{TRACKED.index(sid)}"
    r = receive_at(
        client, HUB, tracking, location_id=shelves["A-01"], weighed_weight_g=400,
        accessories=["cable"],
    )  # fmt: skip
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["trade_in_id"] == tid and receipt["shipment_id"] == sid
    assert (receipt["contents"], receipt["outcome"], receipt["scanned"]) == (
        "device",
        "received",
        tracking,
    )
    assert receipt["weight_flag"] is None and receipt["trade_in_state"] == "received"
    assert receipt["placement"]["site_id"] == HUB
    assert receipt["placement"]["location_code"] == "A-01"
    assert receipt["found"]["accessories"] == ["cable"]
    assert shipment(sessions, sid) == {
        "status": "received",
        "received_at": clock.now,
        "weighed_weight_g": 400,
        "weight_flag": None,
    }
    actions = [a for a, _ in custody_actions(client, tid)]
    assert actions[-2:] == ["receive", "move"]
    # What happened at the site names the site as its place, not the installation's.
    custody = client.get(f"/trade-ins/{tid}").json()["custody"]
    assert {e["place"] for e in custody[-2:]} == {HUB}
    assert verifies(client, tid)
    assert [x["id"] for x in client.get(f"/trade-ins/{tid}/receipts").json()] == [receipt["id"]]
    assert [x["id"] for x in client.get(f"/sites/{HUB}/receipts").json()] == [receipt["id"]]


def test_a_parcel_lighter_than_declared_is_flagged_in_the_response_and_the_chain(
    client, seeded, sessions
):
    layout(client)
    tid, sid = mail_in(client, sessions, declared_g=420)
    r = receive_at(client, HUB, sid, weighed_weight_g=150)
    assert r.status_code == 201, r.text
    flag = "weighed 150 g, declared 420 g: 270 g lighter (tolerance 120 g)"
    assert r.json()["weight_flag"] == flag
    assert shipment(sessions, sid)["weight_flag"] == flag
    (noted,) = [d for a, d in custody_actions(client, tid) if a == "weight_flag"]
    assert noted == {"shipment_id": sid, "declared_g": 420, "weighed_g": 150, "flag": flag}
    assert verifies(client, tid)


def test_an_empty_box_holds_the_trade_in_unreceived_until_returned_to_sender(
    client, seeded, sessions, clock
):
    layout(client)
    tid, sid = mail_in(client, sessions)
    before = snapshot(client, tid)
    r = receive_at(client, HUB, sid, contents="empty", weighed_weight_g=90)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert (receipt["contents"], receipt["outcome"]) == ("empty", "held_empty")
    assert receipt["placement"] is None and receipt["trade_in_state"] == "in_transit"
    after = snapshot(client, tid)
    # What changes: one custody event (the dispute) and the weight's. What does not: the
    # state, the offer, the payment.
    assert after["custody"] == before["custody"] + 2
    unchanged = ("state", "payable", "payment", "payout_method", "requote")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    (dispute,) = [d for a, d in custody_actions(client, tid) if a == "contents_dispute"]
    assert dispute == {
        "receipt_id": receipt["id"],
        "site_id": HUB,
        "contents": "empty",
        "accessories": [],
        "shipment_id": sid,
        "photos": [],
    }
    # The parcel arrived: the carrier is not suspected of losing it.
    assert shipment(sessions, sid)["status"] == "received"
    paying = client.post(f"/trade-ins/{tid}/pay")
    assert paying.status_code == 409, paying.text
    # Scanned again, it is refused while the receipt is held.
    held_again = snapshot(client, tid)
    assert_error(receive_at(client, HUB, tid), 409, "receipt_held")
    assert snapshot(client, tid) == held_again
    clock.advance(days=1)
    r = client.post(
        f"/receipts/{receipt['id']}/resolve",
        json={"resolution": "return_to_sender", "reason": "customer asked for the box back"},
    )
    assert r.status_code == 200, r.text
    resolved = r.json()
    assert resolved["received"] is None
    assert resolved["receipt"]["outcome"] == "returned_to_sender"
    assert resolved["receipt"]["found"]["resolution"]["reason"] == (
        "customer asked for the box back"
    )
    assert read(client, tid)["state"] == "in_transit"
    assert custody_actions(client, tid)[-1] == (
        "contents_resolved",
        {"receipt_id": receipt["id"], "resolution": "returned_to_sender", "new_receipt_id": None},
    )
    assert_error(
        client.post(f"/receipts/{receipt['id']}/resolve", json={"resolution": "device_found"}),
        409,
        "receipt_not_held",
    )
    assert verifies(client, tid)


def test_accessories_only_then_the_device_found_is_received_in_a_new_receipt(
    client, seeded, sessions
):
    shelves = layout(client)
    tid, sid = mail_in(client, sessions)
    r = receive_at(client, HUB, sid, contents="accessories_only", accessories=["charger", "case"])
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["outcome"] == "held_empty" and held["found"]["accessories"] == ["charger", "case"]
    assert read(client, tid)["state"] == "in_transit"
    assert counts(sessions) == (1, 0)
    r = client.post(
        f"/receipts/{held['id']}/resolve",
        json={"resolution": "device_found", "location_id": shelves["A-02"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["receipt"]["outcome"] == "device_found"
    assert body["received"]["outcome"] == "received"
    assert body["received"]["placement"]["location_code"] == "A-02"
    assert read(client, tid)["state"] == "received"
    assert counts(sessions) == (2, 1)
    assert verifies(client, tid)


def test_a_different_device_is_received_as_found_and_flagged_for_inspection(
    client, seeded, sessions
):
    with sessions.begin() as s:
        factories.pixel_tac(s)
    layout(client)
    tid, sid = mail_in(client, sessions)  # declared: an iPhone 15
    found = imei(123, tac="35000001")
    r = receive_at(client, HUB, sid, contents="different_device", identifiers={"imei": found})
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["outcome"] == "received_different"
    assert receipt["found"]["declared"] == {"model_id": "apple-iphone-15"}
    assert receipt["found"]["identifiers"]["imei"] == found
    assert receipt["found"]["identifiers"]["identified_model_id"] == "google-pixel-8"
    assert read(client, tid)["state"] == "received"
    assert "model_mismatch" in kinds(client, tid)
    (noted,) = [d for a, d in custody_actions(client, tid) if a == "contents_different"]
    assert noted["declared_model_id"] == "apple-iphone-15" and noted["found"]["imei"] == found
    assert verifies(client, tid)


def test_a_different_device_needs_its_identifiers(client, seeded, sessions):
    layout(client)
    tid, sid = mail_in(client, sessions)
    before = snapshot(client, tid)
    r = receive_at(client, HUB, sid, contents="different_device")
    assert_error(r, 422, "invalid_input", field="identifiers")
    assert snapshot(client, tid) == before and counts(sessions) == (0, 0)


def test_a_parcel_at_the_wrong_site_is_refused_naming_the_expected_one_and_nothing_is_written(
    client, seeded, sessions
):
    layout(client)
    tid, sid = mail_in(client, sessions, to_site=HUB)
    before = (snapshot(client, tid), shipment(sessions, sid), counts(sessions))
    for where in (OTHER_HUB, STORE):
        r = receive_at(client, where, sid, weighed_weight_g=400)
        body = assert_error(r, 409, "wrong_site", field="site_id")
        assert body["details"]["expected_site"] == HUB and HUB in body["message"]
    assert (snapshot(client, tid), shipment(sessions, sid), counts(sessions)) == before


def test_without_a_label_the_programs_receiving_site_is_expected(client, seeded, sessions):
    layout(client)
    assert client.patch("/programs/acme", json={"receiving_site_id": HUB}).status_code == 200
    tid = accepted(client, pathway="mail_in")
    ok(client, tid, "await-shipment")  # the carrier never scanned it
    before = snapshot(client, tid)
    body = assert_error(receive_at(client, OTHER_HUB, tid), 409, "wrong_site")
    assert body["details"]["expected_site"] == HUB
    assert snapshot(client, tid) == before
    assert receive_at(client, HUB, tid).status_code == 201
    assert read(client, tid)["state"] == "received"


def test_an_unknown_or_ambiguous_scan_writes_nothing(client, seeded, sessions):
    layout(client)
    number = imei(77)
    twins = []
    for _ in range(2):
        r = client.post(
            "/quotes",
            json={
                "program_id": "acme",
                "variant_sku": factories.PHONE,
                "answers": factories.answers(),
                "imei": number,
            },
        )
        twins.append(r.json()["trade_in_id"])
        ok(client, twins[-1], "accept", {"payout_method": "cash", "pathway": "in_store"})
    body = assert_error(receive_at(client, STORE, "NOSUCHTHING1"), 404, "scan_not_found")
    assert body["details"]["scanned"] == "NOSUCHTHING1" and "NOSUCHTHING1" in body["message"]
    body = assert_error(receive_at(client, STORE, number), 409, "ambiguous_scan")
    assert sorted(c["trade_in_id"] for c in body["details"]["candidates"]) == sorted(twins)
    assert counts(sessions) == (0, 0)
    assert {read(client, t)["state"] for t in twins} == {"accepted"}
    # The trade-in id settles it; a scan of a received device is not received twice.
    assert receive_at(client, STORE, twins[0]).status_code == 201
    assert_error(receive_at(client, STORE, twins[0]), 409, "not_receivable")


def test_store_associates_receive_at_stores_and_receivers_see_their_programs_only(
    client, anonymous, seeded, sessions
):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        associate = auth.staff(s, "sa@acme.example", {"acme": ["store_associate"]})
        rival_receiver = auth.staff(s, "r@rival.example", {"rival": ["receiver"]})
    layout(client)
    handed = accepted(client, pathway="in_store")
    r = anonymous.post(
        f"/sites/{HUB}/receive", json={"scan": handed}, headers=auth.bearer(associate)
    )
    assert_error(r, 403, "forbidden")
    r = anonymous.post(
        f"/sites/{HUB}/receive", json={"scan": handed}, headers=auth.bearer(rival_receiver)
    )
    assert_error(r, 404, "scan_not_found")
    assert counts(sessions) == (0, 0)
    r = anonymous.post(
        f"/sites/{STORE}/receive", json={"scan": handed}, headers=auth.bearer(associate)
    )
    assert r.status_code == 201, r.text
    assert r.json()["placement"]["site_id"] == STORE
    # Handed over in person: there is no box to find empty.
    other = accepted(client, pathway="in_store")
    r = receive_at(client, STORE, other, contents="empty")
    assert_error(r, 422, "invalid_input", field="contents")


def test_unboxing_photos_must_be_photos_of_the_trade_in(client, seeded, sessions):
    layout(client)
    tid, sid = mail_in(client, sessions)
    before = snapshot(client, tid)
    r = receive_at(client, HUB, sid, contents="empty", photos=["0" * 64])
    assert_error(r, 422, "photo_not_found", field="photos")
    assert_error(receive_at(client, HUB, sid, photos=["xyz"]), 422, "validation_error")
    assert snapshot(client, tid) == before and counts(sessions) == (0, 0)
    assert shipment(sessions, sid)["status"] == "in_transit"


def test_a_receipt_of_another_program_is_not_found(client, anonymous, seeded, sessions):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        rival_manager = auth.staff(s, "pm@rival.example", {"rival": ["program_manager"]})
    layout(client)
    tid, sid = mail_in(client, sessions)
    held = receive_at(client, HUB, sid, contents="empty").json()
    r = anonymous.post(
        f"/receipts/{held['id']}/resolve",
        json={"resolution": "return_to_sender"},
        headers=auth.bearer(rival_manager),
    )
    assert_error(r, 404, "receipt_not_found")
    r = anonymous.get(f"/sites/{HUB}/receipts", headers=auth.bearer(rival_manager))
    assert r.json() == []
    assert read(client, tid)["state"] == "in_transit"
