"""Quote queries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from revalue.quotes.models import Quote


def get(session: Session, quote_id: str) -> Quote | None:
    return session.get(Quote, quote_id)


def add(session: Session, quote: Quote) -> None:
    session.add(quote)
