"""Value recovery: what a graded, sanitized device can become, and what each way earns.

A route is a repair plan (none, functional repairs, functional and cosmetic) and a channel
(refurbished direct sale, marketplace, wholesale, parts harvesting, recycling). Its expected
net recovery is the channel's price for the model and the grade the device leaves at, less the
channel's fees, the repair's parts and labour, the logistics to the buyer and the holding cost
over the channel's days to sell. The program's strategy weighs days: ``maximize_speed`` counts
each day's holding cost ``speed_weight_bp`` times over in the score the optimizer maximizes,
while the recovery reported stays the plain expected net.

This module holds the values the optimizer, the planning service and the reports share; it is
pure, so the same inputs always give the same options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from revalue.domain.condition import Grade
from revalue.domain.records import Route

ANY_GRADE = "*"  # a channel price that does not depend on the grade (parts, recycling)
COSMETIC = "cosmetic"  # the defect key of a cosmetic refurbishment (housing, polish)


class WorkOrderStatus(StrEnum):
    PLANNED = "planned"
    IN_REPAIR = "in_repair"
    QC_PASSED = "qc_passed"
    QC_FAILED = "qc_failed"
    CANCELLED = "cancelled"


WORK_ORDER_MOVES: Mapping[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    WorkOrderStatus.PLANNED: frozenset({WorkOrderStatus.IN_REPAIR, WorkOrderStatus.CANCELLED}),
    WorkOrderStatus.IN_REPAIR: frozenset({WorkOrderStatus.QC_PASSED, WorkOrderStatus.QC_FAILED}),
    WorkOrderStatus.QC_PASSED: frozenset(),
    WorkOrderStatus.QC_FAILED: frozenset(),  # a new work order, or another route, follows
    WorkOrderStatus.CANCELLED: frozenset(),
}


class ItemStatus(StrEnum):
    """An inventory item: a disposed device on its way to a buyer."""

    IN_REPAIR = "in_repair"  # a work order is open
    AVAILABLE = "available"  # ready to list or put in a lot
    LISTED = "listed"  # offered on its channel
    RESERVED = "reserved"  # in an open B2B sales lot
    SOLD = "sold"  # reused: sold on a resale channel
    HARVESTED = "harvested"  # sold for parts
    RECYCLED = "recycled"  # handed to the recycler


# An item's last status: its custody chain ends with the sale that led there.
CLOSED = frozenset({ItemStatus.SOLD, ItemStatus.HARVESTED, ItemStatus.RECYCLED})


def closing_status(route: Route) -> ItemStatus:
    if route == Route.PARTS:
        return ItemStatus.HARVESTED
    if route == Route.RECYCLE:
        return ItemStatus.RECYCLED
    return ItemStatus.SOLD


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    APPLIED = "applied"
    SUPERSEDED = "superseded"  # a newer plan was made for the program before this one applied


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelTerms:
    """One channel as the optimizer sees it, capacities scaled to the plan's horizon."""

    id: str
    route: Route
    fee_bp: int = 0  # share of the sale price
    fee_fixed: int = 0  # minor units per device
    logistics_cost: int = 0  # minor units per device, to the buyer
    days_to_sell: int = 0
    capacity: int | None = None  # devices within the horizon; None: unlimited
    model_capacity: Mapping[str, int] = field(default_factory=dict)  # model_id -> devices
    prices: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (sku, grade|ANY)

    def price(self, sku: str, grade: str) -> int | None:
        exact = self.prices.get((sku, grade))
        return exact if exact is not None else self.prices.get((sku, ANY_GRADE))


@dataclass(frozen=True, slots=True, kw_only=True)
class RepairAction:
    code: str  # "screen", "battery", "housing"
    fixes: str  # the defect it removes: "screen_cracked", a Fault, or COSMETIC
    parts_cost: int
    labour_minutes: int
    grade_after: Grade | None = None  # for COSMETIC: the grade the device leaves at


@dataclass(frozen=True, slots=True, kw_only=True)
class Economics:
    strategy: str = "maximize_value"  # programs' ResaleStrategy values
    labour_rate_per_hour: int = 0
    holding_cost_per_day: int = 0
    speed_weight_bp: int = 30_000  # maximize_speed: each day's holding cost counts 3 times
    repair_minutes: int | None = None  # technician minutes within the horizon; None: unlimited


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """A device waiting for its route, as inspected and screened."""

    trade_in_id: str
    model_id: str
    variant_sku: str
    category: str
    grade: Grade | None  # None: does not work (or is locked): no resale grade
    defects: frozenset[str] = frozenset()  # "screen_cracked" and faults found
    # Why no reuse route (blocklisted, locked, erasure not done or not verified); None: open.
    resale_block: str | None = None
    # Why no parts either (blocklisted: recycling only); None: open.
    parts_block: str | None = None

    @property
    def profile(self) -> tuple[object, ...]:
        """Interchangeable devices share a profile: the optimizer counts them as one class."""
        return (
            self.model_id,
            self.variant_sku,
            self.category,
            self.grade,
            self.defects,
            self.resale_block is not None,
            self.parts_block is not None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One route for one device, with its expected money."""

    route: Route
    channel_id: str
    repairs: tuple[str, ...]  # repair action codes
    grade: str  # the grade it is sold at (ANY_GRADE for parts and recycling)
    price: int
    fees: int
    repair_cost: int
    labour_minutes: int
    logistics_cost: int
    holding_cost: int
    days_to_sell: int
    net: int  # expected net recovery: price - fees - repair - logistics - holding
    score: int  # what the optimizer maximizes: net, less the speed strategy's extra weight
