"""Every route a device may take, with its money: the options the disposition optimizer weighs.

A device has up to three repair plans: as it is; with every functional defect repaired (only
when the program has an action for each defect); and that, plus the cosmetic refurbishment
that earns most on the channel (only one whose ``grade_after`` beats the device's grade). A
working device with no functional defect left sells at its grade, or the cosmetic action's
``grade_after``; one sold with its defects goes out as grade D; a device that does not work
(grade None) has parts and recycling only. Parts and recycling take the device as it is, at
the channel's ``ANY_GRADE`` price. A channel without a price for the SKU and grade offers no
option, except recycling, which takes every device (at 0 when it lists no price).

Blocks: a resale block (blocklisted, locked, erasure not done or not verified) removes every
reuse route; a parts block leaves recycling only.

Money, integers in minor units, each rounded once:
``fees = price * fee_bp // 10000 + fee_fixed``; ``repair_cost = parts + ceil(minutes *
labour_rate_per_hour / 60)`` over the plan's actions together; ``holding = days_to_sell *
holding_cost_per_day``; ``net = price - fees - repair_cost - logistics - holding``. The score
is ``net`` under ``maximize_value``; under ``maximize_speed`` it is ``net - holding *
(speed_weight_bp - 10000) // 10000`` (the extra weight rounded down to a whole minor unit;
a score only ranks routes, so the sub-unit never reaches money).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from revalue.domain.condition import Grade
from revalue.domain.records import REUSE_ROUTES, Route
from revalue.domain.recovery import (
    ANY_GRADE,
    COSMETIC,
    ChannelTerms,
    Device,
    Economics,
    Option,
    RepairAction,
)

GRADE_ORDER = (Grade.A, Grade.B, Grade.C, Grade.D)  # best first
AS_IS_DEFECTIVE = Grade.D  # the grade a device sells at with its functional defects
SPEED = "maximize_speed"


def labour_cost(minutes: int, rate_per_hour: int) -> int:
    """Minutes of labour at an hourly rate, rounded up to the minor unit: the plan's estimate
    and the work order's actual cost round the same way."""
    return -(-minutes * rate_per_hour // 60)


def _repair_cost(actions: Sequence[RepairAction], economics: Economics) -> tuple[int, int]:
    """Parts plus labour (minutes priced together, rounded up once) and the minutes."""
    minutes = sum(a.labour_minutes for a in actions)
    labour = labour_cost(minutes, economics.labour_rate_per_hour)
    return sum(a.parts_cost for a in actions) + labour, minutes


def _cheapest(actions: Sequence[RepairAction], economics: Economics) -> RepairAction:
    return min(actions, key=lambda a: (_repair_cost([a], economics), a.code))


def _functional_plan(
    device: Device, repairs: Sequence[RepairAction], economics: Economics
) -> list[RepairAction] | None:
    """The cheapest action for each defect, or None when a defect has no action."""
    plan = []
    for defect in sorted(device.defects):
        fixing = [a for a in repairs if a.fixes == defect]
        if not fixing:
            return None
        plan.append(_cheapest(fixing, economics))
    return plan


@dataclass(frozen=True, slots=True)
class _Plan:
    kind: str  # "as_is", "functional" or "cosmetic": a channel offers the best cosmetic one
    codes: tuple[str, ...]
    grade: str
    repair_cost: int
    minutes: int


def _plans(device: Device, repairs: Sequence[RepairAction], economics: Economics) -> list[_Plan]:
    """The repair plans of a working device, each with the grade it then sells at."""
    assert device.grade is not None

    def plan(kind: str, actions: Sequence[RepairAction], grade: str) -> _Plan:
        cost, minutes = _repair_cost(actions, economics)
        return _Plan(kind, tuple(a.code for a in actions), grade, cost, minutes)

    found = [plan("as_is", [], AS_IS_DEFECTIVE if device.defects else device.grade)]
    functional = _functional_plan(device, repairs, economics)
    if functional is None:
        return found
    if functional:
        found.append(plan("functional", functional, device.grade))
    rank = GRADE_ORDER.index(device.grade)
    found.extend(
        plan("cosmetic", [*functional, a], a.grade_after)
        for a in repairs
        if a.fixes == COSMETIC
        and a.grade_after is not None
        and GRADE_ORDER.index(Grade(a.grade_after)) < rank
    )
    return found


def _option(*, channel: ChannelTerms, plan: _Plan, price: int, economics: Economics) -> Option:
    fees = price * channel.fee_bp // 10_000 + channel.fee_fixed
    holding = channel.days_to_sell * economics.holding_cost_per_day
    net = price - fees - plan.repair_cost - channel.logistics_cost - holding
    score = net
    if economics.strategy == SPEED:
        score = net - holding * (economics.speed_weight_bp - 10_000) // 10_000
    return Option(
        route=channel.route,
        channel_id=channel.id,
        repairs=plan.codes,
        grade=plan.grade,
        price=price,
        fees=fees,
        repair_cost=plan.repair_cost,
        labour_minutes=plan.minutes,
        logistics_cost=channel.logistics_cost,
        holding_cost=holding,
        days_to_sell=channel.days_to_sell,
        net=net,
        score=score,
    )


def _reuse_options(
    device: Device, channel: ChannelTerms, plans: Sequence[_Plan], economics: Economics
) -> list[Option]:
    found: list[Option] = []
    cosmetic: list[Option] = []
    for plan in plans:
        price = channel.price(device.variant_sku, plan.grade)
        if price is not None:
            option = _option(channel=channel, plan=plan, price=price, economics=economics)
            (cosmetic if plan.kind == "cosmetic" else found).append(option)
    if cosmetic:
        found.append(min(cosmetic, key=_rank))
    return found


def _rank(option: Option) -> tuple[object, ...]:
    """Best first: score, then net, then fewer labour minutes, then a stable tie-break."""
    return (-option.score, -option.net, option.labour_minutes, option.channel_id, option.repairs)


def options(
    device: Device,
    channels: Sequence[ChannelTerms],
    repairs: Sequence[RepairAction],
    economics: Economics,
) -> list[Option]:
    """Every route open to ``device``, best score first.

    ``repairs`` are the program's actions for the device's category. The list depends only on
    ``device.profile`` (and the other arguments), so interchangeable devices share it.
    """
    found: list[Option] = []
    reusable = device.resale_block is None and device.parts_block is None and device.grade
    plans = _plans(device, repairs, economics) if reusable else []
    as_is = _Plan("as_is", (), ANY_GRADE, 0, 0)
    for channel in channels:
        if channel.route in REUSE_ROUTES:
            found.extend(_reuse_options(device, channel, plans, economics))
            continue
        if channel.route == Route.PARTS and device.parts_block is not None:
            continue
        price = channel.price(device.variant_sku, ANY_GRADE)
        if price is None and channel.route == Route.RECYCLE:
            price = 0
        if price is not None:
            found.append(_option(channel=channel, plan=as_is, price=price, economics=economics))
    return sorted(found, key=_rank)
