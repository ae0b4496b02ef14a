"""Quote queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from revalue.db import chunks
from revalue.quotes.models import Quote


def get(session: Session, quote_id: str) -> Quote | None:
    return session.get(Quote, quote_id)


def insert_new(session: Session, quote: Quote) -> None:
    """Insert a new quote with one statement; the object stays outside the session."""
    values = {c.key: getattr(quote, c.key) for c in Quote.__table__.columns}
    session.execute(insert(Quote.__table__), values)


def by_id(session: Session, ids: Sequence[str]) -> dict[str, Quote]:
    return {
        q.id: q
        for chunk in chunks(ids)
        for q in session.scalars(select(Quote).where(Quote.id.in_(chunk)))
    }
