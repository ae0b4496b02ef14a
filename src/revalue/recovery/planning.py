"""Disposition plans: the program's waiting devices (``inputs``) put to the optimizer with
its channels, repair actions and economics; its decisions stored, each explained; and a plan
applied, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from revalue.db import chunks
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import State
from revalue.domain.program import ResaleStrategy
from revalue.domain.records import (
    Route,
)
from revalue.domain.recovery import (
    Device,
    ItemStatus,
    Option,
    PlanStatus,
    WorkOrderStatus,
)
from revalue.ids import new_id
from revalue.programs import service as programs
from revalue.recovery import inputs, optimizer, repository, setup
from revalue.recovery.models import (
    InventoryItem,
    Plan,
    PlanDecision,
    WorkOrder,
)
from revalue.tradeins import custody, processing, schemas
from revalue.tradeins import repository as tradeins

MAX_TIME_LIMIT_S = 120.0


class PlanNotFound(NotFound):
    code = "plan_not_found"


class PlanNotProposed(Conflict):
    code = "plan_not_proposed"


class DevicesMoved(Conflict):
    code = "devices_moved"


class NothingToPlan(InvalidInput):
    code = "nothing_to_plan"


def get(session: Session, plan_id: str) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PlanNotFound(f"no plan {plan_id!r}", field="plan_id")
    return plan


def option_doc(option: Option) -> dict[str, Any]:
    doc = asdict(option)
    doc["route"], doc["repairs"] = str(option.route), list(option.repairs)
    return doc


def make(
    session: Session,
    program_id: str,
    *,
    strategy: str | None,
    horizon_days: int | None,
    time_limit_s: float,
    trade_in_ids: Sequence[str] | None = None,
    ctx: Context,
) -> Plan:
    """Plan the program's waiting devices; the plan supersedes any still proposed."""
    program = programs.get(session, program_id)
    row = setup.settings(session, program_id)
    strategy = str(ResaleStrategy(strategy or program.resale_strategy))
    horizon = horizon_days or row.horizon_days
    found, seqs, held = inputs.devices(session, program_id, trade_in_ids)
    if not found:
        raise NothingToPlan(
            f"program {program_id!r} has no sanitized device waiting for a route"
            + (f" ({len(held)} await their erasure's verification)" if held else ""),
            held=held[:100],
        )
    result = optimizer.solve(
        found,
        inputs.channel_terms(session, program_id, horizon),
        inputs.repair_actions(session, program_id),
        inputs.economics(row, strategy, horizon),
        time_limit=min(time_limit_s, MAX_TIME_LIMIT_S),
    )
    for old in repository.plans_of(session, program_id, PlanStatus.PROPOSED):
        old.status = str(PlanStatus.SUPERSEDED)
    plan = Plan(
        id=new_id("pln", ctx.now),
        program_id=program_id,
        status=str(PlanStatus.PROPOSED),
        strategy=strategy,
        horizon_days=horizon,
        devices=len(found),
        currency=program.currency,
        # Devices left for a later plan: their erasure awaits independent verification.
        summary={**result.summary(), "held_for_verification": held},
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    session.add(plan)
    session.flush()
    by_id = {d.trade_in_id: d for d in found}
    rows = [
        _decision_row(plan.id, by_id[d.trade_in_id], d, seqs[d.trade_in_id])
        for d in result.decisions
    ]
    for chunk in chunks(rows):
        session.execute(insert(PlanDecision), chunk)
    return plan


def _decision_row(
    plan_id: str, device: Device, decision: optimizer.Decision, seq: int
) -> dict[str, Any]:
    option = decision.option
    return {
        "plan_id": plan_id,
        "trade_in_id": device.trade_in_id,
        "route": str(option.route),
        "channel_id": option.channel_id,
        "repairs": list(option.repairs),
        "grade": option.grade,
        "net": option.net,
        "explanation": {
            "chosen": option_doc(option),
            "alternatives": [option_doc(o) for o in decision.alternatives],
            "reason": decision.reason,
            "device": {
                "category": device.category,
                "model_id": device.model_id,
                "variant_sku": device.variant_sku,
                "grade": device.grade and str(device.grade),
                "defects": sorted(device.defects),
                "resale_block": device.resale_block,
                "parts_block": device.parts_block,
            },
            "custody_seq": seq,  # the device's chain position when planned
        },
    }


def apply(session: Session, plan_id: str, ctx: Context) -> Plan:
    """Dispose every device as planned, stock it, and plan its repairs; or, if any device moved
    since planning, refuse the plan whole, naming them."""
    plan = get(session, plan_id)
    if plan.status != PlanStatus.PROPOSED:
        raise PlanNotProposed(
            f"plan {plan.id} is {plan.status}: only a proposed plan applies",
            field="plan_id",
            plan_status=plan.status,
        )
    decisions = repository.decisions(session, plan.id)
    ids = [d.trade_in_id for d in decisions]
    trade_ins = tradeins.by_ids(session, ids)
    stocked = repository.stocked(session, ids)
    moved = sorted(
        d.trade_in_id
        for d in decisions
        if d.trade_in_id in stocked
        or trade_ins[d.trade_in_id].state != State.SANITIZED
        or trade_ins[d.trade_in_id].last_seq != d.explanation["custody_seq"]
    )
    if moved:
        raise DevicesMoved(
            f"{len(moved)} device(s) changed since the plan was made; plan again",
            field="plan_id",
            trade_in_ids=moved[:100],
        )
    parts = {
        (r.category, r.code): r.parts_cost
        for r in repository.repair_actions(session, plan.program_id)
    }
    # Nothing a device's steps read is pending from another's: flushing once at the end
    # writes the items and work orders in bulk instead of a flush before every query.
    with session.no_autoflush:
        for d in decisions:
            _carry_out(session, plan, d, parts, ctx)
    plan.status, plan.applied_by, plan.applied_at = str(PlanStatus.APPLIED), ctx.actor, ctx.now
    return plan


def _carry_out(
    session: Session,
    plan: Plan,
    d: PlanDecision,
    parts: dict[tuple[str, str], int],
    ctx: Context,
) -> None:
    trade_in = processing.dispose(
        session, d.trade_in_id, schemas.DisposeIn(route=Route(d.route)), ctx
    )
    owed = processing.payable(session, trade_in)
    chosen, device = d.explanation["chosen"], d.explanation["device"]
    item = InventoryItem(
        id=new_id("itm", ctx.now),
        program_id=plan.program_id,
        trade_in_id=trade_in.id,
        variant_sku=trade_in.variant_sku,
        grade=d.grade,
        route=d.route,
        channel_id=d.channel_id,
        status=str(ItemStatus.IN_REPAIR if d.repairs else ItemStatus.AVAILABLE),
        currency=plan.currency,
        paid=owed[0] if owed else 0,
        repair_cost=0,
        expected_net=d.net,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(item)
    if d.repairs:
        order = WorkOrder(
            id=new_id("wo", ctx.now),
            program_id=plan.program_id,
            trade_in_id=trade_in.id,
            plan_id=plan.id,
            status=str(WorkOrderStatus.PLANNED),
            actions=list(d.repairs),
            grade_before=device["grade"],
            grade_target=d.grade,
            parts_cost=sum(parts.get((device["category"], code), 0) for code in d.repairs),
            labour_minutes=chosen["labour_minutes"],
            notes="",
            created_at=ctx.now,
        )
        session.add(order)
        custody.note(
            session,
            trade_in,
            "work_order_planned",
            {
                "work_order_id": order.id,
                "actions": list(d.repairs),
                "grade_target": d.grade,
                "plan_id": plan.id,
            },
            ctx,
        )
    custody.note(
        session,
        trade_in,
        "stocked",
        {
            "item_id": item.id,
            "route": d.route,
            "channel_id": d.channel_id,
            "grade": d.grade,
            "status": item.status,
            "plan_id": plan.id,
        },
        ctx,
    )
