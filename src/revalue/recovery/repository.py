"""Queries of recovery set-up, plans and work orders, and the batch reads of trade-ins that
planning needs (a plan covers thousands of devices: never one query per device)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel, Variant
from revalue.db import chunks
from revalue.domain.lifecycle import State
from revalue.domain.recovery import PlanStatus, WorkOrderStatus
from revalue.recovery.models import (
    Channel,
    ChannelDemand,
    ChannelPrice,
    InventoryItem,
    Plan,
    PlanDecision,
    RecoverySettings,
    RepairActionRow,
    WorkOrder,
)
from revalue.tradeins.models import TradeIn

OPEN_WORK = (str(WorkOrderStatus.PLANNED), str(WorkOrderStatus.IN_REPAIR))


def settings(session: Session, program_id: str) -> RecoverySettings | None:
    return session.get(RecoverySettings, program_id)


def channels(session: Session, program_id: str, *, active: bool | None = None) -> list[Channel]:
    stmt = select(Channel).where(Channel.program_id == program_id)
    if active is not None:
        stmt = stmt.where(Channel.active == active)
    return list(session.scalars(stmt.order_by(Channel.code)))


def channel_by_code(session: Session, program_id: str, code: str) -> Channel | None:
    stmt = select(Channel).where(Channel.program_id == program_id, Channel.code == code)
    return session.scalars(stmt).first()


def program_of(session: Session, model: type, row_id: str) -> str | None:
    """The program of a channel, plan or work order (for the guard's scope)."""
    return session.scalar(select(model.program_id).where(model.id == row_id))


def prices(session: Session, channel_ids: Sequence[str]) -> list[ChannelPrice]:
    stmt = select(ChannelPrice).where(ChannelPrice.channel_id.in_(channel_ids))
    return list(session.scalars(stmt.order_by(ChannelPrice.variant_sku, ChannelPrice.grade)))


def demand(session: Session, channel_ids: Sequence[str]) -> list[ChannelDemand]:
    stmt = select(ChannelDemand).where(ChannelDemand.channel_id.in_(channel_ids))
    return list(session.scalars(stmt.order_by(ChannelDemand.model_id)))


def known_skus(session: Session, skus: Sequence[str]) -> set[str]:
    return {
        sku
        for chunk in chunks(sorted(set(skus)))
        for sku in session.scalars(select(Variant.sku).where(Variant.sku.in_(chunk)))
    }


def known_models(session: Session, model_ids: Sequence[str]) -> set[str]:
    stmt = select(DeviceModel.id).where(DeviceModel.id.in_(sorted(set(model_ids))))
    return set(session.scalars(stmt))


def repair_actions(session: Session, program_id: str) -> list[RepairActionRow]:
    stmt = select(RepairActionRow).where(RepairActionRow.program_id == program_id)
    return list(session.scalars(stmt.order_by(RepairActionRow.category, RepairActionRow.code)))


def waiting(session: Session, program_id: str) -> list[tuple[TradeIn, str, str]]:
    """(trade-in, model id, category) of every sanitized device of the program not yet stocked."""
    stocked = select(InventoryItem.trade_in_id).where(InventoryItem.program_id == program_id)
    stmt = (
        select(TradeIn, Variant.model_id, DeviceModel.category)
        .join(Variant, Variant.sku == TradeIn.variant_sku)
        .join(DeviceModel, DeviceModel.id == Variant.model_id)
        .where(
            TradeIn.program_id == program_id,
            TradeIn.state == str(State.SANITIZED),
            TradeIn.id.not_in(stocked),
        )
        .order_by(TradeIn.id)
    )
    return [(t, model_id, category) for t, model_id, category in session.execute(stmt)]


def plans_of(session: Session, program_id: str, status: PlanStatus) -> list[Plan]:
    stmt = select(Plan).where(Plan.program_id == program_id, Plan.status == str(status))
    return list(session.scalars(stmt))


def decisions(
    session: Session,
    plan_id: str,
    *,
    trade_in_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[PlanDecision]:
    stmt = select(PlanDecision).where(PlanDecision.plan_id == plan_id)
    if trade_in_id is not None:
        stmt = stmt.where(PlanDecision.trade_in_id == trade_in_id)
    stmt = stmt.order_by(PlanDecision.id).offset(offset)
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def count_decisions(session: Session, plan_id: str, trade_in_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(PlanDecision).where(PlanDecision.plan_id == plan_id)
    if trade_in_id is not None:
        stmt = stmt.where(PlanDecision.trade_in_id == trade_in_id)
    return session.scalar(stmt) or 0


def totals(session: Session, plan_id: str) -> list[tuple[str, str, int, int]]:
    """(route, channel id, devices, expected net) of a plan."""
    stmt = (
        select(
            PlanDecision.route, PlanDecision.channel_id, func.count(), func.sum(PlanDecision.net)
        )
        .where(PlanDecision.plan_id == plan_id)
        .group_by(PlanDecision.route, PlanDecision.channel_id)
        .order_by(PlanDecision.route, PlanDecision.channel_id)
    )
    return [(r, c, n, int(net or 0)) for r, c, n, net in session.execute(stmt)]


def stocked(session: Session, trade_in_ids: Sequence[str]) -> set[str]:
    return {
        tid
        for chunk in chunks(trade_in_ids)
        for tid in session.scalars(
            select(InventoryItem.trade_in_id).where(InventoryItem.trade_in_id.in_(chunk))
        )
    }


def item_of(session: Session, trade_in_id: str) -> InventoryItem | None:
    stmt = select(InventoryItem).where(InventoryItem.trade_in_id == trade_in_id)
    return session.scalars(stmt).first()


def work_orders(
    session: Session, program_id: str, status: str | None, limit: int, offset: int
) -> list[WorkOrder]:
    stmt = select(WorkOrder).where(WorkOrder.program_id == program_id)
    if status is not None:
        stmt = stmt.where(WorkOrder.status == status)
    stmt = stmt.order_by(WorkOrder.created_at, WorkOrder.id).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def open_minutes(session: Session, program_id: str) -> tuple[int, int]:
    """(work orders, planned labour minutes) not yet finished."""
    stmt = select(func.count(), func.sum(WorkOrder.labour_minutes)).where(
        WorkOrder.program_id == program_id, WorkOrder.status.in_(OPEN_WORK)
    )
    n, minutes = session.execute(stmt).one()
    return n, int(minutes or 0)


def finished_minutes(session: Session, program_id: str, since: datetime) -> tuple[int, int]:
    """(work orders, labour minutes spent) finished since then."""
    stmt = select(func.count(), func.sum(WorkOrder.actual_labour_minutes)).where(
        WorkOrder.program_id == program_id,
        WorkOrder.finished_at.is_not(None),
        WorkOrder.finished_at >= since,
    )
    n, minutes = session.execute(stmt).one()
    return n, int(minutes or 0)
