from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class Quote(Base):
    """An offer, frozen when made: the initial quote, or a re-quote after inspection."""

    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # initial | requote
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(String(40), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("catalog_models.id"))
    variant_sku: Mapped[str] = mapped_column(ForeignKey("catalog_variants.sku"))
    condition: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    grade: Mapped[str | None] = mapped_column(String(2))
    recycle_only: Mapped[bool] = mapped_column(Boolean)
    currency: Mapped[str] = mapped_column(String(3))
    offers: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # method, amount, lines
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # the prices it was made at
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    program_version: Mapped[int] = mapped_column(Integer)
    # The locked terms (price book narrowed to this variant, payout options, model facts): a
    # re-quote after inspection prices with these, so only the condition can change the offer.
    terms: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
