"""B2B sales lots: available items reserved together for one business buyer on a wholesale or
marketplace channel, a manifest for the buyer, then sold as one (the lot's price allocated
across its items) or cancelled (the items go back to available).

Lot statuses: open -> sold | cancelled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel, Variant
from revalue.domain import market
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.records import Route
from revalue.domain.recovery import ItemStatus
from revalue.identity.models import DeviceIdentity
from revalue.ids import new_id
from revalue.programs import service as programs
from revalue.recovery import inventory, sales
from revalue.recovery.models import Channel, InventoryItem, Sale, SalesLot

OPEN, SOLD, CANCELLED = "open", "sold", "cancelled"
LOT_ROUTES = frozenset({Route.WHOLESALE, Route.MARKETPLACE})
MANIFEST_COLUMNS = ("line", "item_id", "trade_in_id", "brand", "model", "variant_sku",
                    "storage_gb", "grade", "imei", "serial")  # fmt: skip


class SalesLotNotFound(NotFound):
    code = "sales_lot_not_found"


class SalesLotExists(Conflict):
    code = "sales_lot_exists"


class IllegalLotTransition(Conflict):
    code = "illegal_sales_lot_transition"


class ItemsUnavailable(InvalidInput):
    code = "items_unavailable"


class WrongChannel(InvalidInput):
    code = "wrong_channel"


def program_of(session: Session, lot_id: str) -> str | None:
    return session.scalar(select(SalesLot.program_id).where(SalesLot.id == lot_id))


def get(session: Session, lot_id: str, *, for_update: bool = False) -> SalesLot:
    stmt = select(SalesLot).where(SalesLot.id == lot_id)
    lot = session.scalar(stmt.with_for_update() if for_update else stmt)
    if lot is None:
        raise SalesLotNotFound(f"no sales lot {lot_id!r}", field="lot_id")
    return lot


def items(session: Session, lot_id: str) -> list[InventoryItem]:
    """The lot's items, in the order they were put in it (a sold or cancelled lot keeps the
    items it had: sold ones by their sale, released ones are no longer in it)."""
    stmt = select(InventoryItem).where(InventoryItem.sales_lot_id == lot_id)
    return list(session.scalars(stmt.order_by(InventoryItem.created_at, InventoryItem.id)))


def sales_of(session: Session, lot_id: str) -> list[Sale]:
    return list(session.scalars(select(Sale).where(Sale.sales_lot_id == lot_id).order_by(Sale.id)))


def _channel(session: Session, program_id: str, channel_id: str) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.program_id != program_id:
        raise WrongChannel(f"program has no channel {channel_id!r}", field="channel_id")
    if Route(channel.route) not in LOT_ROUTES or not channel.active:
        raise WrongChannel(
            f"channel {channel.code!r} is a {channel.route} channel"
            + ("" if channel.active else " and closed")
            + ": a sales lot goes to an active wholesale or marketplace channel",
            field="channel_id",
        )
    return channel


def create(
    session: Session,
    program_id: str,
    *,
    reference: str,
    channel_id: str,
    item_ids: list[str],
    asking_price: int | None,
    ctx: Context,
) -> tuple[SalesLot, bool]:
    """(the lot, whether it was made now). The same reference with the same items is the lot
    made before; with other items it is refused. Any item that cannot go in is named, and
    nothing is written."""
    program = programs.get(session, program_id)
    if len(set(item_ids)) != len(item_ids):
        raise InvalidInput("an item appears more than once", field="item_ids")
    existing = session.scalar(
        select(SalesLot).where(SalesLot.program_id == program_id, SalesLot.reference == reference)
    )
    if existing is not None:
        held = {i.id for i in items(session, existing.id)}
        if existing.channel_id == channel_id and held == set(item_ids):
            return existing, False
        raise SalesLotExists(
            f"program {program_id!r} already has a sales lot {reference!r} with other items",
            field="reference",
            sales_lot_id=existing.id,
        )
    channel = _channel(session, program_id, channel_id)
    found = inventory.by_ids(session, item_ids)
    problems = []
    for n, item_id in enumerate(item_ids):
        item = found.get(item_id)
        if item is None or item.program_id != program_id:
            problem = "no such item in this program"
        elif item.status != ItemStatus.AVAILABLE:
            problem = f"the item is {item.status}, not available"
        else:
            continue
        problems.append({"field": f"item_ids[{n}]", "item_id": item_id, "message": problem})
    if problems:
        raise ItemsUnavailable(
            f"{len(problems)} item(s) cannot go in the lot; nothing was written",
            field="item_ids",
            errors=problems,
        )
    lot = SalesLot(
        id=new_id("sl", ctx.now),
        program_id=program_id,
        channel_id=channel.id,
        reference=reference,
        status=OPEN,
        currency=program.currency,
        asking_price=asking_price,
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    session.add(lot)
    session.flush()
    for item_id in item_ids:
        item = found[item_id]
        item.sales_lot_id = lot.id
        data = {"sales_lot_id": lot.id, "reference": reference, "channel_id": channel.id}
        inventory.set_status(session, item, ItemStatus.RESERVED, "reserved_in_lot", data, ctx)
    return lot, True


def _require(lot: SalesLot, action: str) -> None:
    if lot.status != OPEN:
        raise IllegalLotTransition(
            f"cannot {action} a sales lot that is {lot.status}",
            field="lot_id",
            lot_status=lot.status,
            action=action,
        )


def sell(
    session: Session,
    lot_id: str,
    *,
    buyer: str,
    price: int,
    sold_at: datetime | None,
    ctx: Context,
) -> SalesLot:
    """Sell the lot's items to one buyer: one sale per item, the price allocated in
    proportion to each item's expected net (else its list price), exactly to the unit."""
    lot = get(session, lot_id, for_update=True)
    _require(lot, "sell")
    held = items(session, lot.id)
    when = sold_at or ctx.now
    weights = [max(i.expected_net or 0, 0) or (i.list_price or 0) for i in held]
    for item, share in zip(held, market.allocate(price, weights), strict=True):
        inventory.require(item, "sell", ItemStatus.RESERVED)
        sales.close(session, item, price=share, buyer=buyer, sold_at=when, ctx=ctx, lot=lot)
    lot.status, lot.buyer, lot.sold_price, lot.sold_at = SOLD, buyer, price, when
    return lot


def cancel(session: Session, lot_id: str, ctx: Context) -> SalesLot:
    lot = get(session, lot_id, for_update=True)
    _require(lot, "cancel")
    for item in items(session, lot.id):
        item.sales_lot_id = None
        data = {"sales_lot_id": lot.id, "reference": lot.reference}
        inventory.set_status(session, item, ItemStatus.AVAILABLE, "released_from_lot", data, ctx)
    lot.status = CANCELLED
    return lot


def manifest(session: Session, lot_id: str) -> list[tuple[Any, ...]]:
    """One row per item for the buyer: the device and its identifiers, never anything about
    the customer who traded it in."""
    rows = session.execute(
        select(
            InventoryItem.id,
            InventoryItem.trade_in_id,
            DeviceModel.brand,
            DeviceModel.name,
            InventoryItem.variant_sku,
            Variant.storage_gb,
            InventoryItem.grade,
            DeviceIdentity.imei,
            DeviceIdentity.serial,
        )
        .join(Variant, Variant.sku == InventoryItem.variant_sku)
        .join(DeviceModel, DeviceModel.id == Variant.model_id)
        .outerjoin(DeviceIdentity, DeviceIdentity.trade_in_id == InventoryItem.trade_in_id)
        .where(InventoryItem.sales_lot_id == lot_id)
        .order_by(InventoryItem.created_at, InventoryItem.id)
    ).all()
    return [(n, *row) for n, row in enumerate(rows, 1)]
