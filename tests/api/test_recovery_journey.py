"""One device's whole road after erasure, over HTTP only: planned for refurbishment, its
screen replaced by a technician, listed and sold; the sale closes its custody chain, issues
the environmental receipt its customer can read, and shows in the program's reports."""

from __future__ import annotations

from sqlalchemy import select

from revalue.catalog.models import DeviceModel
from revalue.tradeins import custody
from revalue.tradeins.models import TradeIn
from tests import auth
from tests.api.support import PROGRAM, as_customer, read, snapshot
from tests.api.test_recovery_planning import plan, sanitized, set_up

RATE = 4_000  # the default labour rate, minor units an hour


def test_a_device_is_planned_repaired_sold_and_reported(client, anonymous, seeded, sessions):
    ch = set_up(client)
    address = {"line1": "1 Way", "city": "Leeds", "country": "GB"}
    site = {"id": "leeds", "kind": "processing", "name": "Leeds", "address": address}
    assert client.post("/sites", json=site).status_code == 201
    bench, shelf = (
        client.post("/sites/leeds/locations", json={"code": code, "kind": kind}).json()["id"]
        for code, kind in (("B-1", "bench"), ("S-1", "shelf"))
    )
    tid = sanitized(client, screen_cracked=True)
    assert client.post(f"/trade-ins/{tid}/move", json={"site_id": "leeds", "location_id": bench})
    made = plan(client, trade_in_ids=[tid])
    assert client.post(f"/plans/{made['id']}/apply").status_code == 200
    (order,) = client.get(f"/programs/{PROGRAM}/work-orders").json()
    with sessions.begin() as s:
        tech = auth.bearer(auth.staff(s, "tech@test.example", {PROGRAM: ["technician"]}))
    assert anonymous.post(f"/work-orders/{order['id']}/start", headers=tech).status_code == 200
    finish = {"passed": True, "actual_parts_cost": 3_200, "actual_labour_minutes": 45}
    r = anonymous.post(f"/work-orders/{order['id']}/finish", json=finish, headers=tech)
    assert r.status_code == 200, r.text

    (item,) = client.get(f"/programs/{PROGRAM}/inventory").json()["items"]
    assert (item["status"], item["grade"], item["channel_id"]) == ("available", "B", ch["refurb"])
    assert item["repair_cost"] == 3_200 + 45 * RATE // 60
    # In stock, the device still moves about the site; its item shows where it is.
    moved = client.post(f"/trade-ins/{tid}/move", json={"site_id": "leeds", "location_id": shelf})
    assert moved.status_code == 200, moved.text
    assert client.get(f"/inventory/{item['id']}").json()["location"]["location"] == "S-1"
    assert client.post(f"/inventory/{item['id']}/list", json={"list_price": 52_000}).is_success
    r = client.post(f"/inventory/{item['id']}/sale", json={"price": 49_000, "buyer": "ORDER-1"})
    assert r.status_code in (200, 201), r.text

    actions = [e["action"] for e in read(client, tid)["custody"]]
    assert actions[-7:] == [
        "work_order_planned", "stocked", "repair_started", "qc_passed", "move", "listed", "sold"
    ]  # fmt: skip
    with sessions() as s:
        assert custody.verify_one(s, s.get(TradeIn, tid)) is None
        weight = s.scalar(
            select(DeviceModel.weight_g).join(TradeIn, TradeIn.model_id == DeviceModel.id)
        )
    # The sale closed the road: nothing more happens to the item, and nothing is written.
    before = snapshot(client, tid)
    again = client.post(f"/inventory/{item['id']}/list", json={"list_price": 1})
    assert again.status_code == 409
    gone = client.post(f"/trade-ins/{tid}/move", json={"site_id": "leeds", "location_id": shelf})
    assert gone.json()["code"] == "device_not_in_hand"
    assert snapshot(client, tid) == before
    assert read(client, tid)["custody"][-1]["data"]["from_site"] == "leeds"

    receipt = anonymous.get(f"/trade-ins/{tid}/environmental-receipt", headers=as_customer(tid))
    assert receipt.status_code == 200, receipt.text
    body = receipt.json()
    assert body["factor_version"] == "2026.1"
    assert (body["diverted_g"], body["recycled_g"]) == (weight, 0)
    assert body["co2e_avoided_g"] == 55_000 * 71 // 100 - 13_000  # a smartphone reused

    report = client.get(f"/programs/{PROGRAM}/reports/recovery", params={"by": "channel"})
    (total,) = report.json()["totals"]
    paid = item["paid"]
    repair = 3_200 + 45 * RATE // 60
    assert (total["devices"], total["revenue"], total["fees"]) == (1, 49_000, 0)
    assert total["repair_cost"] == repair and total["paid"] == paid > 0
    assert total["margin"] == 49_000 - repair - paid
