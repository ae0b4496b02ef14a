"""Refurbishment work orders over HTTP: technicians start and finish them (the quality check),
managers cancel planned ones and watch the week's repair capacity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.domain.recovery import WorkOrderStatus
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import context, read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import repository, workorders
from revalue.recovery.models import WorkOrder
from revalue.recovery.planning_schemas import CancelIn, CapacityOut, FinishIn, WorkOrderOut

router = APIRouter(responses=ERROR_RESPONSES, tags=["work orders"])
A, PM, T, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.TECHNICIAN, Role.AUDITOR
READERS = (A, PM, T, AU)


def _order(session: Session, work_order_id: str) -> tuple[str, str | None] | None:
    program_id = repository.program_of(session, WorkOrder, work_order_id)
    return None if program_id is None else (program_id, None)


WORK_ORDER = Scope(
    "work_order_id",
    _order,
    lambda v: workorders.WorkOrderNotFound(f"no work order {v!r}", field="work_order_id"),
)


def out(order: WorkOrder) -> WorkOrderOut:
    return WorkOrderOut.model_validate(order, from_attributes=True)


@router.get("/programs/{program_id}/work-orders", response_model=list[WorkOrderOut])
def list_work_orders(
    program_id: str,
    status: WorkOrderStatus | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """The program's work orders, oldest first (a technician's queue with status=planned)."""
    status_value = str(status) if status else None
    return [
        out(o) for o in repository.work_orders(session, program_id, status_value, limit, offset)
    ]


@router.get("/programs/{program_id}/work-orders/capacity", response_model=CapacityOut)
def repair_capacity(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """Technician minutes planned and spent this week (Monday, UTC) against those available."""
    return workorders.capacity(session, program_id, context(request))


@router.get("/work-orders/{work_order_id}", response_model=WorkOrderOut)
def get_work_order(
    work_order_id: str,
    grant: Grant = Depends(allow(*READERS, scope=WORK_ORDER)),
    session: Session = Depends(read_session),
) -> Any:
    return out(workorders.get(session, work_order_id))


@router.post("/work-orders/{work_order_id}/start", response_model=WorkOrderOut)
def start_work_order(
    work_order_id: str, request: Request, grant: Grant = Depends(allow(A, T, scope=WORK_ORDER))
) -> Any:
    """The technician takes the device to the bench: planned -> in_repair."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return out(workorders.start(s, work_order_id, ctx))

    return perform(request, work)


@router.post("/work-orders/{work_order_id}/finish", response_model=WorkOrderOut)
def finish_work_order(
    work_order_id: str,
    body: FinishIn,
    request: Request,
    grant: Grant = Depends(allow(A, T, scope=WORK_ORDER)),
) -> Any:
    """The quality check: the grade found, the parts and minutes spent. The item becomes
    available at that grade, its repair cost the parts plus the minutes at the labour rate."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return out(workorders.finish(s, work_order_id, body, ctx))

    return perform(request, work, payload=body)


@router.post("/work-orders/{work_order_id}/cancel", response_model=WorkOrderOut)
def cancel_work_order(
    work_order_id: str,
    request: Request,
    body: CancelIn | None = Body(None),
    grant: Grant = Depends(allow(A, PM, scope=WORK_ORDER)),
) -> Any:
    """A planned repair that will not be done: the item is available as inspected."""
    data = body or CancelIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return out(workorders.cancel(s, work_order_id, data.notes, ctx))

    return perform(request, work, payload=data)
