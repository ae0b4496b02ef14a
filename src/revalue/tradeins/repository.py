"""Trade-in and custody queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from revalue.db import chunks
from revalue.domain.lifecycle import State
from revalue.domain.logistics import ShipLapse
from revalue.domain.program import Pathway
from revalue.programs.models import Program
from revalue.tradeins.models import (
    CustodyEvent,
    Inspection,
    Payment,
    Sanitization,
    TradeIn,
)


def get(session: Session, trade_in_id: str) -> TradeIn | None:
    return session.get(TradeIn, trade_in_id)


def program_of(session: Session, trade_in_id: str) -> str | None:
    return session.scalar(select(TradeIn.program_id).where(TradeIn.id == trade_in_id))


def add(session: Session, row: object) -> None:
    session.add(row)


def insert_new(session: Session, trade_in: TradeIn) -> None:
    """Insert a new trade-in with one statement; the object stays outside the session."""
    values = {c.key: getattr(trade_in, c.key) for c in TradeIn.__table__.columns}
    session.execute(insert(TradeIn.__table__), values)


def insert_event(session: Session, values: dict) -> None:
    session.execute(insert(CustodyEvent.__table__), values)


def search(
    session: Session,
    *,
    program_id: str | None,
    state: str | None,
    limit: int,
    offset: int,
    within: frozenset[str] | None = None,
    oldest_first: bool = False,
) -> tuple[int, list[TradeIn]]:
    """A page of trade-ins, newest first; ``within`` limits them to those programs (None:
    every program). ``oldest_first``: the ones that changed longest ago first, as a work
    queue is worked."""
    stmt = select(TradeIn)
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    if program_id:
        stmt = stmt.where(TradeIn.program_id == program_id)
    if state:
        stmt = stmt.where(TradeIn.state == state)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = (TradeIn.updated_at, TradeIn.id) if oldest_first else (TradeIn.id.desc(),)
    rows = session.scalars(stmt.order_by(*order).limit(limit).offset(offset))
    return total, list(rows)


def inspections(session: Session, trade_in_id: str) -> list[Inspection]:
    stmt = select(Inspection).where(Inspection.trade_in_id == trade_in_id)
    return list(session.scalars(stmt.order_by(Inspection.id)))


def due_to_expire(session: Session, now: datetime, states: list[str]) -> list[str]:
    stmt = select(TradeIn.id).where(TradeIn.state.in_(states), TradeIn.expires_at <= now)
    return list(session.scalars(stmt.order_by(TradeIn.id)))


def quotes_and_unshipped_due(session: Session, now: datetime) -> list[str]:
    """Quotes past their price lock, and mail-in acceptances not shipped by their deadline
    in programs that expire them (the others are repriced by the logistics sweep)."""
    unshipped = and_(
        TradeIn.state.in_([str(State.ACCEPTED), str(State.AWAITING_SHIPMENT)]),
        TradeIn.pathway == str(Pathway.MAIL_IN),
        TradeIn.program_id.in_(
            select(Program.id).where(Program.ship_lapse == str(ShipLapse.EXPIRE))
        ),
    )
    stmt = select(TradeIn.id).where(
        or_(TradeIn.state == str(State.QUOTED), unshipped), TradeIn.expires_at <= now
    )
    return list(session.scalars(stmt.order_by(TradeIn.id)))


def events(session: Session, trade_in_id: str) -> list[CustodyEvent]:
    stmt = select(CustodyEvent).where(CustodyEvent.trade_in_id == trade_in_id)
    return list(session.scalars(stmt.order_by(CustodyEvent.seq)))


def latest_inspection(
    session: Session, trade_in_id: str, kind: str | None = None
) -> Inspection | None:
    stmt = select(Inspection).where(Inspection.trade_in_id == trade_in_id)
    if kind is not None:
        stmt = stmt.where(Inspection.kind == kind)
    return session.scalars(stmt.order_by(Inspection.id.desc()).limit(1)).first()


def latest_sanitization(session: Session, trade_in_id: str) -> Sanitization | None:
    stmt = select(Sanitization).where(Sanitization.trade_in_id == trade_in_id)
    return session.scalars(stmt.order_by(Sanitization.id.desc()).limit(1)).first()


def payment(session: Session, trade_in_id: str) -> Payment | None:
    return session.scalars(select(Payment).where(Payment.trade_in_id == trade_in_id)).first()


def count_trade_ins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(TradeIn)) or 0


def chain_heads(
    session: Session, within: frozenset[str] | None = None
) -> dict[str, tuple[int, str]]:
    stmt = select(TradeIn.id, TradeIn.last_seq, TradeIn.last_hash)
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    return {tid: (seq, h) for tid, seq, h in session.execute(stmt)}


def all_events(
    session: Session, batch: int = 5000, within: frozenset[str] | None = None
) -> Iterator[CustodyEvent]:
    """Every custody event (of those programs), ordered by trade-in and sequence, in batches."""
    stmt = select(CustodyEvent).order_by(CustodyEvent.trade_in_id, CustodyEvent.seq)
    if within is not None:
        programs = select(TradeIn.id).where(TradeIn.program_id.in_(within))
        stmt = stmt.where(CustodyEvent.trade_in_id.in_(programs))
    yield from session.scalars(stmt.execution_options(yield_per=batch))


def state_counts(session: Session, program_id: str | None = None) -> dict[str, int]:
    stmt = select(TradeIn.state, func.count()).group_by(TradeIn.state)
    if program_id:
        stmt = stmt.where(TradeIn.program_id == program_id)
    return dict(session.execute(stmt).all())


def paid_by_method(session: Session, program_id: str) -> dict[str, tuple[int, int]]:
    """method -> (payments, total minor units) for one program."""
    stmt = (
        select(Payment.method, func.count(), func.sum(Payment.amount))
        .join(TradeIn, TradeIn.id == Payment.trade_in_id)
        .where(TradeIn.program_id == program_id)
        .group_by(Payment.method)
    )
    return {m: (n, int(total or 0)) for m, n, total in session.execute(stmt)}


def latest_records(session: Session, model: type, trade_in_ids: Sequence[str]) -> dict[str, Any]:
    """The latest row of a per-trade-in record (inspection, payment...) for each trade-in."""
    return {
        row.trade_in_id: row
        for chunk in chunks(trade_in_ids)
        for row in session.scalars(
            select(model).where(model.trade_in_id.in_(chunk)).order_by(model.id)
        )
    }


def by_ids(session: Session, trade_in_ids: Sequence[str]) -> dict[str, TradeIn]:
    return {
        t.id: t
        for chunk in chunks(trade_in_ids)
        for t in session.scalars(select(TradeIn).where(TradeIn.id.in_(chunk)))
    }
