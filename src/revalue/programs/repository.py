"""Program queries."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import Session

from revalue.catalog.models import CatalogVersion
from revalue.programs.models import BasePrice, Program, Promotion


def get(session: Session, program_id: str) -> Program | None:
    return session.get(Program, program_id)


def list_all(session: Session) -> list[Program]:
    return list(session.scalars(select(Program).order_by(Program.id)))


_VERSIONS = (
    select(Program.version, CatalogVersion.version)
    .join(CatalogVersion, true())
    .where(Program.id == bindparam("program_id"))
)


def versions(session: Session, program_id: str) -> tuple[int, int] | None:
    """(program version, catalog version), or None when there is no such program.

    Read on every quote (the price-book cache key), so it goes straight to the connection.
    """
    row = session.connection().execute(_VERSIONS, {"program_id": program_id}).first()
    return None if row is None else (row[0], row[1])


def base_prices(session: Session, program_id: str) -> dict[str, int]:
    stmt = select(BasePrice.variant_sku, BasePrice.amount).where(BasePrice.program_id == program_id)
    return dict(session.execute(stmt).all())


def count_base_prices(session: Session, program_id: str) -> int:
    stmt = select(func.count()).where(BasePrice.program_id == program_id)
    return session.scalar(stmt.select_from(BasePrice)) or 0


def upsert_base_prices(session: Session, program_id: str, prices: dict[str, int]) -> None:
    existing = {
        p.variant_sku: p
        for p in session.scalars(
            select(BasePrice).where(
                BasePrice.program_id == program_id, BasePrice.variant_sku.in_(list(prices))
            )
        )
    }
    for sku, amount in prices.items():
        row = existing.get(sku)
        if row is None:
            session.add(BasePrice(program_id=program_id, variant_sku=sku, amount=amount))
        else:
            row.amount = amount


def promotions(session: Session, program_id: str) -> list[Promotion]:
    stmt = select(Promotion).where(Promotion.program_id == program_id).order_by(Promotion.id)
    return list(session.scalars(stmt))
