"""Business lot queries. Lines are written and changed in bulk: a lot may hold 10,000 devices,
and one statement per line through the ORM's unit of work would take minutes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from revalue.db import chunks
from revalue.lots.models import BusinessLot, LotContact, LotLine
from revalue.tradeins.models import CustodyEvent, TradeIn


def get(session: Session, lot_id: str, *, for_update: bool = False) -> BusinessLot | None:
    if not for_update:
        return session.get(BusinessLot, lot_id)
    # Receiving and settling hold the lot's row: two sessions scanning the same lot at once
    # take turns rather than both matching one line (SQLite serializes writers anyway).
    stmt = select(BusinessLot).where(BusinessLot.id == lot_id).with_for_update()
    return session.scalars(stmt).first()


def program_of(session: Session, lot_id: str) -> str | None:
    return session.scalar(select(BusinessLot.program_id).where(BusinessLot.id == lot_id))


def by_reference(session: Session, program_id: str, reference: str) -> BusinessLot | None:
    stmt = select(BusinessLot).where(
        BusinessLot.program_id == program_id, BusinessLot.reference == reference
    )
    return session.scalars(stmt).first()


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def of_program(session: Session, program_id: str) -> list[BusinessLot]:
    stmt = select(BusinessLot).where(BusinessLot.program_id == program_id)
    return list(session.scalars(stmt.order_by(BusinessLot.created_at.desc(), BusinessLot.id)))


def insert_lines(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    # A Core INSERT on the table: one executemany per chunk. The ORM's bulk insert splits the
    # rows into a statement per run of rows with the same None columns (IMEI or serial...),
    # thousands of round trips on PostgreSQL.
    for chunk in chunks(rows):
        session.execute(insert(LotLine.__table__), chunk)


def update_lines(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk UPDATE by primary key: each dict holds ``id`` and the columns it changes."""
    for chunk in chunks(rows):
        session.execute(update(LotLine), chunk)


def insert_trade_ins(session: Session, trade_ins: Iterable[TradeIn]) -> None:
    columns = [c.key for c in TradeIn.__table__.columns]
    rows = [{c: getattr(t, c) for c in columns} for t in trade_ins]
    for chunk in chunks(rows):
        session.execute(insert(TradeIn.__table__), chunk)


def insert_events(session: Session, events: Sequence[dict[str, Any]]) -> None:
    for chunk in chunks(events):
        session.execute(insert(CustodyEvent.__table__), chunk)


def lines(
    session: Session,
    lot_id: str,
    *,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[LotLine]:
    stmt = select(LotLine).where(LotLine.lot_id == lot_id)
    if status:
        stmt = stmt.where(LotLine.status == status)
    stmt = stmt.order_by(LotLine.line_no).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_lines(session: Session, lot_id: str, status: str | None = None) -> int:
    stmt = select(func.count()).select_from(LotLine).where(LotLine.lot_id == lot_id)
    if status:
        stmt = stmt.where(LotLine.status == status)
    return session.scalar(stmt) or 0


def status_counts(session: Session, lot_id: str) -> dict[str, int]:
    stmt = (
        select(LotLine.status, func.count())
        .where(LotLine.lot_id == lot_id)
        .group_by(LotLine.status)
    )
    return dict(session.execute(stmt).all())  # type: ignore[arg-type]


def breakdown(session: Session, lot_id: str) -> list[tuple[str, str, int, int]]:
    """(variant SKU, model id, devices, quoted total) of the manifest's lines, per variant."""
    stmt = (
        select(LotLine.variant_sku, LotLine.model_id, func.count(), func.sum(LotLine.quoted))
        .where(LotLine.lot_id == lot_id, LotLine.status != "extra")
        .group_by(LotLine.variant_sku, LotLine.model_id)
        .order_by(LotLine.variant_sku)
    )
    return [(sku, model, n, int(total or 0)) for sku, model, n, total in session.execute(stmt)]


def mark_missing(session: Session, lot_id: str, expected: str, missing: str) -> None:
    session.execute(
        update(LotLine)
        .where(LotLine.lot_id == lot_id, LotLine.status == expected)
        .values(status=missing)
        .execution_options(synchronize_session=False)
    )


def contact(session: Session, lot_id: str) -> LotContact | None:
    return session.scalars(select(LotContact).where(LotContact.lot_id == lot_id)).first()


def settle_once(session: Session, lot_id: str, values: dict[str, Any]) -> bool:
    """Mark the lot settled if it is not yet: the one conditional UPDATE makes settlement
    exactly-once even between racing requests; False when another got there first."""
    result = session.execute(
        update(BusinessLot)
        .where(BusinessLot.id == lot_id, BusinessLot.status == "received")
        .values(status="settled", **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
