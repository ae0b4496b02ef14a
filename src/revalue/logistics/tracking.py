"""Carrier tracking events: stored once per carrier event id, matched to their shipment,
and moving the trade-in on.

- An event whose tracking number matches no shipment (yet) is kept as an orphan and adopted
  when a shipment with that number is made.
- A carrier event id seen before is a duplicate: answered ``duplicate``, nothing changes.
- The first scan on the way (picked up, in transit) ships the trade-in; ``delivered`` notes
  the delivery on the custody log and the shipment (the trade-in stays in transit until the
  site scans it in); older news after a delivery (out of order) is stored and moves nothing.
- ``lost`` opens a transit claim; any scan of a parcel whose trade-in was declared lost is
  recorded and marks its claim for review.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.lifecycle import Action, State
from revalue.logistics import carriers, claims, repository
from revalue.logistics.carriers import CarrierEvent, Status
from revalue.logistics.models import Shipment, TrackingEvent
from revalue.tradeins import custody
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import TradeIn

LOST_REASON = "the carrier reported the parcel lost"


@dataclass(frozen=True, slots=True)
class Ingested:
    event_id: str
    tracking_number: str
    result: str  # applied, stored, out_of_order, orphan, duplicate, review


def ingest_payload(
    session: Session,
    carrier: str,
    payload: object,
    ctx: Context,
    *,
    within: frozenset[str] | None = None,
) -> list[Ingested]:
    """A carrier's webhook body: parsed whole by its adapter (a malformed one writes
    nothing), then ingested."""
    events = carriers.get(carrier).parse_events(payload)
    return ingest(session, carrier, events, ctx, within=within)


def ingest(
    session: Session,
    carrier: str,
    events: list[CarrierEvent],
    ctx: Context,
    *,
    within: frozenset[str] | None = None,
) -> list[Ingested]:
    """Store and apply normalized events. ``within``: the programs the sender may touch
    (None: all); a parcel of another program is treated exactly as an unknown one."""
    carriers.get(carrier)
    out = []
    for event in events:
        out.append(
            Ingested(
                event.event_id, event.tracking_number, _one(session, carrier, event, ctx, within)
            )
        )
    return out


def _one(
    session: Session,
    carrier: str,
    event: CarrierEvent,
    ctx: Context,
    within: frozenset[str] | None,
) -> str:
    if repository.event_taken(session, carrier, event.event_id):
        return "duplicate"
    shipment = repository.by_tracking(session, carrier, event.tracking_number)
    if shipment is not None and within is not None and shipment.program_id not in within:
        shipment = None  # not the sender's to move, and not the sender's to know of
    row = TrackingEvent(
        carrier=carrier,
        event_id=event.event_id,
        tracking_number=event.tracking_number,
        shipment_id=shipment.id if shipment else None,
        status=str(event.status),
        occurred_at=event.occurred_at,
        location=event.location,
        detail=event.detail,
        received_at=ctx.now,
    )
    try:
        # A savepoint: a racing request that stored the same event id first makes this a
        # duplicate, not a failed batch.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return "duplicate"
    if shipment is None:
        return "orphan"
    return apply(session, shipment, row, ctx)


def adopt(session: Session, shipment: Shipment, ctx: Context) -> int:
    """Events that arrived before their shipment was made, applied now in the order they
    happened."""
    orphans = repository.orphans_of(session, shipment.carrier, shipment.tracking_number)
    for row in orphans:
        row.shipment_id = shipment.id
        apply(session, shipment, row, ctx)
    return len(orphans)


def apply(session: Session, shipment: Shipment, event: TrackingEvent, ctx: Context) -> str:
    status = Status(event.status)
    trade_in = (
        tradeins.get(session, shipment.trade_in_id)
        if shipment.trade_in_id and shipment.direction == "inbound"
        else None
    )
    if trade_in is not None and trade_in.state == State.LOST_IN_TRANSIT:
        return _after_loss(session, shipment, trade_in, event, ctx)
    settled = shipment.delivered_at is not None or shipment.received_at is not None
    if status in carriers.MOVING or status is Status.LOST:
        if settled:
            return "out_of_order"
        changed = _shipped(session, shipment, trade_in, event, ctx)
        if status is Status.LOST:
            return _lost(session, shipment, trade_in, ctx)
        return "applied" if changed else "stored"
    if status is Status.DELIVERED:
        if settled:
            return "stored"
        _shipped(session, shipment, trade_in, event, ctx)
        shipment.delivered_at = event.occurred_at
        shipment.status = "delivered"
        shipment.updated_at = ctx.now
        if trade_in is not None:
            custody.note(session, trade_in, "delivered", _facts(shipment, event), ctx)
        return "applied"
    if status is Status.RETURNED_TO_SENDER and not settled:
        shipment.status = "returned_to_sender"
        shipment.updated_at = ctx.now
        if trade_in is not None:
            custody.note(session, trade_in, "returned_to_sender", _facts(shipment, event), ctx)
        return "applied"
    return "stored"


def _shipped(
    session: Session,
    shipment: Shipment,
    trade_in: TradeIn | None,
    event: TrackingEvent,
    ctx: Context,
) -> bool:
    """The carrier has the parcel: the first such scan ships the trade-in."""
    if shipment.shipped_at is not None:
        return False
    shipment.shipped_at = event.occurred_at
    shipment.status = "in_transit"
    shipment.updated_at = ctx.now
    if trade_in is not None and trade_in.state == State.AWAITING_SHIPMENT:
        data = {**_facts(shipment, event), "carrier": shipment.carrier}
        tradeins.move(session, trade_in, Action.SHIP, ctx, data)
    return True


def _lost(session: Session, shipment: Shipment, trade_in: TradeIn | None, ctx: Context) -> str:
    if trade_in is None or trade_in.state != State.IN_TRANSIT:
        shipment.status = "lost"
        shipment.updated_at = ctx.now
        return "applied"
    claims.open_claim(session, shipment, trade_in, LOST_REASON, ctx)
    return "applied"


def _after_loss(
    session: Session, shipment: Shipment, trade_in: TradeIn, event: TrackingEvent, ctx: Context
) -> str:
    """Recorded on the custody log; the claim is marked for review (the parcel may turn up:
    the customer paid as quoted keeps the payout either way)."""
    custody.note(
        session,
        trade_in,
        "scan_after_loss",
        {**_facts(shipment, event), "status": event.status},
        ctx,
    )
    claim = repository.claim_for(session, shipment.id)
    if claim is not None:
        claims.mark_for_review(
            claim, f"the carrier reported {event.status} ({event.event_id}) after the loss", ctx
        )
    if event.status == Status.DELIVERED and shipment.delivered_at is None:
        shipment.delivered_at = event.occurred_at
        shipment.updated_at = ctx.now
    return "review"


def _facts(shipment: Shipment, event: TrackingEvent) -> dict[str, str]:
    """What the custody log keeps of a scan: no personal data, only the parcel's facts."""
    return {
        "shipment_id": shipment.id,
        "tracking_number": shipment.tracking_number,
        "event_id": event.event_id,
        "occurred_at": event.occurred_at.isoformat(),
        "location": event.location,
    }
