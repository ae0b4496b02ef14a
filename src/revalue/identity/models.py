from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class TacEntry(Base):
    """What one source says a TAC (the first 8 IMEI digits) is. Sources disagree, so each
    keeps its own row; identification reports which one it used."""

    __tablename__ = "tac_entries"

    tac: Mapped[str] = mapped_column(String(8), primary_key=True)
    source: Mapped[str] = mapped_column(String(30), primary_key=True)  # osmocom, samsung, ...
    brand: Mapped[str | None] = mapped_column(String(80))
    name: Mapped[str | None] = mapped_column(String(200))
    model_code: Mapped[str | None] = mapped_column(String(60))
    catalog_model_id: Mapped[str | None] = mapped_column(
        ForeignKey("catalog_models.id", ondelete="SET NULL")
    )
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BlocklistEntry(Base):
    """The operator's own list of lost, stolen or fraudulent devices (by canonical IMEI)."""

    __tablename__ = "blocklist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    imei: Mapped[str] = mapped_column(String(15), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # lost, stolen, fraud, unpaid
    note: Mapped[str] = mapped_column(String(400), default="")
    source: Mapped[str] = mapped_column(String(60))  # who reported it
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    listed_by: Mapped[str] = mapped_column(String(120))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(120))


class DeviceIdentity(Base):
    """A trade-in's device as identified: its identifiers (canonical forms) and what they say
    it is, with the source and confidence of that identification."""

    __tablename__ = "device_identities"

    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), primary_key=True)
    imei: Mapped[str | None] = mapped_column(String(15), index=True)
    imei2: Mapped[str | None] = mapped_column(String(15), index=True)
    meid: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(40), index=True)
    identified_model_id: Mapped[str | None] = mapped_column(String(80))
    identified_name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(30))
    confidence: Mapped[str] = mapped_column(String(10))  # high, medium, low, none
    stage: Mapped[str] = mapped_column(String(20))  # quote or receiving: when it was given
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))


class DeviceCheck(Base):
    """One check's result (blocklist, activation lock, FRP, carrier lock, finance), with the
    provider that answered and when."""

    __tablename__ = "device_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(20))  # clear, hit, unknown
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    source: Mapped[str] = mapped_column(String(60))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_by: Mapped[str] = mapped_column(String(120))


class ScreeningFlag(Base):
    """Something a person must look at: a blocklist hit, a lock, a duplicate, a velocity
    breach, a model mismatch. Cleared or confirmed by staff, with their reason."""

    __tablename__ = "screening_flags"
    __table_args__ = (Index("ix_screening_flags_status_severity", "status", "severity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))  # low, medium, high, critical
    reason: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(12))  # open, cleared, confirmed
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # e.g. a lock's deadline
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[str | None] = mapped_column(String(400))
