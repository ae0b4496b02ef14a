"""A business's fleet as one lot: its manifest lines, priced together, received against the
manifest and settled with a summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class BusinessLot(Base):
    __tablename__ = "business_lots"
    __table_args__ = (UniqueConstraint("program_id", "reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    reference: Mapped[str] = mapped_column(String(80))  # the business's own reference
    business_name: Mapped[str] = mapped_column(String(160))
    # The contact (name, email, address) is personal data: kept in customer_contacts style
    # apart from the lot, by id. None until the lot is accepted.
    contact_ref: Mapped[str | None] = mapped_column(String(40))
    # quoted, accepted, receiving, received, settled, cancelled, expired
    status: Mapped[str] = mapped_column(String(20), index=True)
    payout_method: Mapped[str] = mapped_column(String(30), default="cash")
    currency: Mapped[str] = mapped_column(String(3))
    devices: Mapped[int] = mapped_column(Integer)
    quoted_total: Mapped[int] = mapped_column(BigInteger)  # minor units
    settled_total: Mapped[int | None] = mapped_column(BigInteger)
    # Totals by status and the adjustments, written when the lot is settled.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    # What the lot's quote locks in, per variant SKU (quotes.terms): each device's own quote,
    # made when it is received, stands on these terms and the lot's date, not today's book.
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LotLine(Base):
    """One device of the manifest (or an extra found in the boxes)."""

    __tablename__ = "business_lot_lines"
    __table_args__ = (UniqueConstraint("lot_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("business_lots.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)  # the manifest's row; extras after the last
    imei: Mapped[str | None] = mapped_column(String(20), index=True)
    serial: Mapped[str | None] = mapped_column(String(60), index=True)
    model_id: Mapped[str | None] = mapped_column(String(80))
    variant_sku: Mapped[str | None] = mapped_column(String(80))
    declared: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # the declared condition
    quoted: Mapped[int] = mapped_column(BigInteger)  # this line's share of the lot quote
    asset_tag: Mapped[str | None] = mapped_column(String(80))  # the business's own label
    # expected, matched, missing, extra
    status: Mapped[str] = mapped_column(String(20), index=True)
    trade_in_id: Mapped[str | None] = mapped_column(ForeignKey("trade_ins.id"), unique=True)


class LotContact(Base):
    """The business's contact for a lot: personal data, kept apart like customer_contacts
    (which belong to one trade-in) and referred to by id only."""

    __tablename__ = "lot_contacts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("business_lots.id"), unique=True)
    name: Mapped[str | None] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(254))  # lowercased
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
