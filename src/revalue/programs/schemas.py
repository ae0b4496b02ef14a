from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from revalue.domain import branding
from revalue.domain.catalog import Category
from revalue.domain.condition import Grade
from revalue.domain.fairness import Lapse, LockExpiry
from revalue.domain.logistics import Kits, LossProtection, ShipLapse
from revalue.domain.pricing import (
    DEFAULT_DEDUCTIONS_BP,
    DEFAULT_GRADE_MULTIPLIERS_BP,
    DEFAULT_MONTHLY_DEPRECIATION_BP,
)
from revalue.domain.program import ObjectiveMetric, Pathway, PayoutMethod, ResaleStrategy
from revalue.schemas_common import BasisPoints, CurrencyCode, MinorUnits, Slug, Strict, UTCTime


class PayoutOptionIn(Strict):
    method: PayoutMethod
    bonus_bp: BasisPoints = Field(0, description="Bonus in basis points: 1000 = +10%")


def _one_per_method(options: list[PayoutOptionIn]) -> list[PayoutOptionIn]:
    methods = [o.method for o in options]
    if len(set(methods)) != len(methods):
        raise ValueError("each payout method may appear once")
    return options


PayoutOptions = Annotated[
    list[PayoutOptionIn], Field(min_length=1), AfterValidator(_one_per_method)
]


class BrandingIn(Strict):
    display_name: str | None = Field(
        None, min_length=1, max_length=80, description="The name customers see (default: name)"
    )
    primary: str = Field(
        branding.DEFAULT.primary,
        examples=["#1f4e79"],
        description="Headers and main buttons, under white text (contrast at least 4.5:1)",
    )
    accent: str = Field(
        branding.DEFAULT.accent,
        examples=["#a1410d"],
        description="Links and focus rings, on white (contrast at least 3:1)",
    )
    logo_url: str | None = Field(
        None,
        max_length=500,
        pattern=r"^(https://|/)[^\s\"'<>]*$",
        description="An https:// address, or a path on this installation",
    )

    @model_validator(mode="after")
    def _readable(self) -> BrandingIn:
        try:
            branding.check(branding.Branding(**self.model_dump()))
        except branding.InvalidInput as exc:
            raise ValueError(exc.message) from None
        return self


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
    payout_options: PayoutOptions
    quote_validity_days: int = Field(14, ge=1, le=90, description="Price lock, in days")
    retention_days: int = Field(
        730,
        ge=0,
        le=3650,
        description="Days after a trade-in closes before its customer's personal data is erased",
    )
    resale_strategy: ResaleStrategy = ResaleStrategy.MAXIMIZE_VALUE
    objectives: list[ObjectiveIn] = Field(default_factory=list)
    branding: BrandingIn = Field(default_factory=BrandingIn)
    pricing: PricingRules = Field(default_factory=PricingRules)
    grading_scale: str = Field(
        "ctia", max_length=40, description="The grading scale inspections are priced by"
    )
    requote_tolerance_bp: BasisPoints = Field(
        1000, description="A found offer this far below the quote still honours the quote"
    )
    requote_tolerance_steps: int = Field(
        0, ge=0, le=4, description="Cosmetic grade steps honoured when nothing else differs"
    )
    upward_requote: bool = Field(True, description="A better device than declared raises the offer")
    requote_window_days: int = Field(14, ge=1, le=60, description="Days to answer a re-quote")
    requote_lapse: Lapse = Field(
        Lapse.RETURN, description="An unanswered re-quote: return the device, or accept"
    )
    second_opinion_above: MinorUnits | None = Field(
        None, description="A re-quote cutting more than this waits for a second inspector"
    )
    second_opinion_sample_bp: BasisPoints = Field(
        500, description="Share of inspections a second inspector checks at random"
    )
    erasure_verification_bp: BasisPoints = Field(
        500, description="Share of erasure records someone other than the operator verifies"
    )
    payout_approval_above: MinorUnits | None = Field(
        None, description="Payouts above this need a second person's approval (None: never)"
    )
    payout_sla_business_days: int = Field(
        2, ge=0, le=60, description="Business days from the final offer to the payout"
    )
    loyalty_points_per_unit: int = Field(
        100, ge=1, le=100_000, description="Loyalty points per whole currency unit paid"
    )
    coupon_days: int = Field(90, ge=1, le=3650, description="Days a purchase coupon lasts")
    instant_credit: bool = Field(
        False,
        description="In store and at kiosks, store credit at hand-over, adjusted (or clawed "
        "back) once the offer is final",
    )
    lock_grace_days: int = Field(14, ge=1, le=90, description="Days to remove a lock found")
    lock_expiry: LockExpiry = Field(
        LockExpiry.RETURN, description="A lock still on after the grace period: return or recycle"
    )
    duplicate_window_days: int = Field(
        90, ge=1, le=3650, description="A device traded in again within this many days is flagged"
    )
    velocity_max: int = Field(3, ge=1, le=1000, description="Trade-ins per customer per period")
    velocity_days: int = Field(30, ge=1, le=365, description="The velocity period, in days")
    receiving_site_id: str | None = Field(
        None, max_length=60, description="The processing site mail-in labels are addressed to"
    )
    kits: Kits = Field(Kits.ON_REQUEST, description="Who is sent a mailing kit with the label")
    ship_by_days: int = Field(14, ge=1, le=90, description="Days after acceptance to ship")
    ship_lapse: ShipLapse = Field(
        ShipLapse.EXPIRE, description="An unshipped acceptance: expire, or reprice at today's book"
    )
    transit_loss_days: int = Field(
        10, ge=1, le=90, description="Days in transit before a parcel is suspected lost"
    )
    loss_protection: LossProtection = Field(
        LossProtection.PAY_QUOTE,
        description="A lost parcel's customer is paid as quoted: at once, or after the search",
    )
    transfer_loss_days: int = Field(
        5, ge=1, le=60, description="Days a store's batch may take to reach its site"
    )
    receipt_payout_days: int = Field(5, ge=0, le=60, description="Days from receipt to payout")
    weight_tolerance_g: int = Field(
        120, ge=0, le=100_000, description="Weighed vs declared parcel difference flagged (g)"
    )

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
    payout_options: PayoutOptions | None = None
    quote_validity_days: int | None = Field(None, ge=1, le=90)
    retention_days: int | None = Field(None, ge=0, le=3650)
    resale_strategy: ResaleStrategy | None = None
    objectives: list[ObjectiveIn] | None = None
    branding: BrandingIn | None = None
    pricing: PricingRules | None = None
    grading_scale: str | None = Field(None, max_length=40)
    requote_tolerance_bp: BasisPoints | None = None
    requote_tolerance_steps: int | None = Field(None, ge=0, le=4)
    upward_requote: bool | None = None
    requote_window_days: int | None = Field(None, ge=1, le=60)
    requote_lapse: Lapse | None = None
    second_opinion_above: MinorUnits | None = None
    second_opinion_sample_bp: BasisPoints | None = None
    erasure_verification_bp: BasisPoints | None = None
    payout_approval_above: MinorUnits | None = None
    payout_sla_business_days: int | None = Field(None, ge=0, le=60)
    loyalty_points_per_unit: int | None = Field(None, ge=1, le=100_000)
    coupon_days: int | None = Field(None, ge=1, le=3650)
    instant_credit: bool | None = None
    lock_grace_days: int | None = Field(None, ge=1, le=90)
    lock_expiry: LockExpiry | None = None
    duplicate_window_days: int | None = Field(None, ge=1, le=3650)
    velocity_max: int | None = Field(None, ge=1, le=1000)
    velocity_days: int | None = Field(None, ge=1, le=365)
    receiving_site_id: str | None = Field(None, max_length=60)
    kits: Kits | None = None
    ship_by_days: int | None = Field(None, ge=1, le=90)
    ship_lapse: ShipLapse | None = None
    transit_loss_days: int | None = Field(None, ge=1, le=90)
    loss_protection: LossProtection | None = None
    transfer_loss_days: int | None = Field(None, ge=1, le=60)
    receipt_payout_days: int | None = Field(None, ge=0, le=60)
    weight_tolerance_g: int | None = Field(None, ge=0, le=100_000)


class ProgramOut(BaseModel):
    id: str
    name: str
    currency: str
    accepted_categories: list[Category]
    pathways: list[Pathway]
    payout_options: list[PayoutOptionIn]
    quote_validity_days: int
    retention_days: int
    resale_strategy: ResaleStrategy
    objectives: list[ObjectiveIn]
    branding: BrandingIn
    pricing: PricingRules
    grading_scale: str
    requote_tolerance_bp: int
    requote_tolerance_steps: int
    upward_requote: bool
    requote_window_days: int
    requote_lapse: Lapse
    second_opinion_above: int | None
    second_opinion_sample_bp: int
    erasure_verification_bp: int
    payout_approval_above: int | None
    payout_sla_business_days: int
    loyalty_points_per_unit: int
    coupon_days: int
    instant_credit: bool
    lock_grace_days: int
    lock_expiry: LockExpiry
    duplicate_window_days: int
    velocity_max: int
    velocity_days: int
    receiving_site_id: str | None
    kits: Kits
    ship_by_days: int
    ship_lapse: ShipLapse
    transit_loss_days: int
    loss_protection: LossProtection
    transfer_loss_days: int
    receipt_payout_days: int
    weight_tolerance_g: int
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
    starts_at: UTCTime
    ends_at: UTCTime
    model_id: str | None = None
    category: Category | None = None
    amount: MinorUnits = 0
    percent_bp: BasisPoints = Field(0, validate_default=True)

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("ends_at must be after starts_at")
        return ends_at

    @field_validator("percent_bp")
    @classmethod
    def _adds_something(cls, percent_bp: int, info: ValidationInfo) -> int:
        if not percent_bp and not info.data.get("amount"):
            raise ValueError("a promotion adds an amount or a percent_bp")
        return percent_bp


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
