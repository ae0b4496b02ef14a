from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, UTCDateTime


class EvidencePhoto(Base):
    """A photo of a trade-in's device. The bytes live in the evidence store under their
    SHA-256; this row says whose device it shows, who took it and when."""

    __tablename__ = "evidence_photos"
    __table_args__ = (UniqueConstraint("trade_in_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
