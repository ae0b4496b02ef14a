"""Refurbishment work orders: planned by an applied plan, started by a technician, finished by
the quality check (the item's grade and repair cost), or cancelled while planned; an illegal
step is a 409 that changes nothing; and the week's repair capacity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revalue.recovery.models import InventoryItem
from revalue.tradeins import custody
from revalue.tradeins.models import TradeIn
from tests import auth
from tests.api.support import PROGRAM, assert_error, read
from tests.api.test_recovery_planning import plan, sanitized, set_up

FINISHED = {"passed": True, "actual_parts_cost": 3_500, "actual_labour_minutes": 45}


@pytest.fixture
def order(client, seeded, sessions):  # type: ignore[no-untyped-def]
    """A cracked phone's planned screen repair, and a technician's token."""
    set_up(client)
    sanitized(client, screen_cracked=True)
    made = plan(client)
    assert client.post(f"/plans/{made['id']}/apply").status_code == 200
    (wo,) = client.get(f"/programs/{PROGRAM}/work-orders").json()
    with sessions.begin() as s:
        tech = auth.staff(s, "tech@test.example", {PROGRAM: ["technician"]})
    return wo, auth.bearer(tech)


def item(sessions, tid: str) -> InventoryItem:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalars(select(InventoryItem).where(InventoryItem.trade_in_id == tid)).one()


def verified(sessions, tid: str) -> bool:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return custody.verify_one(s, s.get(TradeIn, tid)) is None


def test_a_repair_started_and_passed_leaves_the_item_available_at_the_grade_found(
    client, anonymous, sessions, order
):
    wo, tech = order
    r = anonymous.post(f"/work-orders/{wo['id']}/start", headers=tech)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["technician"]) == ("in_repair", "staff:tech@test.example")
    r = anonymous.post(f"/work-orders/{wo['id']}/finish", json=FINISHED, headers=tech)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["grade_after"]) == ("qc_passed", "B")
    got = item(sessions, wo["trade_in_id"])
    # Parts 35.00, and 45 minutes at 40.00 an hour.
    assert (got.status, got.grade, got.repair_cost) == ("available", "B", 3_500 + 3_000)
    actions = [e["action"] for e in read(client, wo["trade_in_id"])["custody"][-2:]]
    assert actions == ["repair_started", "qc_passed"]
    assert verified(sessions, wo["trade_in_id"])


def test_a_failed_check_keeps_the_route_at_the_grade_found(client, anonymous, sessions, order):
    wo, tech = order
    anonymous.post(f"/work-orders/{wo['id']}/start", headers=tech)
    failed = {**FINISHED, "passed": False}
    r = anonymous.post(f"/work-orders/{wo['id']}/finish", json=failed, headers=tech)
    assert_error(r, 422, "grade_required", "grade_after")
    assert item(sessions, wo["trade_in_id"]).status == "in_repair"
    r = anonymous.post(
        f"/work-orders/{wo['id']}/finish", json={**failed, "grade_after": "D"}, headers=tech
    )
    assert r.status_code == 200, r.text
    got = item(sessions, wo["trade_in_id"])
    assert (got.status, got.grade, got.route) == ("available", "D", "refurbish_resell")
    assert read(client, wo["trade_in_id"])["custody"][-1]["action"] == "qc_failed"


def test_illegal_moves_are_refused_and_change_nothing(client, anonymous, sessions, order):
    wo, tech = order
    before = (
        client.get(f"/work-orders/{wo['id']}").json(),
        len(read(client, wo["trade_in_id"])["custody"]),
    )
    r = anonymous.post(f"/work-orders/{wo['id']}/finish", json=FINISHED, headers=tech)
    assert_error(r, 409, "illegal_work_order_transition", "work_order_id")
    assert (
        client.get(f"/work-orders/{wo['id']}").json(),
        len(read(client, wo["trade_in_id"])["custody"]),
    ) == before
    anonymous.post(f"/work-orders/{wo['id']}/start", headers=tech)
    assert_error(
        client.post(f"/work-orders/{wo['id']}/cancel"), 409, "illegal_work_order_transition"
    )
    assert_error(
        anonymous.post(f"/work-orders/{wo['id']}/start", headers=tech),
        409,
        "illegal_work_order_transition",
    )
    assert client.get(f"/work-orders/{wo['id']}").json()["status"] == "in_repair"


def test_a_planned_repair_cancelled_leaves_the_item_as_inspected(client, sessions, order):
    wo, _ = order
    r = client.post(f"/work-orders/{wo['id']}/cancel", json={"notes": "no screens in stock"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    got = item(sessions, wo["trade_in_id"])
    assert (got.status, got.grade) == ("available", "B")
    assert read(client, wo["trade_in_id"])["custody"][-1]["action"] == "work_order_cancelled"
    assert verified(sessions, wo["trade_in_id"])
    assert client.get(f"/programs/{PROGRAM}/work-orders", params={"status": "planned"}).json() == []


def test_capacity_counts_open_and_finished_minutes_against_the_week(client, anonymous, order):
    wo, tech = order
    cap = client.get(f"/programs/{PROGRAM}/work-orders/capacity").json()
    assert (cap["available_minutes"], cap["planned_minutes"], cap["open_work_orders"]) == (
        80 * 60,
        30,
        1,
    )
    anonymous.post(f"/work-orders/{wo['id']}/start", headers=tech)
    anonymous.post(f"/work-orders/{wo['id']}/finish", json=FINISHED, headers=tech)
    cap = client.get(f"/programs/{PROGRAM}/work-orders/capacity").json()
    assert (cap["planned_minutes"], cap["spent_minutes"], cap["free_minutes"]) == (
        0,
        45,
        80 * 60 - 45,
    )


def test_a_technician_cannot_cancel_and_another_program_sees_nothing(
    client, anonymous, sessions, order
):
    from tests import factories

    wo, tech = order
    assert_error(anonymous.post(f"/work-orders/{wo['id']}/cancel", headers=tech), 403, "forbidden")
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        rival = auth.staff(s, "tech@rival.example", {"rival": ["technician"]})
    r = anonymous.post(f"/work-orders/{wo['id']}/start", headers=auth.bearer(rival))
    assert_error(r, 404, "work_order_not_found")
    assert client.get(f"/work-orders/{wo['id']}").json()["status"] == "planned"
