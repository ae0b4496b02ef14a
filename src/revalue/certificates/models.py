from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class Certificate(Base):
    """A signed certificate as issued: the document (fields and signature) is kept whole, so
    what was signed is what is served and verified, byte for byte after canonicalization."""

    __tablename__ = "certificates"
    # A batch or business lot is summed up once under its reference.
    __table_args__ = (UniqueConstraint("program_id", "kind", "reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="device")  # device, or summary
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    # The device's trade-in; a summary covers many and names them in its document.
    trade_in_id: Mapped[str | None] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(120))  # a summary's batch or lot
    key_id: Mapped[str] = mapped_column(String(60))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(120))
