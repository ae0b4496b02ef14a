"""Sales: the event that ends an item's road. One sale per item (a unique constraint holds it);
the channel's fees are taken, the item closes (sold, harvested or recycled, by its route), the
custody chain gets its last note, the device's environmental receipt is issued, and a reuse sale
becomes a market price observation for the resale estimates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain import market as pricing
from revalue.domain.context import Context
from revalue.domain.records import Route
from revalue.domain.recovery import ItemStatus, closing_status
from revalue.logistics import sites
from revalue.recovery import environment, inventory, market
from revalue.recovery.models import Channel, InventoryItem, Sale, SalesLot

REUSE = frozenset({Route.REFURBISH_RESELL, Route.MARKETPLACE, Route.WHOLESALE})


def of_item(session: Session, item_id: str) -> Sale | None:
    return session.scalar(select(Sale).where(Sale.item_id == item_id))


def close(
    session: Session,
    item: InventoryItem,
    *,
    price: int,
    buyer: str,
    sold_at: datetime,
    ctx: Context,
    lot: SalesLot | None = None,
) -> Sale:
    """Record the item's sale and close it; the caller has checked the item may be sold. A
    lot's items are sold on the lot's channel (its fees), the others on their own."""
    inventory.sold_before(item, sold_at, ctx)
    channel = session.get_one(Channel, lot.channel_id if lot else item.channel_id)
    sale = Sale(
        item_id=item.id,
        trade_in_id=item.trade_in_id,
        program_id=item.program_id,
        channel_id=channel.id,
        sales_lot_id=lot.id if lot else None,
        price=price,
        fees=pricing.fees(price, fee_bp=channel.fee_bp, fee_fixed=channel.fee_fixed),
        currency=item.currency,
        buyer=buyer,
        sold_at=sold_at,
        recorded_by=ctx.actor,
    )
    session.add(sale)
    session.flush()
    route = Route(item.route)
    status = closing_status(route)
    left = sites.release(session, item.trade_in_id)  # it leaves the site with its buyer
    data = {
        "from_site": left.site_id if left else None,
        "sale_id": sale.id,
        "price": price,
        "fees": sale.fees,
        "currency": item.currency,
        "channel_id": channel.id,
        "channel": channel.code,
        "sold_at": sold_at.isoformat(),
        **({"sales_lot_id": lot.id} if lot else {}),
    }
    inventory.set_status(session, item, status, str(status), data, ctx)
    environment.issue(session, item, ctx)
    if route in REUSE:
        market.observe_sale(session, sale, variant_sku=item.variant_sku, grade=item.grade, ctx=ctx)
    return sale


def sell(
    session: Session,
    item_id: str,
    *,
    price: int,
    buyer: str,
    sold_at: datetime | None,
    ctx: Context,
) -> Sale:
    """Sell one item (available or listed) on its channel."""
    item = inventory.get(session, item_id, for_update=True)
    inventory.require(item, "sell", ItemStatus.AVAILABLE, ItemStatus.LISTED)
    return close(session, item, price=price, buyer=buyer, sold_at=sold_at or ctx.now, ctx=ctx)
