"""Disposition plans over HTTP: made from the program's waiting devices, read with every
decision explained, and applied by a program manager."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import Role
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import planning, repository
from revalue.recovery.models import Channel, Plan
from revalue.recovery.planning_schemas import (
    DecisionOut,
    DecisionPage,
    PlanIn,
    PlanOut,
    TotalOut,
)

router = APIRouter(responses=ERROR_RESPONSES, tags=["disposition plans"])
A, PM, F, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.FINANCE, Role.AUDITOR
READERS = (A, PM, F, AU)


def _plan(session: Session, plan_id: str) -> tuple[str, None] | None:
    program_id = repository.program_of(session, Plan, plan_id)
    return None if program_id is None else (program_id, None)


PLAN = Scope("plan_id", _plan, lambda v: planning.PlanNotFound(f"no plan {v!r}", field="plan_id"))


def plan_out(session: Session, plan: Plan) -> PlanOut:
    totals = repository.totals(session, plan.id)
    codes = {cid: session.get(Channel, cid) for cid in {c for _, c, _, _ in totals}}
    return PlanOut(
        id=plan.id,
        program_id=plan.program_id,
        status=plan.status,
        strategy=plan.strategy,
        horizon_days=plan.horizon_days,
        devices=plan.devices,
        currency=plan.currency,
        summary=plan.summary,
        totals=[
            TotalOut(
                route=route,
                channel_id=cid,
                channel_code=codes[cid].code,  # type: ignore[union-attr]
                devices=n,
                expected_net=net,
            )
            for route, cid, n, net in totals
        ],
        created_by=plan.created_by,
        created_at=plan.created_at,
        applied_by=plan.applied_by,
        applied_at=plan.applied_at,
    )


@router.post("/programs/{program_id}/plans", response_model=PlanOut, status_code=201)
async def create_plan(
    program_id: str,
    request: Request,
    body: PlanIn | None = Body(None),
    grant: Grant = Depends(allow(A, PM, scope=PROGRAM)),
) -> Any:
    """Plan a route for every sanitized device of the program not yet stocked: the optimizer
    weighs each channel's price at the grade a repair reaches against fees, repairs, logistics
    and holding, within channel capacities, demand and technician hours. The plan is proposed
    (any older proposal is superseded) until a manager applies it."""
    data = body or PlanIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        plan = planning.make(
            s,
            program_id,
            strategy=data.strategy,
            horizon_days=data.horizon_days,
            time_limit_s=data.time_limit_s,
            trade_in_ids=data.trade_in_ids,
            ctx=ctx,
        )
        return plan_out(s, plan)

    return await run_in_threadpool(perform, request, work, payload=data, status_code=201)


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(
    plan_id: str,
    grant: Grant = Depends(allow(*READERS, scope=PLAN)),
    session: Session = Depends(read_session),
) -> Any:
    """The plan's solver figures and its devices and expected net by route and channel."""
    return plan_out(session, planning.get(session, plan_id))


@router.get("/plans/{plan_id}/decisions", response_model=DecisionPage)
def list_decisions(
    plan_id: str,
    trade_in_id: str | None = Query(None, max_length=40),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(*READERS, scope=PLAN)),
    session: Session = Depends(read_session),
) -> Any:
    """Each device's decision, explained: the option chosen, the alternatives with their
    expected net, and why."""
    planning.get(session, plan_id)
    rows = repository.decisions(
        session, plan_id, trade_in_id=trade_in_id, limit=limit, offset=offset
    )
    return DecisionPage(
        total=repository.count_decisions(session, plan_id, trade_in_id),
        decisions=[DecisionOut.model_validate(r, from_attributes=True) for r in rows],
    )


@router.post("/plans/{plan_id}/apply", response_model=PlanOut)
async def apply_plan(
    plan_id: str, request: Request, grant: Grant = Depends(allow(A, PM, scope=PLAN))
) -> Any:
    """Carry the plan out, all or nothing: each device disposed on its route, stocked as an
    inventory item, and given a work order when it has repairs. A plan superseded or applied
    already is refused, and so is one whose devices moved since it was made (named)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return plan_out(s, planning.apply(s, plan_id, ctx))

    return await run_in_threadpool(perform, request, work)
