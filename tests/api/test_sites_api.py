"""Sites and locations: an admin sets them up, staff read them; a device moves between the
locations of its site (each move a custody event that verifies), never to another site by a
move; a site's inventory lists the caller's programs' devices only."""

from __future__ import annotations

from typing import Any

from tests import auth, factories
from tests.api.support import accepted, assert_error, read, snapshot

ADDRESS = {"line1": "1 Dock Road", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"}
HUB, OTHER_HUB, STORE = "leeds-hub", "bristol-hub", "store-kings-cross"


def site(client, site_id: str, kind: str = "processing", **extra: Any) -> dict:  # type: ignore[no-untyped-def]
    body = {"id": site_id, "kind": kind, "name": site_id.title(), "address": ADDRESS, **extra}
    r = client.post("/sites", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def location(client, site_id: str, code: str, kind: str = "shelf") -> int:  # type: ignore[no-untyped-def]
    r = client.post(f"/sites/{site_id}/locations", json={"code": code, "kind": kind})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def layout(client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A processing site with two shelves and a cage, another processing site, and a store."""
    site(client, HUB)
    site(client, OTHER_HUB)
    site(client, STORE, kind="store")
    return {
        "A-01": location(client, HUB, "A-01"),
        "A-02": location(client, HUB, "A-02"),
        "CAGE": location(client, HUB, "CAGE", kind="cage"),
        "B-01": location(client, OTHER_HUB, "B-01"),
        "S-01": location(client, STORE, "S-01", kind="bin"),
    }


def receive_at(client, site_id: str, scan: str, **body: Any):  # type: ignore[no-untyped-def]
    return client.post(f"/sites/{site_id}/receive", json={"scan": scan, **body})


def in_store(client, store: str = STORE, location_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """An in-store trade-in handed over and received at the store."""
    tid = accepted(client, pathway="in_store")
    r = receive_at(client, store, tid, location_id=location_id)
    assert r.status_code == 201, r.text
    return tid


def custody_actions(client, tid: str) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    return [(e["action"], e["data"]) for e in read(client, tid)["custody"]]


def verifies(client, tid: str) -> bool:  # type: ignore[no-untyped-def]
    r = client.get(f"/trade-ins/{tid}/custody/verify")
    assert r.status_code == 200, r.text
    return r.json()["ok"]


def test_an_admin_creates_sites_and_locations_and_staff_read_them(
    client, anonymous, seeded, sessions
):
    made = site(client, HUB, name="Leeds hub")
    assert made["kind"] == "processing" and made["active"] is True
    assert made["address"] == {
        "name": "",
        "line1": "1 Dock Road",
        "line2": "",
        "city": "Leeds",
        "region": "",
        "postcode": "LS1 1AA",
        "country": "GB",
    }
    shelf = location(client, HUB, "A-01")
    with sessions.begin() as s:
        token = auth.staff(s, "pm@acme.example", {"acme": ["program_manager"]})
    r = anonymous.get("/sites", headers=auth.bearer(token))
    assert [s["id"] for s in r.json()] == [HUB]
    r = anonymous.get(f"/sites/{HUB}/locations", headers=auth.bearer(token))
    assert r.json() == [
        {
            "id": shelf,
            "site_id": HUB,
            "code": "A-01",
            "kind": "shelf",
            "description": "",
            "active": True,
        }
    ]
    refused = anonymous.post(
        "/sites",
        json={"id": "x-site", "kind": "store", "name": "X", "address": ADDRESS},
        headers=auth.bearer(token),
    )
    assert_error(refused, 403, "forbidden")
    assert [s["id"] for s in client.get("/sites").json()] == [HUB]


def test_a_location_code_is_unique_per_site_and_bad_input_is_named(client, seeded):
    layout(client)
    assert_error(
        client.post(f"/sites/{HUB}/locations", json={"code": "A-01", "kind": "bin"}),
        409,
        "location_exists",
        field="code",
    )
    location(client, OTHER_HUB, "A-01")  # another site may use the same code
    assert_error(
        client.post(f"/sites/{HUB}/locations", json={"code": "A-09", "kind": "drawer"}),
        422,
        "validation_error",
        field="kind",
    )
    assert_error(
        client.post("/sites", json={"id": HUB, "kind": "store", "name": "x", "address": ADDRESS}),
        409,
        "site_exists",
    )
    bad = {"id": "new-site", "kind": "depot", "name": "x", "address": {"line1": "x"}}
    body = assert_error(client.post("/sites", json=bad), 422, "validation_error")
    named = {e["field"] for e in body["details"]["errors"]}
    assert {"kind", "address.city", "address.country"} <= named
    assert_error(client.get("/sites/nowhere"), 404, "site_not_found")
    assert [s["id"] for s in client.get("/sites").json()] == [OTHER_HUB, HUB, STORE]


def test_a_move_within_the_site_is_a_custody_event_and_the_chain_verifies(client, seeded, clock):
    shelves = layout(client)
    tid = in_store(client, location_id=shelves["S-01"])
    clock.advance(minutes=5)
    r = client.post(f"/trade-ins/{tid}/move", json={"site_id": STORE, "location_id": None})
    assert r.status_code == 200, r.text
    assert r.json()["site_id"] == STORE and r.json()["location_id"] is None
    moves = [d for a, d in custody_actions(client, tid) if a == "move"]
    assert moves == [
        {
            "why": "received",
            "from_site": None,
            "from_location": None,
            "to_site": STORE,
            "to_location": "S-01",
        },
        {
            "why": "move",
            "from_site": STORE,
            "from_location": "S-01",
            "to_site": STORE,
            "to_location": None,
        },
    ]
    assert verifies(client, tid)


def test_a_move_to_another_site_or_a_closed_place_is_refused_and_changes_nothing(client, seeded):
    shelves = layout(client)
    tid = in_store(client, location_id=shelves["S-01"])
    before = snapshot(client, tid)
    refusals = [
        ({"site_id": HUB, "location_id": shelves["A-01"]}, 409, "needs_transfer"),
        ({"site_id": STORE, "location_id": shelves["A-01"]}, 404, "location_not_found"),
        ({"site_id": "nowhere", "location_id": None}, 404, "site_not_found"),
    ]
    for body, status, code in refusals:
        assert_error(client.post(f"/trade-ins/{tid}/move", json=body), status, code)
    other = location(client, STORE, "S-02")
    closed = client.patch(f"/sites/{STORE}/locations/{other}", json={"active": False})
    assert closed.json()["active"] is False
    assert_error(
        client.post(f"/trade-ins/{tid}/move", json={"site_id": STORE, "location_id": other}),
        409,
        "location_inactive",
    )
    assert client.patch(f"/sites/{STORE}", json={"active": False}).json()["active"] is False
    assert_error(
        client.post(f"/trade-ins/{tid}/move", json={"site_id": STORE, "location_id": None}),
        409,
        "site_inactive",
    )
    assert snapshot(client, tid) == before
    inventory = client.get(f"/sites/{STORE}/inventory").json()
    assert [
        (g["code"], [d["trade_in_id"] for d in g["devices"]]) for g in inventory["locations"]
    ] == [("S-01", [tid])]


def test_a_device_not_yet_in_hand_cannot_be_moved(client, seeded):
    layout(client)
    tid = accepted(client, pathway="mail_in")
    before = snapshot(client, tid)
    r = client.post(f"/trade-ins/{tid}/move", json={"site_id": HUB, "location_id": None})
    assert_error(r, 409, "device_not_in_hand")
    assert snapshot(client, tid) == before


def test_the_inventory_shows_devices_by_location_of_the_callers_programs_only(
    client, anonymous, seeded, sessions
):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
    shelves = layout(client)
    mine = in_store(client, location_id=shelves["S-01"])
    loose = in_store(client)
    theirs_r = client.post(
        "/quotes",
        json={
            "program_id": "rival",
            "variant_sku": factories.PHONE,
            "answers": factories.answers(),
        },
    )
    theirs = theirs_r.json()["trade_in_id"]
    client.post(
        f"/trade-ins/{theirs}/accept", json={"payout_method": "cash", "pathway": "in_store"}
    )
    assert receive_at(client, STORE, theirs).status_code == 201
    everything = client.get(f"/sites/{STORE}/inventory").json()
    assert everything["devices"] == 3
    with sessions.begin() as s:
        auditor = auth.staff(s, "au@acme.example", {"acme": ["auditor"]})
        finance = auth.staff(s, "fi@acme.example", {"acme": ["finance"]})
    r = anonymous.get(f"/sites/{STORE}/inventory", headers=auth.bearer(auditor))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["devices"] == 2
    assert [(g["code"], [d["trade_in_id"] for d in g["devices"]]) for g in body["locations"]] == [
        (None, [loose]),
        ("S-01", [mine]),
    ]
    assert body["locations"][1]["devices"][0]["state"] == "received"
    assert body["locations"][1]["devices"][0]["batch_id"] is None
    assert_error(
        anonymous.get(f"/sites/{STORE}/inventory", headers=auth.bearer(finance)), 403, "forbidden"
    )
