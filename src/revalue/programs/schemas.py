from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from revalue.domain.catalog import Category
from revalue.domain.pricing import (
    DEFAULT_DEDUCTIONS_BP,
    DEFAULT_GRADE_MULTIPLIERS_BP,
    DEFAULT_MONTHLY_DEPRECIATION_BP,
    Grade,
)
from revalue.domain.program import ObjectiveMetric, Pathway, PayoutMethod, ResaleStrategy
from revalue.schemas_common import BasisPoints, CurrencyCode, MinorUnits, Slug, Strict


class PayoutOptionIn(Strict):
    method: PayoutMethod
    bonus_bp: BasisPoints = Field(0, description="Bonus in basis points: 1000 = +10%")


class ObjectiveIn(Strict):
    metric: ObjectiveMetric
    target: int = Field(ge=0, description="Devices a month, or basis points for shares")


class PricingRules(Strict):
    grade_multipliers_bp: dict[Grade, BasisPoints] = Field(
        default_factory=lambda: dict(DEFAULT_GRADE_MULTIPLIERS_BP)
    )
    deductions_bp: dict[str, BasisPoints] = Field(
        default_factory=lambda: {str(k): v for k, v in DEFAULT_DEDUCTIONS_BP.items()}
    )
    monthly_depreciation_bp: dict[Category, BasisPoints] = Field(
        default_factory=lambda: dict(DEFAULT_MONTHLY_DEPRECIATION_BP)
    )
    max_depreciation_bp: BasisPoints = 8_500
    floor: MinorUnits = Field(500, description="Least a working device gets, minor units")
    rounding_increment: MinorUnits = Field(100, ge=1, description="Offers round down to this")


class ProgramIn(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=160, examples=["Acme Trade-In"])
    currency: CurrencyCode
    accepted_categories: list[Category] = Field(min_length=1)
    pathways: list[Pathway] = Field(min_length=1)
    payout_options: list[PayoutOptionIn] = Field(min_length=1)
    quote_validity_days: int = Field(14, ge=1, le=90, description="Price lock, in days")
    resale_strategy: ResaleStrategy = ResaleStrategy.MAXIMIZE_VALUE
    objectives: list[ObjectiveIn] = Field(default_factory=list)
    pricing: PricingRules = Field(default_factory=PricingRules)

    @model_validator(mode="after")
    def _unique(self) -> ProgramIn:
        methods = [o.method for o in self.payout_options]
        if len(set(methods)) != len(methods):
            raise ValueError("payout_options: each method may appear once")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "acme-us",
                    "name": "Acme Trade-In",
                    "currency": "USD",
                    "accepted_categories": ["smartphone", "tablet"],
                    "pathways": ["in_store", "mail_in"],
                    "payout_options": [
                        {"method": "cash", "bonus_bp": 0},
                        {"method": "store_credit", "bonus_bp": 1000},
                    ],
                }
            ]
        },
    )


class ProgramPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=160)
    accepted_categories: list[Category] | None = Field(None, min_length=1)
    pathways: list[Pathway] | None = Field(None, min_length=1)
    payout_options: list[PayoutOptionIn] | None = Field(None, min_length=1)
    quote_validity_days: int | None = Field(None, ge=1, le=90)
    resale_strategy: ResaleStrategy | None = None
    objectives: list[ObjectiveIn] | None = None
    pricing: PricingRules | None = None


class ProgramOut(BaseModel):
    id: str
    name: str
    currency: str
    accepted_categories: list[Category]
    pathways: list[Pathway]
    payout_options: list[PayoutOptionIn]
    quote_validity_days: int
    resale_strategy: ResaleStrategy
    objectives: list[ObjectiveIn]
    pricing: PricingRules
    version: int
    priced_variants: int
    created_at: datetime
    updated_at: datetime


class BasePriceIn(Strict):
    variant_sku: str = Field(examples=["apple-iphone-15-128gb"])
    amount: MinorUnits = Field(description="Top-grade value at release, minor units")


class BasePricesIn(Strict):
    prices: list[BasePriceIn] = Field(min_length=1)


class DerivePricesIn(Strict):
    share_of_launch_bp: BasisPoints = Field(
        5_500, description="Base price = this share of the variant's launch price"
    )
    categories: list[Category] | None = Field(None, description="Default: all accepted")


class PricesUpdated(BaseModel):
    program_id: str
    updated: int
    version: int


class PromotionIn(Strict):
    name: str = Field(min_length=1, max_length=120, examples=["Back to school"])
    starts_at: datetime
    ends_at: datetime
    model_id: str | None = None
    category: Category | None = None
    amount: MinorUnits = 0
    percent_bp: BasisPoints = 0

    @model_validator(mode="after")
    def _check(self) -> PromotionIn:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("starts_at and ends_at need a UTC offset (e.g. 2026-12-01T00:00Z)")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if not self.amount and not self.percent_bp:
            raise ValueError("a promotion adds an amount or a percent_bp")
        return self


class PromotionOut(PromotionIn):
    id: int


class PriceListEntry(BaseModel):
    model_id: str
    variant_sku: str
    brand: str
    name: str
    category: Category
    top_offer: int = Field(description="Best offer for a flawless working device, minor units")
    currency: str
