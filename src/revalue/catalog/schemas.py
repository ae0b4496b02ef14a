from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from revalue.domain.catalog import Category


class VariantOut(BaseModel):
    sku: str
    model_id: str
    storage_gb: int
    ram_gb: int | None
    connectivity: str | None
    launch_price: int = Field(description="Minor units")
    currency: str


class IdentifierOut(BaseModel):
    scheme: str = Field(examples=["apple"])
    value: str = Field(examples=["iPhone16,1"])


class ModelSummary(BaseModel):
    id: str
    brand: str
    name: str
    category: Category
    release_date: date
    weight_g: int


class ModelOut(ModelSummary):
    identifiers: list[IdentifierOut]
    variants: list[VariantOut]


class RowErrorOut(BaseModel):
    line: int
    field: str
    reason: str


class ImportReportOut(BaseModel):
    rows: int
    models_created: int
    models_updated: int
    variants_created: int
    variants_updated: int
    errors: list[RowErrorOut]
