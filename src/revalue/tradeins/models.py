from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class TradeIn(Base):
    __tablename__ = "trade_ins"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("catalog_models.id"))
    variant_sku: Mapped[str] = mapped_column(ForeignKey("catalog_variants.sku"))
    state: Mapped[str] = mapped_column(String(30), index=True)
    quote_id: Mapped[str] = mapped_column(String(40))  # the initial quote
    requote_id: Mapped[str | None] = mapped_column(String(40))  # the latest re-quote, if any
    pathway: Mapped[str | None] = mapped_column(String(20))
    payout_method: Mapped[str | None] = mapped_column(String(30))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str | None] = mapped_column(String(400))  # why rejected / cancelled
    # None, or "required" (a re-quote waits for a second inspector), "sampled" (a random
    # check, not holding anything up), "done".
    second_opinion: Mapped[str | None] = mapped_column(String(20))
    # When the offer became final (inspected as quoted, or a re-quote accepted): the payout's
    # deadline runs from here.
    offer_final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The head of the custody chain: a deleted or forged tail no longer matches it.
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    # Optimistic lock: two concurrent transitions cannot both succeed.
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class CustodyEvent(Base):
    """Append-only: database triggers refuse UPDATE and DELETE; the hash chain detects the rest."""

    __tablename__ = "custody_events"
    __table_args__ = (UniqueConstraint("trade_in_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Inspection(Base):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    inspector: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="primary")  # or "second_opinion"
    condition: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # what the price book prices
    grade: Mapped[str | None] = mapped_column(String(2))  # None: not working / locked
    # The full record (checks, findings per zone, battery, locks, accessories) and its grade
    # on every scale, with the rules that decided each; None for a quick in-store check.
    record: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    grades: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    scale_id: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(String(2000), default="")
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Sanitization(Base):
    """One erasure of a device, by hand or imported from an erasure tool's report. The
    level, technique and result sum up its media: the weakest level, the worst result."""

    __tablename__ = "sanitizations"
    # An erasure tool's report is imported once: importing it again finds this row.
    __table_args__ = (UniqueConstraint("source", "report_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))  # NIST SP 800-88: clear, purge, destroy
    technique: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(30))
    operator: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tool: Mapped[str] = mapped_column(String(120), default="")
    tool_version: Mapped[str] = mapped_column(String(60), default="")
    # How the tool or operator checked the technique completed (NIST: verification).
    verification_method: Mapped[str] = mapped_column(String(200), default="")
    destination: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    # "manual", or the import format (revalue-json, revalue-csv, blancco-xml) ...
    source: Mapped[str] = mapped_column(String(30), default="manual")
    report_id: Mapped[str | None] = mapped_column(String(120))  # ... and the tool's report id
    # Independent verification (domain.records.Verification) by someone else than the operator.
    verification: Mapped[str] = mapped_column(String(20), default="not_sampled")
    verifier: Mapped[str | None] = mapped_column(String(120))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verifier_method: Mapped[str | None] = mapped_column(String(200))
    verifier_note: Mapped[str | None] = mapped_column(String(400))


class SanitizationMedium(Base):
    """A storage medium of the device and what was done to it (R2 Appendix B: a record per
    storage identifier)."""

    __tablename__ = "sanitization_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sanitization_id: Mapped[int] = mapped_column(ForeignKey("sanitizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    identifier: Mapped[str] = mapped_column(String(120), default="")  # the medium's serial
    capacity_bytes: Mapped[int | None] = mapped_column(BigInteger)
    level: Mapped[str] = mapped_column(String(10))
    technique: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(30))


class Payment(Base):
    """The customer's payout: exactly one per trade-in, which the unique constraint holds
    even against racing requests from several server processes."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), unique=True)
    method: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    # awaiting_approval (above the program's limit: a second person approves), paid, reversed
    status: Mapped[str] = mapped_column(String(20), default="paid")
    points: Mapped[int | None] = mapped_column(BigInteger)  # loyalty points credited
    # Instant store credit paid at hand-over, before the offer was final: adjusted (topped up
    # or clawed back) once it is.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str] = mapped_column(String(120), default="")
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Disposition(Base):
    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), unique=True)
    route: Mapped[str] = mapped_column(String(30))
    disposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
