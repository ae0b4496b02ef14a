from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revalue.db import Base, UTCDateTime


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lowercased
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id, never the password
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    memberships: Mapped[list[StaffMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="StaffMembership.id"
    )


class StaffMembership(Base):
    """A role held by a user: within one program, or installation-wide (``program_id`` empty)."""

    __tablename__ = "staff_memberships"
    __table_args__ = (UniqueConstraint("user_id", "program_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    program_id: Mapped[str | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))

    user: Mapped[StaffUser] = relationship(back_populates="memberships")
