"""Evidence photo queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revalue.evidence.models import EvidencePhoto


def find(session: Session, trade_in_id: str, sha256: str) -> EvidencePhoto | None:
    return session.scalar(
        select(EvidencePhoto).where(
            EvidencePhoto.trade_in_id == trade_in_id, EvidencePhoto.sha256 == sha256
        )
    )


def of_trade_in(session: Session, trade_in_id: str) -> list[EvidencePhoto]:
    """The trade-in's photos in the order they were taken."""
    return list(
        session.scalars(
            select(EvidencePhoto)
            .where(EvidencePhoto.trade_in_id == trade_in_id)
            .order_by(EvidencePhoto.uploaded_at, EvidencePhoto.id)
        )
    )


def attached(session: Session, trade_in_id: str, sha256s: Collection[str]) -> set[str]:
    if not sha256s:
        return set()
    return set(
        session.scalars(
            select(EvidencePhoto.sha256).where(
                EvidencePhoto.trade_in_id == trade_in_id,
                EvidencePhoto.sha256.in_(set(sha256s)),
            )
        )
    )


def insert(session: Session, row: EvidencePhoto) -> bool:
    """Insert the row; ``False`` if the trade-in already has this photo (a concurrent upload
    won). The savepoint keeps the caller's transaction usable after the refused insert."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True
