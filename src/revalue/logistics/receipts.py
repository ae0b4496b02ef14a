"""Receipts: what each receiving recorded, and resolving a box that came without its device.

A held receipt (an empty box, or accessories only) keeps the trade-in unreceived, so the
customer is not paid, until the program resolves it: the accessories go back to the sender,
or the device turned up after all and is received in a new receipt.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import Action
from revalue.domain.logistics import Contents
from revalue.logistics import receiving, sites
from revalue.logistics.models import Receipt, Shipment
from revalue.tradeins import custody, service
from revalue.tradeins.models import TradeIn

RETURNED_TO_SENDER, DEVICE_FOUND = "returned_to_sender", "device_found"


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class ReceiptNotHeld(Conflict):
    code = "receipt_not_held"


def get_receipt(session: Session, receipt_id: int) -> Receipt:
    row = session.get(Receipt, receipt_id)
    if row is None:
        raise ReceiptNotFound(f"no receipt {receipt_id}", field="receipt_id")
    return row


def resolve(
    session: Session,
    receipt_id: int,
    resolution: str,
    ctx: Context,
    *,
    found: receiving.Found | None = None,
    reason: str = "",
) -> tuple[Receipt, receiving.Outcome | None]:
    """Close a held receipt: ``return_to_sender`` (the accessories go back; the trade-in
    stays unreceived and unpaid while the program follows up) or ``device_found`` (the device
    turned up after all: received at the receipt's site as usual, in a new receipt)."""
    held = get_receipt(session, receipt_id)
    if held.outcome != receiving.HELD_EMPTY:
        raise ReceiptNotHeld(f"receipt {receipt_id} is {held.outcome}, not held")
    trade_in = service.get(session, held.trade_in_id or "")
    outcome = None
    if resolution == "device_found":
        found = found or receiving.Found()
        if found.contents is not Contents.DEVICE and found.contents is not (
            Contents.DIFFERENT_DEVICE
        ):
            raise InvalidInput("a device found is a device, or a different one", field="contents")
        receiving.require_identifiers(found)
        service.target(trade_in, Action.RECEIVE)
        sites.check_place(session, trade_in, held.site_id, found.location_id, sites.RECEIVED)
        held.outcome = DEVICE_FOUND
        shipment = session.get(Shipment, held.shipment_id) if held.shipment_id else None
        site = sites.get_site(session, held.site_id)
        photos = receiving.photos_of(session, trade_in.id, found.photos)
        outcome = receiving.take_in(
            session, site, trade_in, shipment, held.scanned, found, photos, ctx
        )
    elif resolution == "return_to_sender":
        held.outcome = RETURNED_TO_SENDER
    else:
        raise InvalidInput("resolve with return_to_sender or device_found", field="resolution")
    held.found = {
        **held.found,
        "resolution": {
            "outcome": held.outcome,
            "by": ctx.actor,
            "at": ctx.now.isoformat(),
            "reason": reason,
            "receipt_id": outcome.receipt.id if outcome else None,
        },
    }
    custody.note(
        session,
        trade_in,
        "contents_resolved",
        {
            "receipt_id": held.id,
            "resolution": held.outcome,
            "new_receipt_id": outcome.receipt.id if outcome else None,
        },
        ctx,
    )
    session.flush()
    return held, outcome


def search(
    session: Session,
    *,
    site_id: str | None = None,
    trade_in_id: str | None = None,
    within: frozenset[str] | None = None,
    limit: int = 500,
) -> list[Receipt]:
    stmt = select(Receipt).join(TradeIn, TradeIn.id == Receipt.trade_in_id)
    if site_id is not None:
        stmt = stmt.where(Receipt.site_id == site_id)
    if trade_in_id is not None:
        stmt = stmt.where(Receipt.trade_in_id == trade_in_id)
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    return list(session.scalars(stmt.order_by(Receipt.received_at, Receipt.id).limit(limit)))
