"""What the environmental and report endpoints answer. Money is minor units with its currency;
shares and margins basis points; masses grams (exact) and kilograms (for people)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CategoryFactorsOut(_Out):
    production_g: int = Field(description="CO2e of making a new device, grams")
    refurbishment_g: int = Field(description="CO2e of refurbishing one, grams")
    mass_g: int = Field(description="Typical mass, used when the catalog has no weight")


class FactorVersionOut(_Out):
    version: str = Field(examples=["2026.1"])
    published: date
    method: str
    rebound_bp: int = Field(description="Share of reuse savings eroded by rebound effects")
    sources: list[str]
    categories: dict[str, CategoryFactorsOut]


class FactorsOut(_Out):
    current: str = Field(description="The version new receipts are issued with")
    versions: list[FactorVersionOut]


class ReceiptOut(_Out):
    trade_in_id: str
    program_id: str
    device: str = Field(examples=["Apple iPhone 15"])
    category: str
    route: str
    factor_version: str
    mass_g: int
    diverted_g: int = Field(description="Kept in use: resold, refurbished or wholesale")
    recycled_g: int = Field(description="Handed on responsibly: harvested for parts, recycled")
    co2e_avoided_g: int = Field(description="Reuse only; zero for parts and recycling")
    issued_at: datetime
    method: str = Field(description="How the factor version computes the figures")
    sources: list[str]


class EnvironmentTotalOut(_Out):
    factor_version: str
    category: str
    route: str
    devices: int
    mass_g: int
    diverted_g: int
    recycled_g: int
    co2e_avoided_g: int
    mass_kg: float
    diverted_kg: float
    recycled_kg: float
    co2e_avoided_kg: float


class EnvironmentOut(_Out):
    program_id: str
    versions: list[EnvironmentTotalOut] = Field(
        description="Per factor version: its totals (category and route ``*``)"
    )
    lines: list[EnvironmentTotalOut] = Field(description="Per version, category and route")


class RecoveryRowOut(_Out):
    group: str = Field(description="The channel's code, the model, the grade or the month")
    currency: str
    devices: int
    revenue: int = Field(description="Sale prices, minor units")
    fees: int
    repair_cost: int
    paid: int = Field(description="What the customers were owed for these devices")
    net: int = Field(description="revenue - fees - repair_cost")
    margin: int = Field(description="net - paid")
    margin_bp: int = Field(description="margin as basis points of revenue")


class RecoveryOut(_Out):
    program_id: str
    by: str
    rows: list[RecoveryRowOut]
    totals: list[RecoveryRowOut] = Field(description="The rows added up, per currency")


class MixRowOut(_Out):
    route: str
    channel: str = Field(description="The channel's code; empty with no inventory item")
    devices: int
    share_bp: int
    reuse: bool


class SpeedRowOut(_Out):
    channel: str
    sold: int
    mean_days: float
    median_days: float
    p90_days: float


class RequoteRowOut(_Out):
    month: str = Field(examples=["2026-06"])
    inspected: int
    requoted: int
    requote_rate_bp: int
    accepted: int
    declined: int
    open: int


class StageRowOut(_Out):
    state: str
    devices: int
    mean_hours: float
    median_hours: float
    p90_hours: float


class ObjectiveRowOut(_Out):
    metric: str
    target: int
    actual: int
    met: bool


class SummaryOut(_Out):
    program_id: str
    currency: str
    start: date | None = Field(None, serialization_alias="from")
    end: date | None = Field(None, serialization_alias="to")
    recovery: RecoveryOut
    disposition_mix: list[MixRowOut]
    days_to_sell: list[SpeedRowOut]
    requotes: list[RequoteRowOut]
    stages: list[StageRowOut]
    objectives: list[ObjectiveRowOut]
    environment: EnvironmentOut
