"""Refurbishment work orders: planned when a plan is applied, started by a technician, and
finished by the quality check, which sets the grade the item is sold at. Every step is a
custody note on the device's chain, and an illegal step changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.recovery import WORK_ORDER_MOVES, ItemStatus, WorkOrderStatus
from revalue.domain.routes import labour_cost
from revalue.recovery import inventory, repository, setup
from revalue.recovery.models import InventoryItem, WorkOrder
from revalue.recovery.planning_schemas import CapacityOut, FinishIn


class WorkOrderNotFound(NotFound):
    code = "work_order_not_found"


class IllegalWorkOrderMove(Conflict):
    code = "illegal_work_order_transition"


class GradeRequired(InvalidInput):
    code = "grade_required"


def get(session: Session, work_order_id: str) -> WorkOrder:
    order = session.get(WorkOrder, work_order_id)
    if order is None:
        raise WorkOrderNotFound(f"no work order {work_order_id!r}", field="work_order_id")
    return order


def _move(session: Session, order: WorkOrder, to: WorkOrderStatus) -> InventoryItem:
    """Check the move (and that the item is still open) before anything is written."""
    if to not in WORK_ORDER_MOVES[WorkOrderStatus(order.status)]:
        raise IllegalWorkOrderMove(
            f"work order {order.id} is {order.status}: it cannot become {to}",
            field="work_order_id",
            work_order_status=order.status,
            to=str(to),
        )
    item = repository.item_of(session, order.trade_in_id)
    if item is None:
        raise WorkOrderNotFound(f"work order {order.id} has no item", field="work_order_id")
    inventory.require(item, f"work on {order.id}", ItemStatus.IN_REPAIR)
    return item


def start(session: Session, work_order_id: str, ctx: Context) -> WorkOrder:
    order = get(session, work_order_id)
    item = _move(session, order, WorkOrderStatus.IN_REPAIR)
    order.status, order.technician, order.started_at = (
        str(WorkOrderStatus.IN_REPAIR),
        ctx.actor,
        ctx.now,
    )
    inventory.note(
        session, item, "repair_started", {"work_order_id": order.id, "actions": order.actions}, ctx
    )
    return order


def finish(session: Session, work_order_id: str, data: FinishIn, ctx: Context) -> WorkOrder:
    """The quality check: passed, the item is available at the grade found (the target unless
    the checker says otherwise); failed, at the grade found, its route unchanged."""
    order = get(session, work_order_id)
    to = WorkOrderStatus.QC_PASSED if data.passed else WorkOrderStatus.QC_FAILED
    item = _move(session, order, to)
    grade = (
        str(data.grade_after) if data.grade_after else (order.grade_target if data.passed else None)
    )
    if grade is None:
        raise GradeRequired(
            "a failed check names the grade the device was found at", field="grade_after"
        )
    rate = setup.settings(session, order.program_id).labour_rate_per_hour
    order.status, order.grade_after, order.checked_by = str(to), grade, ctx.actor
    order.actual_parts_cost = data.actual_parts_cost
    order.actual_labour_minutes = data.actual_labour_minutes
    order.notes, order.finished_at = data.notes, ctx.now
    item.grade = grade
    item.repair_cost = data.actual_parts_cost + labour_cost(data.actual_labour_minutes, rate)
    inventory.set_status(
        session,
        item,
        ItemStatus.AVAILABLE,
        str(to),
        {
            "work_order_id": order.id,
            "grade": grade,
            "repair_cost": item.repair_cost,
            "notes": data.notes,
        },
        ctx,
    )
    return order


def cancel(session: Session, work_order_id: str, notes: str, ctx: Context) -> WorkOrder:
    """A planned repair not done: the item is available at the grade it was inspected at."""
    order = get(session, work_order_id)
    item = _move(session, order, WorkOrderStatus.CANCELLED)
    order.status, order.notes, order.finished_at = str(WorkOrderStatus.CANCELLED), notes, ctx.now
    if order.grade_before is not None:
        item.grade = order.grade_before
    inventory.set_status(
        session,
        item,
        ItemStatus.AVAILABLE,
        "work_order_cancelled",
        {"work_order_id": order.id, "grade": item.grade, "notes": notes},
        ctx,
    )
    return order


def week_start(now: datetime) -> datetime:
    day = now - timedelta(days=now.weekday())
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def capacity(session: Session, program_id: str, ctx: Context) -> CapacityOut:
    """Technician minutes this week: planned by open work orders and spent by finished ones,
    against the program's hours a week."""
    since = week_start(ctx.now)
    available = setup.settings(session, program_id).repair_hours_per_week * 60
    n_open, planned = repository.open_minutes(session, program_id)
    n_done, spent = repository.finished_minutes(session, program_id, since)
    return CapacityOut(
        program_id=program_id,
        week_start=since,
        available_minutes=available,
        open_work_orders=n_open,
        planned_minutes=planned,
        finished_work_orders=n_done,
        spent_minutes=spent,
        free_minutes=available - planned - spent,
    )
