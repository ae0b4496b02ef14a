"""Catalog queries. Services call these; nothing else in the catalog writes SQL."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from revalue.catalog.models import CatalogVersion, DeviceModel, ModelIdentifier, Variant


def get_model(session: Session, model_id: str) -> DeviceModel | None:
    return session.get(
        DeviceModel,
        model_id,
        options=[selectinload(DeviceModel.variants), selectinload(DeviceModel.identifiers)],
    )


def get_variant(session: Session, sku: str) -> Variant | None:
    return session.get(Variant, sku)


def models_by_id(session: Session, ids: Iterable[str]) -> dict[str, DeviceModel]:
    ids = list(ids)
    rows = session.scalars(
        select(DeviceModel)
        .where(DeviceModel.id.in_(ids))
        .options(selectinload(DeviceModel.identifiers))
    )
    return {m.id: m for m in rows}


def variants_by_sku(session: Session, skus: Iterable[str]) -> dict[str, Variant]:
    skus = list(skus)
    return {v.sku: v for v in session.scalars(select(Variant).where(Variant.sku.in_(skus)))}


def identifier_owners(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple, str]:
    pairs = list(pairs)
    if not pairs:
        return {}
    stmt = select(ModelIdentifier.scheme, ModelIdentifier.value, ModelIdentifier.model_id).where(
        tuple_(ModelIdentifier.scheme, ModelIdentifier.value).in_(pairs)
    )
    return {(s, v): m for s, v, m in session.execute(stmt)}


def list_models(
    session: Session, *, category: str | None, brand: str | None, search: str | None
) -> list[DeviceModel]:
    stmt = select(DeviceModel).options(selectinload(DeviceModel.variants))
    if category:
        stmt = stmt.where(DeviceModel.category == category)
    if brand:
        stmt = stmt.where(func.lower(DeviceModel.brand) == brand.lower())
    if search:
        like = f"%{search.lower()}%"
        stmt = stmt.where(
            or_(func.lower(DeviceModel.name).like(like), func.lower(DeviceModel.brand).like(like))
        )
    return list(
        session.scalars(stmt.order_by(func.lower(DeviceModel.brand), func.lower(DeviceModel.name)))
    )


def all_models(session: Session) -> list[DeviceModel]:
    stmt = (
        select(DeviceModel)
        .options(selectinload(DeviceModel.variants), selectinload(DeviceModel.identifiers))
        .order_by(DeviceModel.id)
    )
    return list(session.scalars(stmt))


def variant_facts(session: Session) -> list[tuple[str, str, str, object]]:
    """(sku, model_id, category, release_date) for every variant: what pricing needs."""
    stmt = select(Variant.sku, DeviceModel.id, DeviceModel.category, DeviceModel.release_date).join(
        DeviceModel, Variant.model_id == DeviceModel.id
    )
    return [tuple(r) for r in session.execute(stmt)]


def bump_version(session: Session) -> None:
    session.execute(
        update(CatalogVersion)
        .where(CatalogVersion.id == 1)
        .values(version=CatalogVersion.version + 1)
    )
