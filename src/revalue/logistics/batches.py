"""Store-to-site batches: devices handed over at a store or kiosk travel together to a
processing site, each scanned out at the store and scanned in at the site.

A batch is ``open`` while the store packs it (devices scanned out), ``dispatched`` once it
leaves (every device gets a ``transfer_out`` custody event), and ``received`` once the site
closes it. Devices never scanned in stay on the closed batch as missing (a ``transfer_missing``
event each); the overdue report flags them after the program's ``transfer_loss_days``. A
missing device that turns up later is still scanned in against its batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.lifecycle import State
from revalue.domain.logistics import SiteKind
from revalue.ids import new_id
from revalue.logistics import scans, sites
from revalue.logistics.models import Batch, BatchItem
from revalue.tradeins import custody
from revalue.tradeins.models import TradeIn

OPEN, DISPATCHED, RECEIVED = "open", "dispatched", "received"
# What the site sees of each device of a batch.
PACKED, ON_ITS_WAY, ARRIVED, MISSING = "packed", "on_its_way", "arrived", "missing"


class BatchNotFound(NotFound):
    code = "batch_not_found"


class BatchStatus(Conflict):
    code = "batch_status"


class BatchEmpty(Conflict):
    code = "batch_empty"


class NotInBatch(Conflict):
    code = "not_in_batch"


class InAnotherBatch(Conflict):
    code = "in_another_batch"


class AlreadyScannedIn(Conflict):
    code = "already_scanned_in"


def get(session: Session, batch_id: str) -> Batch:
    row = session.get(Batch, batch_id)
    if row is None:
        raise BatchNotFound(f"no batch {batch_id!r}", field="batch_id")
    return row


def _status(batch: Batch, *allowed: str, doing: str) -> None:
    if batch.status not in allowed:
        raise BatchStatus(
            f"batch {batch.id} is {batch.status}: cannot {doing}",
            batch_status=batch.status,
            allowed=list(allowed),
        )


def create(session: Session, *, from_site_id: str, to_site_id: str, ctx: Context) -> Batch:
    """A new batch from a store or kiosk to a processing site."""
    origin = sites.active_site(session, from_site_id)
    destination = sites.active_site(session, to_site_id)
    if origin.kind == str(SiteKind.PROCESSING):
        raise sites.WrongSite(
            f"{from_site_id!r} is a processing site: batches leave stores and kiosks",
            field="from_site_id",
        )
    if destination.kind != str(SiteKind.PROCESSING):
        raise sites.WrongSite(
            f"{to_site_id!r} is a {destination.kind}: batches go to a processing site",
            field="to_site_id",
        )
    row = Batch(
        id=new_id("b", ctx.now),
        from_site_id=origin.id,
        to_site_id=destination.id,
        status=OPEN,
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    session.add(row)
    session.flush()
    return row


def add_item(
    session: Session,
    batch_id: str,
    scan: str,
    ctx: Context,
    *,
    within: frozenset[str] | None = None,
    check: Callable[[TradeIn], None] | None = None,
) -> BatchItem:
    """Scan a device out of the store into the batch: it must be at the batch's store."""
    batch = get(session, batch_id)
    _status(batch, OPEN, doing="add devices once it has left")
    found = scans.candidates(session, scan, within)
    placed = {t.id: sites.placement_of(session, t.id) for t in found}
    here = {t for t, p in placed.items() if p is not None and p.site_id == batch.from_site_id}
    if found and not here:
        where = sorted({p.site_id for p in placed.values() if p is not None})
        raise sites.WrongSite(
            f"{scan!r} is not at site {batch.from_site_id!r}"
            + (f" but at {', '.join(where)}" if where else ": it was never received at a site"),
            field="scan",
            expected_site=batch.from_site_id,
            found_at=where,
        )
    trade_in = scans.one_of(found, scan, lambda t: t.id in here, f"at site {batch.from_site_id!r}")
    if check is not None:
        check(trade_in)
    if State(trade_in.state) in (State.RETURNED, State.DISPOSED):
        raise sites.NotInHand(f"trade-in {trade_in.id} is {trade_in.state}", field="scan")
    latest = sites.batch_of(session, [trade_in.id]).get(trade_in.id)
    if latest is not None and latest[1] != RECEIVED:
        item_batch = latest[0]
        if item_batch == batch.id:
            raise InAnotherBatch(f"trade-in {trade_in.id} is in this batch already")
        raise InAnotherBatch(f"trade-in {trade_in.id} is in batch {item_batch} already")
    row = BatchItem(
        batch_id=batch.id,
        trade_in_id=trade_in.id,
        scanned_out_at=ctx.now,
        scanned_out_by=ctx.actor,
    )
    session.add(row)
    session.flush()
    return row


def items(session: Session, batch_id: str) -> list[BatchItem]:
    return list(
        session.scalars(
            select(BatchItem).where(BatchItem.batch_id == batch_id).order_by(BatchItem.id)
        )
    )


def dispatch(
    session: Session,
    batch_id: str,
    ctx: Context,
    *,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Batch:
    """The batch leaves the store: each device's chain says so."""
    batch = get(session, batch_id)
    _status(batch, OPEN, doing="dispatch it again")
    rows = items(session, batch_id)
    if not rows:
        raise BatchEmpty(f"batch {batch_id} has no devices: scan some out first")
    batch.status, batch.dispatched_at = DISPATCHED, ctx.now
    batch.carrier, batch.tracking_number = carrier, tracking_number
    data = {
        "batch_id": batch.id,
        "from_site": batch.from_site_id,
        "to_site": batch.to_site_id,
        "carrier": carrier,
        "tracking_number": tracking_number,
    }
    for item in rows:
        custody.note(session, _trade_in(session, item.trade_in_id), "transfer_out", data, ctx)
    session.flush()
    return batch


def _trade_in(session: Session, trade_in_id: str) -> TradeIn:
    row = session.get(TradeIn, trade_in_id)
    assert row is not None  # a batch item's foreign key
    return row


def receive_item(
    session: Session,
    batch_id: str,
    site_id: str,
    scan: str,
    ctx: Context,
    *,
    location_id: int | None = None,
    within: frozenset[str] | None = None,
) -> BatchItem:
    """Scan a device in at the batch's processing site (late arrivals of a closed batch
    too); it is placed there. A device of no batch here, or the wrong site: nothing is
    written."""
    batch = get(session, batch_id)
    _status(batch, DISPATCHED, RECEIVED, doing="scan devices in before it is dispatched")
    if site_id != batch.to_site_id:
        raise sites.WrongSite(
            f"batch {batch.id} goes to site {batch.to_site_id!r}, not {site_id!r}: nothing "
            "was recorded",
            field="site_id",
            expected_site=batch.to_site_id,
        )
    rows = {i.trade_in_id: i for i in items(session, batch_id)}
    found = scans.candidates(session, scan, within)
    if found and not any(t.id in rows for t in found):
        raise NotInBatch(
            f"{scan!r} is not in batch {batch.id}: keep it apart and report it",
            field="scan",
            trade_in_ids=[t.id for t in found],
        )
    trade_in = scans.one_of(found, scan, lambda t: t.id in rows, f"in batch {batch.id}")
    item = rows[trade_in.id]
    if item.scanned_in_at is not None:
        raise AlreadyScannedIn(
            f"trade-in {trade_in.id} was scanned in at {item.scanned_in_at.isoformat()}"
        )
    sites.check_place(session, trade_in, site_id, location_id, sites.TRANSFER_IN)
    item.scanned_in_at, item.scanned_in_by = ctx.now, ctx.actor
    sites.place(
        session,
        trade_in,
        site_id,
        location_id,
        replace(ctx, place=site_id),  # it arrived at the site: the event happened there
        sites.TRANSFER_IN,
        action="transfer_in",
        extra={"batch_id": batch.id, "late": batch.status == RECEIVED},
    )
    return item


def close(session: Session, batch_id: str, ctx: Context) -> Batch:
    """The site has unpacked the batch: it is received; devices never scanned in stay on it
    as missing, each with a ``transfer_missing`` event."""
    batch = get(session, batch_id)
    _status(batch, DISPATCHED, doing="close it")
    batch.status, batch.closed_at = RECEIVED, ctx.now
    for item in items(session, batch_id):
        if item.scanned_in_at is None:
            custody.note(
                session,
                _trade_in(session, item.trade_in_id),
                "transfer_missing",
                {
                    "batch_id": batch.id,
                    "from_site": batch.from_site_id,
                    "to_site": batch.to_site_id,
                },
                ctx,
            )
    session.flush()
    return batch


def item_status(batch: Batch, item: BatchItem) -> str:
    if item.scanned_in_at is not None:
        return ARRIVED
    return {OPEN: PACKED, DISPATCHED: ON_ITS_WAY}.get(batch.status, MISSING)


def view(session: Session, batch_id: str, within: frozenset[str] | None) -> dict[str, Any]:
    """The batch and its devices (those of these programs), with each device's scans."""
    batch = get(session, batch_id)
    rows = session.execute(
        select(BatchItem, TradeIn.program_id, TradeIn.state)
        .join(TradeIn, TradeIn.id == BatchItem.trade_in_id)
        .where(BatchItem.batch_id == batch_id)
        .order_by(BatchItem.id)
    ).all()
    shown = [r for r in rows if within is None or r.program_id in within]
    out = [
        {
            "trade_in_id": r.BatchItem.trade_in_id,
            "program_id": r.program_id,
            "state": r.state,
            "status": item_status(batch, r.BatchItem),
            "scanned_out_at": r.BatchItem.scanned_out_at,
            "scanned_out_by": r.BatchItem.scanned_out_by,
            "scanned_in_at": r.BatchItem.scanned_in_at,
            "scanned_in_by": r.BatchItem.scanned_in_by,
        }
        for r in shown
    ]
    return {
        "id": batch.id,
        "from_site_id": batch.from_site_id,
        "to_site_id": batch.to_site_id,
        "status": batch.status,
        "carrier": batch.carrier,
        "tracking_number": batch.tracking_number,
        "created_by": batch.created_by,
        "created_at": batch.created_at,
        "dispatched_at": batch.dispatched_at,
        "closed_at": batch.closed_at,
        "items": out,
        "missing": [i["trade_in_id"] for i in out if i["status"] == MISSING],
    }
