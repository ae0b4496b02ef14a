"""Inventory, listing, sales and B2B sales lots: the end of a device's custody chain."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.recovery.models import (
    EnvironmentalReceipt,
    InventoryItem,
    MarketPrice,
    Sale,
    SalesLot,
)
from tests import auth, factories
from tests import recovery_factories as rf
from tests.api.support import PHONE, PIXEL, PROGRAM, assert_error, read

OTHER = "globex"


@pytest.fixture
def bulk(sessions, seeded) -> str:  # type: ignore[no-untyped-def]
    """A wholesale channel taking 10% and 2.00 a device."""
    return rf.channel(sessions, "bulk", "wholesale", fee_bp=1000, fee_fixed=200)


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def item_row(sessions, item_id: str) -> InventoryItem:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.get_one(InventoryItem, item_id)


def actions(client, item_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    tid = client.get(f"/inventory/{item_id}").json()["trade_in_id"]
    return [e["action"] for e in read(client, tid)["custody"]]


def as_role(sessions, role: Role, program: str = PROGRAM) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return auth.bearer(auth.staff(s, f"{role}.{program}@test.example", {program: [role]}))


def test_inventory_lists_filters_pages_locates_and_totals(client, sessions, bulk):
    site = client.post("/sites", json={"id": "leeds", "kind": "processing", "name": "Leeds",
                                       "address": {"line1": "1 Way", "city": "Leeds",
                                                   "country": "GB"}})  # fmt: skip
    assert site.status_code == 201, site.text
    shelf = client.post("/sites/leeds/locations", json={"code": "S-01", "kind": "shelf"}).json()
    ebay = rf.channel(sessions, "ebay", "marketplace")
    a = rf.item(client, sessions, bulk, grade="B",
                place={"site_id": "leeds", "location_id": shelf["id"]})  # fmt: skip
    b = rf.item(client, sessions, bulk, grade="C")
    c = rf.item(client, sessions, ebay, route="marketplace", grade="A", sku=PIXEL,
                status="in_repair")  # fmt: skip

    page = client.get(f"/programs/{PROGRAM}/inventory").json()
    assert page["total"] == 3
    by_id = {i["id"]: i for i in page["items"]}
    assert by_id[a]["location"]["site_id"] == "leeds"
    assert by_id[a]["location"]["location"] == "S-01"
    assert by_id[b]["location"] is None
    assert (by_id[c]["status"], by_id[c]["route"], by_id[c]["grade"]) == (
        "in_repair", "marketplace", "A",
    )  # fmt: skip

    def ids(**params: str) -> set[str]:
        r = client.get(f"/programs/{PROGRAM}/inventory", params=params)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids(status="available") == {a, b}
    assert ids(route="marketplace") == {c}
    assert ids(channel_id=bulk) == {a, b}
    assert ids(variant_sku=PIXEL) == {c}
    assert ids(grade="C") == {b}
    assert ids(grade="C", status="in_repair") == set()
    first = client.get(f"/programs/{PROGRAM}/inventory", params={"limit": 2}).json()
    rest = client.get(f"/programs/{PROGRAM}/inventory", params={"limit": 2, "offset": 2}).json()
    assert (first["total"], len(first["items"]), len(rest["items"])) == (3, 2, 1)
    assert {i["id"] for i in first["items"] + rest["items"]} == {a, b, c}
    assert_error(client.get(f"/programs/{PROGRAM}/inventory?status=lost"), 422, "validation_error")

    summary = client.get(f"/programs/{PROGRAM}/inventory/summary").json()
    assert summary == [
        {"variant_sku": PHONE, "grade": "B", "total": 1, "open": 1, "by_status": {"available": 1}},
        {"variant_sku": PHONE, "grade": "C", "total": 1, "open": 1, "by_status": {"available": 1}},
        {"variant_sku": PIXEL, "grade": "A", "total": 1, "open": 1, "by_status": {"in_repair": 1}},
    ]


def test_listing_and_unlisting_are_on_the_custody_chain(client, sessions, bulk):
    item = rf.item(client, sessions, bulk)
    listed = client.post(f"/inventory/{item}/list", json={"list_price": 45_000})
    assert listed.status_code == 200, listed.text
    assert (listed.json()["status"], listed.json()["list_price"]) == ("listed", 45_000)
    unlisted = client.post(f"/inventory/{item}/unlist")
    assert unlisted.json()["status"] == "available"
    assert actions(client, item)[-2:] == ["listed", "unlisted"]
    before = actions(client, item)
    assert_error(client.post(f"/inventory/{item}/unlist"), 409, "illegal_item_transition")
    assert actions(client, item) == before


def test_a_sale_closes_the_item_and_its_custody_chain(client, sessions, bulk, clock):
    item = rf.item(client, sessions, bulk, grade="B")
    client.post(f"/inventory/{item}/list", json={"list_price": 45_000})
    clock.advance(days=2)
    key = {"Idempotency-Key": "sale-1"}
    body = {"price": 40_000, "buyer": "Refurb Wholesale Ltd"}
    r = client.post(f"/inventory/{item}/sale", json=body, headers=key)
    assert r.status_code == 201, r.text
    sale = r.json()
    assert (sale["price"], sale["fees"], sale["net"]) == (40_000, 4_200, 35_800)  # 10% + 2.00
    assert sale["sold_at"] == clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert item_row(sessions, item).status == "sold"
    tid = sale["trade_in_id"]
    last = read(client, tid)["custody"][-1]
    assert last["action"] == "sold"
    assert (last["data"]["price"], last["data"]["channel_id"]) == (40_000, bulk)
    with sessions() as s:
        assert s.get(EnvironmentalReceipt, tid) is not None
        (observed,) = s.scalars(select(MarketPrice)).all()
    assert (observed.source, observed.reference, observed.price, observed.grade) == (
        "sale", str(sale["id"]), 40_000, "B",
    )  # fmt: skip

    # The same request again is the same sale; any other later step is refused.
    again = client.post(f"/inventory/{item}/sale", json=body, headers=key)
    assert again.json() == sale
    chain = read(client, tid)["custody"]
    other = client.post(f"/inventory/{item}/sale", json={"price": 1, "buyer": "Other Ltd"})
    assert_error(other, 409, "item_closed", "item_id")
    assert_error(client.post(f"/inventory/{item}/list", json={"list_price": 1}), 409, "item_closed")
    assert read(client, tid)["custody"] == chain
    assert client.get(f"/trade-ins/{tid}/custody/verify").json()["ok"] is True
    assert count(sessions, Sale) == 1
    assert count(sessions, MarketPrice) == 1


@pytest.mark.parametrize(("route", "closed"), [("parts", "harvested"), ("recycle", "recycled")])
def test_parts_and_recycling_close_without_a_market_price(client, sessions, seeded, route, closed):
    channel = rf.channel(sessions, route, route)
    item = rf.item(client, sessions, channel, route=route, grade="*")
    r = client.post(f"/inventory/{item}/sale", json={"price": 500, "buyer": "Recycler Ltd"})
    assert r.status_code == 201, r.text
    assert item_row(sessions, item).status == closed
    assert actions(client, item)[-1] == closed
    assert count(sessions, MarketPrice) == 0
    assert count(sessions, EnvironmentalReceipt) == 1


def test_a_refused_sale_changes_nothing(client, sessions, bulk, anonymous):
    repairing = rf.item(client, sessions, bulk, status="in_repair")
    item = rf.item(client, sessions, bulk)
    body = {"price": 40_000, "buyer": "Refurb Wholesale Ltd"}
    chains = {i: actions(client, i) for i in (repairing, item)}

    assert_error(client.post(f"/inventory/{repairing}/sale", json=body), 409,
                 "illegal_item_transition")  # fmt: skip
    future = {**body, "sold_at": "2026-06-16T12:00:00Z"}  # the clock says 15 June
    assert_error(client.post(f"/inventory/{item}/sale", json=future), 422, "invalid_input",
                 "sold_at")  # fmt: skip
    assert_error(client.post(f"/inventory/{item}/sale", json={**body, "price": -1}), 422,
                 "validation_error")  # fmt: skip
    technician = as_role(sessions, Role.TECHNICIAN)
    r = anonymous.post(f"/inventory/{item}/sale", json=body, headers=technician)
    assert_error(r, 403, "forbidden")
    with sessions.begin() as s:
        factories.add_program(s, OTHER)
    outsider = as_role(sessions, Role.FINANCE, OTHER)
    r = anonymous.post(f"/inventory/{item}/sale", json=body, headers=outsider)
    assert_error(r, 404, "inventory_item_not_found")
    assert_error(anonymous.get(f"/inventory/{item}", headers=outsider), 404,
                 "inventory_item_not_found")  # fmt: skip
    assert count(sessions, Sale) == 0
    assert {i: actions(client, i) for i in chains} == chains
    assert item_row(sessions, item).status == "available"
    finance = as_role(sessions, Role.FINANCE)
    assert anonymous.post(f"/inventory/{item}/sale", json=body, headers=finance).status_code == 201


def lot_body(channel: str, items: list[str], reference: str = "WH-1") -> dict:
    return {"reference": reference, "channel_id": channel, "item_ids": items}


def test_a_sales_lot_reserves_exports_and_sells_its_items(client, sessions, bulk):
    items = [
        rf.item(client, sessions, bulk, expected_net=10_000),
        rf.item(client, sessions, bulk, expected_net=20_000, grade="C"),
        # Stocked for another channel: sold in the lot, on the lot's channel and its fees.
        rf.item(client, sessions, rf.channel(sessions, "ebay", "marketplace"),
                route="marketplace", expected_net=None, list_price=30_000),
    ]  # fmt: skip
    r = client.post(f"/programs/{PROGRAM}/sales-lots", json=lot_body(bulk, items))
    assert r.status_code == 201, r.text
    lot = r.json()
    assert lot["status"] == "open"
    assert {i["id"]: i["status"] for i in lot["items"]} == dict.fromkeys(items, "reserved")
    assert all(actions(client, i)[-1] == "reserved_in_lot" for i in items)
    # The same lot asked for again is the lot made before; other items under its name are not.
    again = client.post(f"/programs/{PROGRAM}/sales-lots", json=lot_body(bulk, items[::-1]))
    assert again.status_code == 201 and again.json()["id"] == lot["id"]
    extra = rf.item(client, sessions, bulk)
    clash = client.post(f"/programs/{PROGRAM}/sales-lots", json=lot_body(bulk, [extra]))
    assert_error(clash, 409, "sales_lot_exists", "reference")
    assert count(sessions, SalesLot) == 1

    manifest = client.get(f"/sales-lots/{lot['id']}/manifest.csv")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(manifest.text)))
    assert [r["line"] for r in rows] == ["1", "2", "3"]
    assert {r["item_id"] for r in rows} == set(items)
    first = next(r for r in rows if r["item_id"] == items[1])
    tid = client.get(f"/inventory/{items[1]}").json()["trade_in_id"]
    with sessions() as s:
        from revalue.identity.models import DeviceIdentity

        identity = s.get_one(DeviceIdentity, tid)
    assert (first["trade_in_id"], first["brand"], first["model"], first["variant_sku"],
            first["storage_gb"], first["grade"], first["imei"]) == (
        tid, "Apple", "iPhone 15", PHONE, "128", "C", identity.imei,
    )  # fmt: skip
    assert "ada" not in manifest.text.lower() and "@" not in manifest.text

    sold = client.post(f"/sales-lots/{lot['id']}/sell",
                       json={"buyer": "Refurb Wholesale Ltd", "price": 100_001})  # fmt: skip
    assert sold.status_code == 200, sold.text
    body = sold.json()
    assert (body["status"], body["sold_price"]) == ("sold", 100_001)
    price_of = {s["item_id"]: s["price"] for s in body["sales"]}
    # Weights 1 : 2 : 3 (expected net, else list price); the odd unit to the largest remainder.
    assert price_of == {items[0]: 16_667, items[1]: 33_334, items[2]: 50_000}
    assert sum(price_of.values()) == 100_001
    assert all(s["fees"] == s["price"] // 10 + 200 for s in body["sales"])
    assert {s["channel_id"] for s in body["sales"]} == {bulk}
    assert {item_row(sessions, i).status for i in items} == {"sold"}
    assert all(actions(client, i)[-1] == "sold" for i in items)
    chain = actions(client, items[0])
    assert_error(client.post(f"/sales-lots/{lot['id']}/cancel"), 409,
                 "illegal_sales_lot_transition")  # fmt: skip
    assert actions(client, items[0]) == chain


def test_a_lot_refuses_items_it_cannot_hold_naming_each(client, sessions, bulk):
    with sessions.begin() as s:
        factories.add_program(s, OTHER)
    theirs = rf.item(client, sessions, rf.channel(sessions, "bulk", "wholesale", program=OTHER),
                     program=OTHER)  # fmt: skip
    good = rf.item(client, sessions, bulk)
    repairing = rf.item(client, sessions, bulk, status="in_repair")
    chains = {i: actions(client, i) for i in (good, repairing)}
    r = client.post(f"/programs/{PROGRAM}/sales-lots",
                    json=lot_body(bulk, [good, repairing, theirs, "inv_none"]))  # fmt: skip
    body = assert_error(r, 422, "items_unavailable", "item_ids[1]")
    named = {e["item_id"]: e["message"] for e in body["details"]["errors"]}
    assert set(named) == {repairing, theirs, "inv_none"}
    assert "in_repair" in named[repairing]
    assert named[theirs] == named["inv_none"] == "no such item in this program"
    recycler = rf.channel(sessions, "recycler", "recycle")
    assert_error(client.post(f"/programs/{PROGRAM}/sales-lots", json=lot_body(recycler, [good])),
                 422, "wrong_channel", "channel_id")  # fmt: skip
    assert count(sessions, SalesLot) == 0
    assert item_row(sessions, good).status == "available"
    assert {i: actions(client, i) for i in chains} == chains


def test_a_cancelled_lot_frees_its_items(client, sessions, bulk, anonymous):
    items = [rf.item(client, sessions, bulk) for _ in range(2)]
    lot = client.post(f"/programs/{PROGRAM}/sales-lots", json=lot_body(bulk, items)).json()
    direct = client.post(f"/inventory/{items[0]}/sale", json={"price": 1, "buyer": "X Ltd"})
    assert_error(direct, 409, "illegal_item_transition")  # reserved: sold with its lot
    technician = as_role(sessions, Role.TECHNICIAN)
    refused = anonymous.post(f"/sales-lots/{lot['id']}/cancel", headers=technician)
    assert_error(refused, 403, "forbidden")
    assert_error(anonymous.get(f"/sales-lots/{lot['id']}", headers=technician), 403, "forbidden")
    r = client.post(f"/sales-lots/{lot['id']}/cancel")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["items"]) == ("cancelled", [])
    assert {item_row(sessions, i).status for i in items} == {"available"}
    assert {item_row(sessions, i).sales_lot_id for i in items} == {None}
    assert all(actions(client, i)[-2:] == ["reserved_in_lot", "released_from_lot"] for i in items)
    sell = client.post(f"/sales-lots/{lot['id']}/sell", json={"buyer": "X Ltd", "price": 10})
    assert_error(sell, 409, "illegal_sales_lot_transition")
    assert count(sessions, Sale) == 0
