"""Inventory: the program's disposed devices on their way to a buyer, where each one sits
(its logistics placement), and listing an item on its channel.

Every step is a custody note on the device's trade-in chain; a closed item (sold, harvested or
recycled) has had its last event, so any later step is refused with a Conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from revalue.db import chunks
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.recovery import CLOSED, ItemStatus
from revalue.logistics.models import Location, Placement
from revalue.recovery.models import InventoryItem
from revalue.tradeins import custody
from revalue.tradeins import service as tradeins


class ItemNotFound(NotFound):
    code = "inventory_item_not_found"


class ItemClosed(Conflict):
    code = "item_closed"


class IllegalItemTransition(Conflict):
    code = "illegal_item_transition"


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    status: ItemStatus | None = None
    route: str | None = None
    channel_id: str | None = None
    variant_sku: str | None = None
    grade: str | None = None


def program_of(session: Session, item_id: str) -> str | None:
    return session.scalar(select(InventoryItem.program_id).where(InventoryItem.id == item_id))


def get(session: Session, item_id: str, *, for_update: bool = False) -> InventoryItem:
    stmt = select(InventoryItem).where(InventoryItem.id == item_id)
    item = session.scalar(stmt.with_for_update() if for_update else stmt)
    if item is None:
        raise ItemNotFound(f"no inventory item {item_id!r}", field="item_id")
    return item


def require(item: InventoryItem, action: str, *allowed: ItemStatus) -> None:
    """Refuse ``action`` unless the item is in one of ``allowed``; a closed item names its
    sale as the last event of the chain."""
    if item.status in CLOSED:
        raise ItemClosed(
            f"item {item.id} is {item.status}: its custody chain has ended, nothing follows",
            field="item_id",
            item_status=item.status,
            action=action,
        )
    if item.status not in allowed:
        raise IllegalItemTransition(
            f"cannot {action} an item that is {item.status}",
            field="item_id",
            item_status=item.status,
            action=action,
            allowed_from=[str(s) for s in allowed],
        )


def note(
    session: Session, item: InventoryItem, action: str, data: dict[str, Any], ctx: Context
) -> None:
    """A custody note on the item's trade-in, naming the item."""
    trade_in = tradeins.get(session, item.trade_in_id)
    custody.note(session, trade_in, action, {"item_id": item.id, **data}, ctx)


def set_status(
    session: Session,
    item: InventoryItem,
    status: ItemStatus,
    action: str,
    data: dict[str, Any],
    ctx: Context,
) -> None:
    item.status = str(status)
    item.updated_at = ctx.now
    note(session, item, action, {"status": str(status), **data}, ctx)


def _filtered(stmt: Select, program_id: str, f: Filters) -> Select:
    stmt = stmt.where(InventoryItem.program_id == program_id)
    for column, value in (
        (InventoryItem.status, None if f.status is None else str(f.status)),
        (InventoryItem.route, f.route),
        (InventoryItem.channel_id, f.channel_id),
        (InventoryItem.variant_sku, f.variant_sku),
        (InventoryItem.grade, f.grade),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def search(
    session: Session, program_id: str, f: Filters, *, limit: int, offset: int
) -> tuple[int, list[InventoryItem]]:
    """(how many match, one page of them, oldest first)."""
    total = session.scalar(_filtered(select(func.count(InventoryItem.id)), program_id, f)) or 0
    stmt = _filtered(select(InventoryItem), program_id, f)
    page = stmt.order_by(InventoryItem.created_at, InventoryItem.id).limit(limit).offset(offset)
    return total, list(session.scalars(page))


def locations(session: Session, trade_in_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Where each device is now, from its logistics placement (the row every move, receipt and
    batch keeps current): trade-in id -> site, location code and since when."""
    out: dict[str, dict[str, Any]] = {}
    for part in chunks(trade_in_ids):
        rows = session.execute(
            select(Placement, Location.code)
            .outerjoin(Location, Location.id == Placement.location_id)
            .where(Placement.trade_in_id.in_(part))
        ).all()
        for placement, code in rows:
            out[placement.trade_in_id] = {
                "site_id": placement.site_id,
                "location": code,
                "since": placement.since,
            }
    return out


def summary(session: Session, program_id: str) -> list[dict[str, Any]]:
    """Items per variant and grade, with a count per status (closed items included)."""
    rows = session.execute(
        select(InventoryItem.variant_sku, InventoryItem.grade, InventoryItem.status, func.count())
        .where(InventoryItem.program_id == program_id)
        .group_by(InventoryItem.variant_sku, InventoryItem.grade, InventoryItem.status)
    ).all()
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for sku, grade, status, count in rows:
        groups.setdefault((sku, grade), {})[status] = count
    return [
        {
            "variant_sku": sku,
            "grade": grade,
            "total": sum(counts.values()),
            "open": sum(n for s, n in counts.items() if s not in CLOSED),
            "by_status": dict(sorted(counts.items())),
        }
        for (sku, grade), counts in sorted(groups.items())
    ]


def list_item(session: Session, item_id: str, list_price: int, ctx: Context) -> InventoryItem:
    """Offer an available item on its channel at ``list_price``; listing again re-prices it."""
    item = get(session, item_id, for_update=True)
    require(item, "list", ItemStatus.AVAILABLE, ItemStatus.LISTED)
    if list_price <= 0:
        raise InvalidInput("a list price is more than 0", field="list_price")
    item.list_price = list_price
    data = {"list_price": list_price, "currency": item.currency, "channel_id": item.channel_id}
    set_status(session, item, ItemStatus.LISTED, "listed", data, ctx)
    return item


def unlist(session: Session, item_id: str, ctx: Context) -> InventoryItem:
    item = get(session, item_id, for_update=True)
    require(item, "unlist", ItemStatus.LISTED)
    set_status(session, item, ItemStatus.AVAILABLE, "unlisted", {}, ctx)
    return item


def by_ids(session: Session, item_ids: list[str]) -> dict[str, InventoryItem]:
    out: dict[str, InventoryItem] = {}
    for part in chunks(item_ids):
        stmt = select(InventoryItem).where(InventoryItem.id.in_(part)).with_for_update()
        out.update({i.id: i for i in session.scalars(stmt)})
    return out


def sold_before(item: InventoryItem, sold_at: datetime, ctx: Context) -> None:
    """A sale happened at or before now, and not before the item existed."""
    if sold_at > ctx.now:
        raise InvalidInput("a sale cannot be in the future", field="sold_at")
    if sold_at < item.created_at:
        raise InvalidInput(
            f"item {item.id} entered inventory at {item.created_at.isoformat()}: it was not "
            "sold before that",
            field="sold_at",
        )
