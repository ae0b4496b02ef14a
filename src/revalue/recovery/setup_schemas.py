"""Request and response bodies of a program's recovery set-up: settings, channels, price lists,
demand and repair actions. Money is minor units of the program's currency."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictInt

from revalue.domain.condition import Grade
from revalue.domain.records import Route
from revalue.schemas_common import BasisPoints, MinorUnits, Strict

Count = StrictInt


class SettingsIn(Strict):
    labour_rate_per_hour: MinorUnits = Field(description="A technician hour, minor units")
    repair_hours_per_week: Count = Field(ge=0, le=10_000, examples=[80])
    holding_cost_per_day: MinorUnits = Field(description="Per device waiting for its buyer")
    speed_weight_bp: Count = Field(
        ge=0,
        le=1_000_000,
        examples=[30_000],
        description="maximize_speed: how many times a day's holding cost counts (10,000 = once)",
    )
    horizon_days: Count = Field(ge=1, le=365, examples=[7], description="A plan's period")
    target_margin_bp: BasisPoints = Field(description="The margin price-book proposals keep")


class SettingsOut(SettingsIn):
    program_id: str
    saved: bool = Field(description="False: the defaults, never saved for this program")
    updated_at: datetime | None


class ChannelIn(Strict):
    code: str = Field(
        min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9._-]*$", examples=["ebay-us"]
    )
    name: str = Field(min_length=1, max_length=160, examples=["eBay US refurbished"])
    route: Route
    fee_bp: BasisPoints = 0
    fee_fixed: MinorUnits = 0
    logistics_cost: MinorUnits = 0
    days_to_sell: Count = Field(0, ge=0, le=3650)
    capacity_per_week: Count | None = Field(None, ge=0, le=10**7, description="None: unlimited")
    active: bool = True


class ChannelPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=160)
    fee_bp: BasisPoints | None = None
    fee_fixed: MinorUnits | None = None
    logistics_cost: MinorUnits | None = None
    days_to_sell: Count | None = Field(None, ge=0, le=3650)
    capacity_per_week: Count | None = Field(None, ge=0, le=10**7, description="null: unlimited")
    active: bool | None = None


class ChannelOut(BaseModel):
    id: str
    program_id: str
    code: str
    name: str
    route: str
    currency: str
    fee_bp: int
    fee_fixed: int
    logistics_cost: int
    days_to_sell: int
    capacity_per_week: int | None
    active: bool
    created_at: datetime
    updated_at: datetime


class PriceIn(Strict):
    """One price line; checked with the whole list, every problem named by its line."""

    variant_sku: str = Field(max_length=160, examples=["apple-iphone-15-128gb"])
    grade: str = Field(max_length=2, examples=["B"], description='A, B, C, D, or "*": any grade')
    amount: StrictInt = Field(examples=[41000])


class PriceOut(BaseModel):
    variant_sku: str
    grade: str
    amount: int


class PriceListOut(BaseModel):
    channel_id: str
    currency: str
    prices: list[PriceOut]


class DemandIn(Strict):
    model_id: str = Field(max_length=120, examples=["apple-iphone-15"])
    units_per_week: Count = Field(ge=0, le=10**7)


class DemandOut(BaseModel):
    channel_id: str
    demand: list[DemandIn]


class RepairActionIn(Strict):
    code: str = Field(
        min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9._-]*$", examples=["screen"]
    )
    category: str = Field(examples=["smartphone"])
    name: str = Field(min_length=1, max_length=120, examples=["Screen replacement"])
    fixes: str = Field(
        examples=["screen_cracked"],
        description='"screen_cracked", a fault of the category, or "cosmetic" (with grade_after)',
    )
    parts_cost: MinorUnits
    labour_minutes: Count = Field(ge=0, le=10_000)
    grade_after: Grade | None = Field(None, description="Cosmetic repairs: the grade after")
    active: bool = True


class RepairActionOut(RepairActionIn):
    id: int


class RepairActionsIn(Strict):
    actions: list[RepairActionIn] = Field(max_length=500)
