"""Staff queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from revalue.access.models import StaffUser


def by_email(session: Session, email: str) -> StaffUser | None:
    stmt = (
        select(StaffUser)
        .where(StaffUser.email == email.lower())
        .options(selectinload(StaffUser.memberships))
    )
    return session.scalars(stmt).first()


def add(session: Session, user: StaffUser) -> None:
    session.add(user)


def all_users(session: Session) -> list[StaffUser]:
    stmt = select(StaffUser).options(selectinload(StaffUser.memberships)).order_by(StaffUser.email)
    return list(session.scalars(stmt))
