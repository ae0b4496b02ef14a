from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from revalue.db import Base


class DeviceModel(Base):
    __tablename__ = "catalog_models"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    brand: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(20), index=True)
    release_date: Mapped[date] = mapped_column(Date)
    weight_g: Mapped[int] = mapped_column(Integer)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="model", order_by="Variant.sku", cascade="all, delete-orphan"
    )
    identifiers: Mapped[list[ModelIdentifier]] = relationship(
        back_populates="model", order_by="ModelIdentifier.id", cascade="all, delete-orphan"
    )


class ModelIdentifier(Base):
    """A code that names the model: an Apple product identifier, a model code, a TAC."""

    __tablename__ = "catalog_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("catalog_models.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(60))

    model: Mapped[DeviceModel] = relationship(back_populates="identifiers")


class Variant(Base):
    __tablename__ = "catalog_variants"

    sku: Mapped[str] = mapped_column(String(160), primary_key=True)
    model_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_models.id", ondelete="CASCADE"), index=True
    )
    storage_gb: Mapped[int] = mapped_column(Integer)
    ram_gb: Mapped[int | None] = mapped_column(Integer)
    connectivity: Mapped[str | None] = mapped_column(String(20))
    launch_price: Mapped[int] = mapped_column(Integer)  # minor units
    currency: Mapped[str] = mapped_column(String(3))

    model: Mapped[DeviceModel] = relationship(back_populates="variants")


class CatalogVersion(Base):
    """One row: bumped by every catalog change, so caches in every process can key on it."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
