"""Certificate queries for summaries: a program's summaries, and the trade-ins a summary
names, looked up many at a time."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.certificates.models import Certificate
from revalue.tradeins.models import Sanitization, TradeIn

SUMMARY = "summary"
# Bound parameters per IN list: well under every supported database's limit.
CHUNK = 1000


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def summary_by_reference(session: Session, program_id: str, reference: str) -> Certificate | None:
    stmt = select(Certificate).where(
        Certificate.program_id == program_id,
        Certificate.kind == SUMMARY,
        Certificate.reference == reference,
    )
    return session.scalars(stmt).first()


def summaries(session: Session, program_id: str) -> list[Certificate]:
    """The program's summary certificates, newest first."""
    stmt = select(Certificate).where(
        Certificate.program_id == program_id, Certificate.kind == SUMMARY
    )
    return list(session.scalars(stmt.order_by(Certificate.issued_at.desc(), Certificate.id)))


def trade_ins_of_program(session: Session, program_id: str, ids: list[str]) -> set[str]:
    """Which of the ids are trade-ins of the program."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        stmt = select(TradeIn.id).where(TradeIn.program_id == program_id, TradeIn.id.in_(chunk))
        found.update(session.scalars(stmt))
    return found


def latest_sanitizations(session: Session, ids: list[str]) -> dict[str, Sanitization]:
    """Each trade-in's latest sanitization record (trade-ins without one are left out)."""
    latest: dict[str, Sanitization] = {}
    for chunk in _chunks(ids):
        stmt = select(Sanitization).where(Sanitization.trade_in_id.in_(chunk))
        for row in session.scalars(stmt.order_by(Sanitization.id)):
            latest[row.trade_in_id] = row
    return latest
