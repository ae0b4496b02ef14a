"""Value recovery: channels and their price lists, repair actions, disposition plans, work
orders, inventory, sales lots and sales, market prices and resale estimates, price-book
proposals and environmental receipts. Money is minor units of the program's currency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revalue.db import Base, JSONDoc, UTCDateTime


class RecoverySettings(Base):
    """A program's recovery economics; a program without a row uses the defaults."""

    __tablename__ = "recovery_settings"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), primary_key=True)
    labour_rate_per_hour: Mapped[int] = mapped_column(Integer, default=4_000)
    repair_hours_per_week: Mapped[int] = mapped_column(Integer, default=80)  # technicians'
    holding_cost_per_day: Mapped[int] = mapped_column(Integer, default=10)  # per device
    speed_weight_bp: Mapped[int] = mapped_column(Integer, default=30_000)
    horizon_days: Mapped[int] = mapped_column(Integer, default=7)  # a plan's capacity period
    target_margin_bp: Mapped[int] = mapped_column(Integer, default=2_000)  # price-book margin
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Channel(Base):
    __tablename__ = "recovery_channels"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # the program's own name for it: "ebay-us"
    name: Mapped[str] = mapped_column(String(160))
    route: Mapped[str] = mapped_column(String(30))  # domain.records.Route
    currency: Mapped[str] = mapped_column(String(3))
    fee_bp: Mapped[int] = mapped_column(Integer, default=0)
    fee_fixed: Mapped[int] = mapped_column(Integer, default=0)
    logistics_cost: Mapped[int] = mapped_column(Integer, default=0)
    days_to_sell: Mapped[int] = mapped_column(Integer, default=0)
    capacity_per_week: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelPrice(Base):
    """The channel's price for a variant at a grade ("*": any grade)."""

    __tablename__ = "recovery_channel_prices"

    channel_id: Mapped[str] = mapped_column(ForeignKey("recovery_channels.id"), primary_key=True)
    variant_sku: Mapped[str] = mapped_column(ForeignKey("catalog_variants.sku"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(2), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelDemand(Base):
    """How many devices of a model the channel takes a week (a wholesale buyer's demand)."""

    __tablename__ = "recovery_channel_demand"

    channel_id: Mapped[str] = mapped_column(ForeignKey("recovery_channels.id"), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("catalog_models.id"), primary_key=True)
    units_per_week: Mapped[int] = mapped_column(Integer)


class RepairActionRow(Base):
    __tablename__ = "recovery_repair_actions"
    __table_args__ = (UniqueConstraint("program_id", "category", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))  # "screen", "battery", "housing"
    name: Mapped[str] = mapped_column(String(120))
    fixes: Mapped[str] = mapped_column(String(30))  # the defect key it removes
    parts_cost: Mapped[int] = mapped_column(Integer)
    labour_minutes: Mapped[int] = mapped_column(Integer)
    grade_after: Mapped[str | None] = mapped_column(String(2))  # cosmetic repairs
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Plan(Base):
    """One run of the disposition optimizer over a program's waiting devices."""

    __tablename__ = "recovery_plans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # domain.recovery.PlanStatus
    strategy: Mapped[str] = mapped_column(String(30))
    horizon_days: Mapped[int] = mapped_column(Integer)
    devices: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # The solver's figures: recoveries (optimal and greedy), bound, gap, times, classes.
    summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_by: Mapped[str | None] = mapped_column(String(120))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlanDecision(Base):
    __tablename__ = "recovery_plan_decisions"
    __table_args__ = (UniqueConstraint("plan_id", "trade_in_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("recovery_plans.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    route: Mapped[str] = mapped_column(String(30))
    channel_id: Mapped[str] = mapped_column(ForeignKey("recovery_channels.id"))
    repairs: Mapped[list[str]] = mapped_column(JSONDoc)
    grade: Mapped[str] = mapped_column(String(2))
    net: Mapped[int] = mapped_column(BigInteger)  # expected net recovery
    # The option chosen, the next-best alternatives with their values, and why.
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class WorkOrder(Base):
    __tablename__ = "recovery_work_orders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("recovery_plans.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)  # WorkOrderStatus
    actions: Mapped[list[str]] = mapped_column(JSONDoc)  # repair action codes
    grade_before: Mapped[str | None] = mapped_column(String(2))
    grade_target: Mapped[str] = mapped_column(String(2))
    grade_after: Mapped[str | None] = mapped_column(String(2))  # found at quality check
    parts_cost: Mapped[int] = mapped_column(Integer)  # planned
    labour_minutes: Mapped[int] = mapped_column(Integer)  # planned
    actual_parts_cost: Mapped[int | None] = mapped_column(Integer)
    actual_labour_minutes: Mapped[int | None] = mapped_column(Integer)
    technician: Mapped[str | None] = mapped_column(String(120))
    checked_by: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InventoryItem(Base):
    """A disposed device on its way to a buyer. Where it sits is its placement (logistics)."""

    __tablename__ = "recovery_inventory"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), unique=True)
    variant_sku: Mapped[str] = mapped_column(ForeignKey("catalog_variants.sku"), index=True)
    grade: Mapped[str] = mapped_column(String(2))  # "*" for parts and recycling
    route: Mapped[str] = mapped_column(String(30))
    channel_id: Mapped[str] = mapped_column(ForeignKey("recovery_channels.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # domain.recovery.ItemStatus
    currency: Mapped[str] = mapped_column(String(3))
    paid: Mapped[int] = mapped_column(BigInteger, default=0)  # what the customer was owed
    repair_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_net: Mapped[int | None] = mapped_column(BigInteger)  # the plan's estimate
    list_price: Mapped[int | None] = mapped_column(BigInteger)
    sales_lot_id: Mapped[str | None] = mapped_column(ForeignKey("recovery_sales_lots.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SalesLot(Base):
    """A B2B wholesale lot built from inventory, sold to one buyer."""

    __tablename__ = "recovery_sales_lots"
    __table_args__ = (UniqueConstraint("program_id", "reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("recovery_channels.id"))
    reference: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))  # open, sold, cancelled
    currency: Mapped[str] = mapped_column(String(3))
    asking_price: Mapped[int | None] = mapped_column(BigInteger)
    buyer: Mapped[str | None] = mapped_column(String(160))  # a business, never a person
    sold_price: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sold_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Sale(Base):
    """The sale that ends an item's road: to a consumer, a business, a parts buyer or the
    recycler. Exactly one per item."""

    __tablename__ = "recovery_sales"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("recovery_inventory.id"), unique=True)
    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), index=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("recovery_channels.id"), index=True)
    sales_lot_id: Mapped[str | None] = mapped_column(ForeignKey("recovery_sales_lots.id"))
    price: Mapped[int] = mapped_column(BigInteger)
    fees: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # A business's name or an order reference: never a consumer's personal data.
    buyer: Mapped[str] = mapped_column(String(160))
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_by: Mapped[str] = mapped_column(String(120))


class MarketPrice(Base):
    """One observed resale price: a sale of ours, or a row of an imported market feed."""

    __tablename__ = "recovery_market_prices"
    # A feed's row (or a sale) is kept once: importing the feed again changes nothing.
    __table_args__ = (UniqueConstraint("program_id", "source", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    variant_sku: Mapped[str] = mapped_column(ForeignKey("catalog_variants.sku"), index=True)
    grade: Mapped[str] = mapped_column(String(2))
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(60))  # "sale", or the feed's name
    reference: Mapped[str] = mapped_column(String(120))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ResaleEstimate(Base):
    __tablename__ = "recovery_resale_estimates"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), primary_key=True)
    variant_sku: Mapped[str] = mapped_column(ForeignKey("catalog_variants.sku"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(2), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    observations: Mapped[int] = mapped_column(Integer)  # used
    outliers: Mapped[int] = mapped_column(Integer)  # set aside
    method: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PriceBookProposal(Base):
    """A price book regenerated from resale estimates, waiting for a reviewer."""

    __tablename__ = "recovery_pricebook_proposals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # proposed, applied, rejected, superseded
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    prices: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # sku, current, proposed
    impact: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # how quotes would change
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(String(400), default="")


class EnvironmentalReceipt(Base):
    """Issued when an item's road ends; it keeps the factor version it was computed with."""

    __tablename__ = "recovery_environmental_receipts"

    trade_in_id: Mapped[str] = mapped_column(ForeignKey("trade_ins.id"), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("programs.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(30))
    factor_version: Mapped[str] = mapped_column(String(20))
    mass_g: Mapped[int] = mapped_column(Integer)
    diverted_g: Mapped[int] = mapped_column(Integer)
    recycled_g: Mapped[int] = mapped_column(Integer)
    co2e_avoided_g: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
