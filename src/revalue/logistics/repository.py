"""Logistics queries: shipments, tracking events, transit claims, and what the SLA sweep and
the overdue report look for. Other features' tables (transfer batches, payments, custody
events) are only read here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel
from revalue.domain.lifecycle import State
from revalue.logistics.models import Batch, BatchItem, Shipment, Site, TrackingEvent, TransitClaim
from revalue.tradeins.models import CustodyEvent, Payment, TradeIn


def shipment(session: Session, shipment_id: str) -> Shipment | None:
    return session.get(Shipment, shipment_id)


def shipments_of(session: Session, trade_in_id: str) -> list[Shipment]:
    return list(
        session.scalars(
            select(Shipment)
            .where(Shipment.trade_in_id == trade_in_id)
            .order_by(Shipment.created_at, Shipment.id)
        )
    )


def by_tracking(session: Session, carrier: str, tracking_number: str) -> Shipment | None:
    return session.scalars(
        select(Shipment).where(
            Shipment.carrier == carrier, Shipment.tracking_number == tracking_number
        )
    ).first()


def event_taken(session: Session, carrier: str, event_id: str) -> bool:
    found = session.scalar(
        select(TrackingEvent.id).where(
            TrackingEvent.carrier == carrier, TrackingEvent.event_id == event_id
        )
    )
    return found is not None


def orphans_of(session: Session, carrier: str, tracking_number: str) -> list[TrackingEvent]:
    return list(
        session.scalars(
            select(TrackingEvent)
            .where(
                TrackingEvent.carrier == carrier,
                TrackingEvent.tracking_number == tracking_number,
                TrackingEvent.shipment_id.is_(None),
            )
            .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
        )
    )


def orphans(session: Session, limit: int = 500) -> list[TrackingEvent]:
    return list(
        session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id.is_(None))
            .order_by(TrackingEvent.received_at.desc(), TrackingEvent.id.desc())
            .limit(limit)
        )
    )


def events_of(session: Session, shipment_ids: Iterable[str]) -> dict[str, list[TrackingEvent]]:
    ids = list(shipment_ids)
    out: dict[str, list[TrackingEvent]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.scalars(
        select(TrackingEvent)
        .where(TrackingEvent.shipment_id.in_(ids))
        .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
    )
    for row in rows:
        out[row.shipment_id or ""].append(row)
    return out


def site(session: Session, site_id: str) -> Site | None:
    return session.get(Site, site_id)


def model(session: Session, model_id: str) -> DeviceModel | None:
    return session.get(DeviceModel, model_id)


def claim(session: Session, claim_id: str) -> TransitClaim | None:
    return session.get(TransitClaim, claim_id)


def claim_for(session: Session, shipment_id: str) -> TransitClaim | None:
    return session.scalars(
        select(TransitClaim).where(TransitClaim.shipment_id == shipment_id)
    ).first()


def claims_of(session: Session, program_id: str, status: str | None = None) -> list[TransitClaim]:
    stmt = select(TransitClaim).where(TransitClaim.program_id == program_id)
    if status is not None:
        stmt = stmt.where(TransitClaim.status == status)
    return list(session.scalars(stmt.order_by(TransitClaim.opened_at, TransitClaim.id)))


def _last_event(actions: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Per trade-in, when the latest of these custody actions happened (a subquery)."""
    return (
        select(CustodyEvent.trade_in_id, func.max(CustodyEvent.occurred_at).label("at"))
        .where(CustodyEvent.action.in_(actions))
        .group_by(CustodyEvent.trade_in_id)
        .subquery()
    )


def unshipped(session: Session, program_id: str) -> list[tuple[TradeIn, datetime]]:
    """Mail-in acceptances the carrier never scanned, with when the ship-by clock started:
    the acceptance, or the latest repricing (a repriced acceptance gets the days again)."""
    since = _last_event(("accept", "reprice"))
    rows = session.execute(
        select(TradeIn, since.c.at)
        .join(since, since.c.trade_in_id == TradeIn.id)
        .where(
            TradeIn.program_id == program_id,
            TradeIn.pathway == "mail_in",
            TradeIn.state.in_([str(State.ACCEPTED), str(State.AWAITING_SHIPMENT)]),
        )
        .order_by(since.c.at, TradeIn.id)
    )
    return [(t, at) for t, at in rows]


def in_transit(session: Session, program_id: str) -> list[tuple[Shipment, TradeIn]]:
    """Inbound parcels scanned by the carrier and not delivered, their trade-in in transit."""
    rows = session.execute(
        select(Shipment, TradeIn)
        .join(TradeIn, TradeIn.id == Shipment.trade_in_id)
        .where(
            Shipment.program_id == program_id,
            Shipment.direction == "inbound",
            Shipment.shipped_at.is_not(None),
            Shipment.delivered_at.is_(None),
            Shipment.received_at.is_(None),
            TradeIn.state == str(State.IN_TRANSIT),
        )
        .order_by(Shipment.shipped_at, Shipment.id)
    )
    return [(s, t) for s, t in rows]


def batches_not_arrived(session: Session, program_id: str) -> list[tuple[Batch, BatchItem]]:
    """Devices of the program that left a store in a dispatched batch and were not scanned in
    (on their way, or missing from a batch closed without them)."""
    rows = session.execute(
        select(Batch, BatchItem)
        .join(BatchItem, BatchItem.batch_id == Batch.id)
        .join(TradeIn, TradeIn.id == BatchItem.trade_in_id)
        .where(
            TradeIn.program_id == program_id,
            Batch.status.in_(("dispatched", "received")),
            Batch.dispatched_at.is_not(None),
            BatchItem.scanned_in_at.is_(None),
        )
        .order_by(Batch.dispatched_at, BatchItem.id)
    )
    return [(b, i) for b, i in rows]


# After receipt and still owed a payout (unless rejected: then nothing is owed).
_OWED_AFTER_RECEIPT = (
    State.RECEIVED,
    State.INSPECTED,
    State.REQUOTE_OFFERED,
    State.REQUOTE_ACCEPTED,
    State.SANITIZED,
    State.SANITIZATION_FAILED,
    State.DISPOSED,
)


def received_unpaid(session: Session, program_id: str) -> list[tuple[TradeIn, datetime]]:
    """Trade-ins received (the first receipt custody event) with no payments row."""
    receipt = (
        select(CustodyEvent.trade_in_id, func.min(CustodyEvent.occurred_at).label("at"))
        .where(CustodyEvent.action == "receive")
        .group_by(CustodyEvent.trade_in_id)
        .subquery()
    )
    rows = session.execute(
        select(TradeIn, receipt.c.at)
        .join(receipt, receipt.c.trade_in_id == TradeIn.id)
        .outerjoin(Payment, Payment.trade_in_id == TradeIn.id)
        .where(
            and_(
                TradeIn.program_id == program_id,
                TradeIn.state.in_([str(s) for s in _OWED_AFTER_RECEIPT]),
                TradeIn.reason.is_(None),
                Payment.id.is_(None),
            )
        )
        .order_by(receipt.c.at, TradeIn.id)
    )
    return [(t, at) for t, at in rows]
