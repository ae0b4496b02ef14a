"""Disposition plans against the database: a small program whose routes are known (a cracked
phone with a cheap screen goes to refurbishment; a blocklisted one to recycling; a locked one
or one whose sampled erasure is unverified never to resale), capacities respected, decisions
explained, and a plan applied once, all or nothing, with custody chains that verify."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from revalue.identity.models import ScreeningFlag
from revalue.recovery.models import InventoryItem, WorkOrder
from revalue.tradeins import custody
from revalue.tradeins.models import TradeIn
from tests import auth, factories
from tests.api.support import PHONE, PROGRAM, assert_error, ok, read, received

PLANS = f"/programs/{PROGRAM}/plans"
SCREEN = {
    "code": "screen",
    "category": "smartphone",
    "name": "Screen",
    "fixes": "screen_cracked",
    "parts_cost": 3_000,
    "labour_minutes": 30,
}


def channel(client, code: str, route: str, prices: list[tuple[str, int]], **kw) -> str:  # type: ignore[no-untyped-def]
    r = client.post(
        f"/programs/{PROGRAM}/channels",
        json={"code": code, "name": code.title(), "route": route, **kw},
    )
    assert r.status_code == 201, r.text
    body = [{"variant_sku": PHONE, "grade": g, "amount": a} for g, a in prices]
    assert client.put(f"/channels/{r.json()['id']}/prices", json=body).status_code == 200
    return r.json()["id"]


def set_up(client, refurb_capacity: int | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Refurbished sales pay 500.00 at B and 200.00 at D; parts 80.00; recycling nothing."""
    ids = {
        "refurb": channel(
            client,
            "refurb",
            "refurbish_resell",
            [("B", 50_000), ("D", 20_000)],
            capacity_per_week=refurb_capacity,
        ),
        "parts": channel(client, "parts", "parts", [("*", 8_000)]),
        "recycle": channel(client, "recycle", "recycle", []),
    }
    assert (
        client.put(f"/programs/{PROGRAM}/repair-actions", json={"actions": [SCREEN]}).status_code
        == 200
    )
    return ids


def sanitized(client, **answers) -> str:  # type: ignore[no-untyped-def]
    """A phone declared and found as ``answers``, erased."""
    tid = received(client, **answers)
    ok(client, tid, "inspect", {"condition": factories.answers(**answers)})
    ok(
        client,
        tid,
        "sanitize",
        {"level": "purge", "technique": "cryptographic_erase", "result": "erased"},
    )
    return tid


def flag(sessions, tid: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    """A screening flag still open on the device, as screening raises them."""
    with sessions.begin() as s:
        s.add(
            ScreeningFlag(
                trade_in_id=tid,
                kind=kind,
                severity="critical",
                reason="test",
                status="open",
                raised_at=factories.NOW,
            )
        )


def plan(client, **body) -> dict:  # type: ignore[no-untyped-def]
    r = client.post(PLANS, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def decisions(client, plan_id: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    r = client.get(f"/plans/{plan_id}/decisions", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return {d["trade_in_id"]: d for d in r.json()["decisions"]}


def test_each_device_takes_the_route_its_condition_and_records_allow(client, seeded, sessions):
    ch = set_up(client)
    good = sanitized(client)
    cracked = sanitized(client, screen_cracked=True)
    blocked, locked = sanitized(client), sanitized(client)
    flag(sessions, blocked, "blocklisted")
    flag(sessions, locked, "locked")
    r = client.patch(f"/programs/{PROGRAM}", json={"erasure_verification_bp": 10_000})
    assert r.status_code == 200, r.text
    unverified = sanitized(client)
    assert read(client, unverified)["sanitization"]["verification"] == "required"

    made = plan(client)
    assert (made["status"], made["devices"], made["strategy"]) == ("proposed", 4, "maximize_value")
    # A good device whose erasure awaits its independent check is not shredded for want of
    # it: it waits for a later plan, and a batch naming it is refused.
    assert made["summary"]["held_for_verification"] == [unverified]
    r = client.post(PLANS, json={"trade_in_ids": [good, unverified]})
    assert assert_error(r, 422, "not_waiting")["details"]["trade_in_ids"] == [unverified]
    assert made["summary"]["recovery"] >= made["summary"]["greedy_recovery"]
    got = decisions(client, made["id"])
    assert {tid: (d["route"], d["channel_id"]) for tid, d in got.items()} == {
        good: ("refurbish_resell", ch["refurb"]),
        cracked: ("refurbish_resell", ch["refurb"]),
        blocked: ("recycle", ch["recycle"]),  # not even parts
        locked: ("parts", ch["parts"]),
    }
    # The cracked screen is repaired (30.00 parts, 30 minutes at 40.00 an hour) and sold at B.
    fixed = got[cracked]
    assert (fixed["repairs"], fixed["grade"]) == (["screen"], "B")
    assert fixed["net"] == 50_000 - 3_000 - 2_000 - 10 * 0  # no fees, days or logistics set
    chosen, alternatives = fixed["explanation"]["chosen"], fixed["explanation"]["alternatives"]
    assert chosen["net"] == fixed["net"] and fixed["explanation"]["reason"]
    assert {(a["route"], a["grade"]) for a in alternatives} >= {("refurbish_resell", "D")}
    assert got[blocked]["explanation"]["device"]["parts_block"].startswith("blocklisted")
    assert got[locked]["explanation"]["device"]["resale_block"]
    # The totals add up by route and channel; a filter finds one device's decision.
    totals = {
        (t["route"], t["channel_code"]): t["devices"]
        for t in client.get(f"/plans/{made['id']}").json()["totals"]
    }
    assert totals == {
        ("parts", "parts"): 1,
        ("recycle", "recycle"): 1,
        ("refurbish_resell", "refurb"): 2,
    }
    one = client.get(f"/plans/{made['id']}/decisions", params={"trade_in_id": cracked}).json()
    assert one["total"] == 1 and one["decisions"][0]["trade_in_id"] == cracked


def test_the_stored_plan_respects_channel_capacity(client, seeded):
    ch = set_up(client, refurb_capacity=2)
    phones = [sanitized(client) for _ in range(3)]
    made = plan(client, horizon_days=7)
    routes = Counter(d["channel_id"] for d in decisions(client, made["id"]).values())
    assert routes == {ch["refurb"]: 2, ch["parts"]: 1}
    assert len(phones) == made["devices"] == 3
    # Over 3 days, a capacity of 2 a week is no refurbished sale at all (floored).
    short = plan(client, horizon_days=3)
    assert ch["refurb"] not in {d["channel_id"] for d in decisions(client, short["id"]).values()}
    assert client.get(f"/plans/{made['id']}").json()["status"] == "superseded"


def test_applying_disposes_stocks_and_plans_repairs_with_custody_that_verifies(
    client, seeded, sessions
):
    ch = set_up(client)
    good, cracked = sanitized(client), sanitized(client, screen_cracked=True)
    made = plan(client)
    r = client.post(f"/plans/{made['id']}/apply")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["applied_by"]) == ("applied", "staff:admin@test.example")
    for tid in (good, cracked):
        t = read(client, tid)
        assert (t["state"], t["disposition"]) == ("disposed", "refurbish_resell")
    assert [e["action"] for e in read(client, cracked)["custody"][-3:]] == [
        "dispose",
        "work_order_planned",
        "stocked",
    ]
    assert read(client, good)["custody"][-1]["action"] == "stocked"
    with sessions() as s:
        items = {i.trade_in_id: i for i in s.scalars(select(InventoryItem))}
        orders = list(s.scalars(select(WorkOrder)))
        for tid in (good, cracked):
            assert custody.verify_one(s, s.get(TradeIn, tid)) is None
    assert (items[good].status, items[good].grade, items[good].channel_id) == (
        "available",
        "B",
        ch["refurb"],
    )
    assert items[cracked].status == "in_repair" and items[cracked].paid > 0
    assert items[cracked].expected_net == 45_000
    (order,) = orders
    assert (
        order.trade_in_id,
        order.status,
        order.actions,
        order.parts_cost,
        order.labour_minutes,
        order.grade_target,
    ) == (
        cracked,
        "planned",
        ["screen"],
        3_000,
        30,
        "B",
    )


def test_a_plan_applies_once(client, seeded, sessions):
    set_up(client)
    sanitized(client)
    made = plan(client)
    key = {"Idempotency-Key": "apply-once"}
    first = client.post(f"/plans/{made['id']}/apply", headers=key)
    assert first.status_code == 200, first.text
    # The same request again is answered as the first; without the key it is refused.
    assert client.post(f"/plans/{made['id']}/apply", headers=key).json() == first.json()
    assert_error(client.post(f"/plans/{made['id']}/apply"), 409, "plan_not_proposed", "plan_id")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(InventoryItem)) == 1
    # Stocked devices are not planned again.
    assert_error(client.post(PLANS, json={}), 422, "nothing_to_plan")


def test_a_superseded_plan_is_refused(client, seeded):
    set_up(client)
    tid = sanitized(client)
    old, new = plan(client), plan(client)
    assert_error(client.post(f"/plans/{old['id']}/apply"), 409, "plan_not_proposed")
    assert read(client, tid)["state"] == "sanitized"
    assert client.post(f"/plans/{new['id']}/apply").status_code == 200


def test_a_device_that_moved_since_planning_blocks_the_whole_plan(client, seeded, sessions):
    set_up(client)
    stays, moves = sanitized(client), sanitized(client)
    made = plan(client)
    ok(client, moves, "dispose", {"route": "recycle"})
    before = read(client, stays)
    body = assert_error(client.post(f"/plans/{made['id']}/apply"), 409, "devices_moved")
    assert body["details"]["trade_in_ids"] == [moves]
    assert read(client, stays) == before
    assert client.get(f"/plans/{made['id']}").json()["status"] == "proposed"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(InventoryItem)) == 0


def test_a_plan_is_a_managers_and_another_programs_is_not_found(
    client, anonymous, seeded, sessions
):
    set_up(client)
    sanitized(client)
    made = plan(client)
    with sessions.begin() as s:
        tech = auth.staff(s, "tech@test.example", {PROGRAM: ["technician"]})
        finance = auth.staff(s, "fin@test.example", {PROGRAM: ["finance"]})
        factories.add_program(s, "rival")
        rival = auth.staff(s, "pm@rival.example", {"rival": ["program_manager"]})
    assert_error(anonymous.post(PLANS, json={}, headers=auth.bearer(tech)), 403, "forbidden")
    assert anonymous.get(f"/plans/{made['id']}", headers=auth.bearer(finance)).status_code == 200
    r = anonymous.post(f"/plans/{made['id']}/apply", headers=auth.bearer(finance))
    assert_error(r, 403, "forbidden")
    r = anonymous.post(f"/plans/{made['id']}/apply", headers=auth.bearer(rival))
    assert_error(r, 404, "plan_not_found")
    assert client.get(f"/plans/{made['id']}").json()["status"] == "proposed"


def test_a_batch_plans_only_the_devices_it_names(client, seeded):
    set_up(client)
    first, second = sanitized(client), sanitized(client)
    made = plan(client, trade_in_ids=[second])
    assert made["devices"] == 1
    assert set(decisions(client, made["id"])) == {second}
    # A device not waiting (quoted only) in the batch: refused by name, no plan made.
    quoted = client.post(
        "/quotes",
        json={"program_id": PROGRAM, "variant_sku": PHONE, "answers": factories.answers()},
    ).json()["trade_in_id"]
    r = client.post(PLANS, json={"trade_in_ids": [first, quoted]})
    body = assert_error(r, 422, "not_waiting", field="trade_in_ids")
    assert body["details"]["trade_in_ids"] == [quoted]
    assert client.get(f"/plans/{made['id']}").json()["status"] == "proposed"
