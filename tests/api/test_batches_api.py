"""Store-to-site batches: devices scanned out at a store, dispatched, scanned in at the
processing site; a device never scanned in stays listed as missing. Every step is on each
device's custody chain, which verifies; a wrong scan or a wrong site writes nothing."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from revalue.domain.errors import RevalueError
from revalue.domain.logistics import SiteKind
from revalue.logistics import batches, receiving, sites
from revalue.logistics.models import Location, Site
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import custody, repository
from revalue.tradeins import service as tradeins
from revalue.tradeins.schemas import AcceptIn
from tests import auth, factories
from tests.api.support import assert_error, read, snapshot
from tests.api.test_sites_api import (
    HUB,
    OTHER_HUB,
    STORE,
    custody_actions,
    in_store,
    layout,
    verifies,
)


def batch(client, from_site: str = STORE, to_site: str = HUB) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/batches", json={"from_site_id": from_site, "to_site_id": to_site})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "open" and r.json()["items"] == []
    return r.json()["id"]


def scan_out(client, batch_id: str, scan: str):  # type: ignore[no-untyped-def]
    return client.post(f"/batches/{batch_id}/items", json={"scan": scan})


def scan_in(client, batch_id: str, scan: str, site_id: str = HUB, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/batches/{batch_id}/receive-item", json={"scan": scan, "site_id": site_id, **body}
    )


def packed(client, *tids: str) -> str:  # type: ignore[no-untyped-def]
    bid = batch(client)
    for tid in tids:
        r = scan_out(client, bid, tid)
        assert r.status_code == 200, r.text
    return bid


def dispatched(client, *tids: str) -> str:  # type: ignore[no-untyped-def]
    bid = packed(client, *tids)
    r = client.post(f"/batches/{bid}/dispatch", json={"carrier": "van", "tracking_number": "VAN-7"})
    assert r.status_code == 200, r.text
    return bid


def statuses(client, bid: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {i["trade_in_id"]: i["status"] for i in client.get(f"/batches/{bid}").json()["items"]}


def inventory(client, site_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    body = client.get(f"/sites/{site_id}/inventory").json()
    return sorted(d["trade_in_id"] for g in body["locations"] for d in g["devices"])


def test_a_batch_goes_out_and_in_and_a_device_never_scanned_in_is_missing(client, seeded, clock):
    shelves = layout(client)
    arrives, lost = in_store(client), in_store(client)
    bid = packed(client, arrives, lost)
    assert statuses(client, bid) == {arrives: "packed", lost: "packed"}
    assert inventory(client, STORE) == sorted([arrives, lost])  # packed, still in the store
    clock.advance(hours=2)
    r = client.post(f"/batches/{bid}/dispatch", json={"carrier": "van", "tracking_number": "V1"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dispatched" and r.json()["dispatched_at"] is not None
    out = {"batch_id": bid, "from_site": STORE, "to_site": HUB, "carrier": "van",
           "tracking_number": "V1"}  # fmt: skip
    for tid in (arrives, lost):
        assert custody_actions(client, tid)[-1] == ("transfer_out", out)
    assert inventory(client, STORE) == []  # on their way: no longer in the store
    clock.advance(days=1)
    r = scan_in(client, bid, arrives, location_id=shelves["A-01"])
    assert r.status_code == 200, r.text
    assert statuses(client, bid) == {arrives: "arrived", lost: "on_its_way"}
    assert custody_actions(client, arrives)[-1] == (
        "transfer_in",
        {
            "why": "transfer_in",
            "from_site": STORE,
            "from_location": None,
            "to_site": HUB,
            "to_location": "A-01",
            "batch_id": bid,
            "late": False,
        },
    )
    assert read(client, arrives)["custody"][-1]["place"] == HUB  # where it arrived
    r = client.post(f"/batches/{bid}/close")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "received" and body["missing"] == [lost]
    assert statuses(client, bid) == {arrives: "arrived", lost: "missing"}
    assert custody_actions(client, lost)[-1] == (
        "transfer_missing",
        {"batch_id": bid, "from_site": STORE, "to_site": HUB},
    )
    assert inventory(client, HUB) == [arrives]
    assert inventory(client, STORE) == []
    # It turns up a day later: scanned in against its closed batch.
    clock.advance(days=1)
    assert scan_in(client, bid, lost).status_code == 200
    assert statuses(client, bid) == {arrives: "arrived", lost: "arrived"}
    assert custody_actions(client, lost)[-1][1]["late"] is True
    assert inventory(client, HUB) == sorted([arrives, lost])
    for tid in (arrives, lost):
        assert read(client, tid)["state"] == "received"  # travelling changes no state
        assert verifies(client, tid)


def test_a_device_not_in_the_batch_or_a_scan_at_the_wrong_site_writes_nothing(client, seeded):
    layout(client)
    inside, outside = in_store(client), in_store(client)
    bid = dispatched(client, inside)
    before = (
        snapshot(client, inside),
        snapshot(client, outside),
        client.get(f"/batches/{bid}").json(),
    )
    body = assert_error(scan_in(client, bid, outside), 409, "not_in_batch")
    assert outside in body["message"] or body["details"]["trade_in_ids"] == [outside]
    body = assert_error(scan_in(client, bid, inside, site_id=OTHER_HUB), 409, "wrong_site")
    assert body["details"]["expected_site"] == HUB
    assert_error(scan_in(client, bid, "NOTHING-LIKE-IT"), 404, "scan_not_found")
    after = (
        snapshot(client, inside),
        snapshot(client, outside),
        client.get(f"/batches/{bid}").json(),
    )
    assert after == before
    assert scan_in(client, bid, inside).status_code == 200
    assert_error(scan_in(client, bid, inside), 409, "already_scanned_in")


def test_what_a_batch_refuses(client, seeded):
    layout(client)
    at_store = in_store(client)
    assert_error(
        client.post("/batches", json={"from_site_id": HUB, "to_site_id": OTHER_HUB}),
        409,
        "wrong_site",
        field="from_site_id",
    )
    assert_error(
        client.post("/batches", json={"from_site_id": STORE, "to_site_id": STORE}),
        409,
        "wrong_site",
        field="to_site_id",
    )
    empty = batch(client)
    assert_error(client.post(f"/batches/{empty}/dispatch"), 409, "batch_empty")
    assert_error(client.post(f"/batches/{empty}/close"), 409, "batch_status")
    # A device at another site is not in this store to scan out.
    at_hub = in_store(client, store=HUB)
    body = assert_error(scan_out(client, empty, at_hub), 409, "wrong_site")
    assert body["details"]["expected_site"] == STORE and body["details"]["found_at"] == [HUB]
    bid = packed(client, at_store)
    assert_error(scan_out(client, empty, at_store), 409, "in_another_batch")
    assert_error(scan_out(client, bid, at_store), 409, "in_another_batch")
    assert_error(scan_in(client, bid, at_store), 409, "batch_status")
    client.post(f"/batches/{bid}/dispatch")
    assert_error(scan_out(client, bid, in_store(client)), 409, "batch_status")
    # On its way, it is not moved about by hand.
    before = snapshot(client, at_store)
    r = client.post(f"/trade-ins/{at_store}/move", json={"site_id": STORE, "location_id": None})
    assert_error(r, 409, "device_in_batch")
    assert snapshot(client, at_store) == before
    assert_error(client.get("/batches/b_none"), 404, "batch_not_found")


def test_store_associates_pack_and_send_receivers_scan_in(client, anonymous, seeded, sessions):
    with sessions.begin() as s:
        associate = auth.staff(s, "sa@acme.example", {"acme": ["store_associate"]})
        receiver = auth.staff(s, "r@acme.example", {"acme": ["receiver"]})
    layout(client)
    tid = in_store(client)
    as_sa, as_r = auth.bearer(associate), auth.bearer(receiver)
    body = {"from_site_id": STORE, "to_site_id": HUB}
    assert_error(anonymous.post("/batches", json=body, headers=as_r), 403, "forbidden")
    r = anonymous.post("/batches", json=body, headers=as_sa)
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    assert anonymous.post(f"/batches/{bid}/items", json={"scan": tid}, headers=as_sa).is_success
    assert anonymous.post(f"/batches/{bid}/dispatch", headers=as_sa).is_success
    r = anonymous.post(
        f"/batches/{bid}/receive-item", json={"scan": tid, "site_id": HUB}, headers=as_sa
    )
    assert_error(r, 403, "forbidden")
    r = anonymous.post(
        f"/batches/{bid}/receive-item", json={"scan": tid, "site_id": HUB}, headers=as_r
    )
    assert r.status_code == 200, r.text
    assert anonymous.get(f"/batches/{bid}", headers=as_sa).json()["items"][0]["status"] == (
        "arrived"
    )


# --- a property over random moves and batches, through the services ------------------------

SITES = {"shop": "store", "hub": "processing", "hub2": "processing"}
CODES = ("L1", "L2")
CYCLE = ("move", "pack", "dispatch", "scan_in", "close")


def _layout(sessions) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """The sites and their locations, made once per database (examples share it)."""
    with sessions.begin() as s:
        if s.get(Site, "shop") is None:
            for site_id, kind in SITES.items():
                sites.create_site(
                    s, site_id=site_id, kind=SiteKind(kind), name=site_id,
                    address={"line1": "1 Road", "city": "Leeds", "country": "GB"},
                    ctx=factories.ctx(),
                )  # fmt: skip
                for code in CODES:
                    sites.create_location(s, site_id, code=code, kind="shelf")
        return {(loc.site_id, loc.code): loc.id for loc in s.scalars(select(Location)).all()}


def _placed(s, tid: str) -> tuple[str, str | None] | None:  # type: ignore[no-untyped-def]
    row = sites.placement_of(s, tid)
    if row is None:
        return None
    code = s.get(Location, row.location_id).code if row.location_id else None
    return row.site_id, code


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_move_is_on_the_chain_and_a_device_changes_site_only_by_batch(sessions, seeded, data):
    locations = _layout(sessions)
    ctx = factories.ctx()
    with sessions.begin() as s:
        req = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        tid = tradeins.start(s, req, ctx)[0].id
        tradeins.accept(s, tid, AcceptIn(payout_method="cash", pathway="in_store"), ctx)
        receiving.receive(s, "shop", tid, receiving.Found(), ctx)
    batch_id: str | None = None
    heading: str | None = None  # where the latest batch goes
    last_done = "close"
    for _ in range(data.draw(st.integers(1, 12))):
        # Mostly the next step of a batch's round trip (to get deep into it), else any; mostly
        # at the site the step should be taken at, else anywhere.
        natural = CYCLE[(CYCLE.index(last_done) + 1) % len(CYCLE)]
        step = data.draw(st.sampled_from([natural, natural, *CYCLE]))
        with sessions() as s:
            before = (_placed(s, tid), tradeins.get(s, tid).last_seq)
        here = before[0][0] if before[0] else "shop"
        right = {"scan_in": heading, "pack": "hub"}.get(step) or here
        site_id = data.draw(st.sampled_from([right, right, *sorted(SITES)]))
        code = data.draw(st.sampled_from((None, *CODES)))
        location_id = locations[(site_id, code)] if code else None
        try:
            with sessions.begin() as s:
                if step == "move":
                    sites.place(s, tradeins.get(s, tid), site_id, location_id, ctx)
                elif step == "pack":
                    placed = sites.placement_of(s, tid)
                    batch_id = batches.create(
                        s, from_site_id=placed.site_id, to_site_id=site_id, ctx=ctx
                    ).id
                    batches.add_item(s, batch_id, tid, ctx)
                    heading = site_id
                elif step == "dispatch":
                    batches.dispatch(s, batch_id or "b_none", ctx)
                elif step == "scan_in":
                    batches.receive_item(
                        s, batch_id or "b_none", site_id, tid, ctx, location_id=location_id
                    )
                else:
                    batches.close(s, batch_id or "b_none", ctx)
        except RevalueError:
            with sessions() as s:
                assert (_placed(s, tid), tradeins.get(s, tid).last_seq) == before
            continue
        event(f"{step} done")
        last_done = step
        with sessions() as s:
            trade_in = tradeins.get(s, tid)
            assert custody.verify_one(s, trade_in) is None
            events = repository.events(s, tid)
            placements = [e.data for e in events if e.action in ("move", "transfer_in")]
            # Where the chain says the device went last is where it is.
            last = placements[-1]
            assert _placed(s, tid) == (last["to_site"], last["to_location"])
            # Each placement starts where the one before ended; only a batch crosses sites.
            for prev, nxt in itertools.pairwise(placements):
                assert nxt["from_site"] == prev["to_site"]
                assert nxt["from_location"] == prev["to_location"]
                crossed = nxt["from_site"] != nxt["to_site"]
                assert not crossed or nxt["why"] == "transfer_in"
