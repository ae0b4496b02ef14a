"""Security events: sign-ins and every refused attempt, written in a transaction of their own
(the refused request's own transaction never commits). No secret is ever recorded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from revalue.access.models import SecurityEvent

LOGIN_FAILED = "login_failed"


def record(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    kind: str,
    subject: str,
    client: str,
    method: str,
    path: str,
    status_code: int,
    detail: dict[str, Any] | None = None,
) -> None:
    with sessions.begin() as session:
        session.add(
            SecurityEvent(
                occurred_at=now,
                kind=kind,
                subject=subject[:254],
                client=client[:64],
                method=method[:10],
                path=path[:500],
                status_code=status_code,
                detail=detail or {},
            )
        )


def recent_failures(
    session: Session, *, since: datetime, subject: str | None = None, client: str | None = None
) -> tuple[int, datetime | None]:
    """Failed sign-ins since a time, for one account or from one client address: how many,
    and the oldest of them."""
    column, value = (
        (SecurityEvent.subject, subject) if subject is not None else (SecurityEvent.client, client)
    )
    row = session.execute(
        select(func.count(), func.min(SecurityEvent.occurred_at)).where(
            SecurityEvent.kind == LOGIN_FAILED, column == value, SecurityEvent.occurred_at >= since
        )
    ).one()
    return row[0], row[1]


def listing(
    session: Session, *, kind: str | None, since: datetime | None, limit: int, offset: int
) -> tuple[int, list[SecurityEvent]]:
    stmt = select(SecurityEvent)
    if kind is not None:
        stmt = stmt.where(SecurityEvent.kind == kind)
    if since is not None:
        stmt = stmt.where(SecurityEvent.occurred_at >= since)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(SecurityEvent.id.desc()).limit(limit).offset(offset)).all()
    return total, list(rows)


def window(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
