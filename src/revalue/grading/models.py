from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class GradingScale(Base):
    """A scale loaded by an operator (the shipped ones are package data). Each version is kept:
    a grade given under a version can always be explained again."""

    __tablename__ = "grading_scales"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    program_id: Mapped[str | None] = mapped_column(ForeignKey("programs.id"))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
