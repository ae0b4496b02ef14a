"""What the optimizer is given for a program: its waiting devices as inspected, screened and
erased, its channels' terms scaled to the plan's horizon, its repair actions and economics.

A device's reuse is closed here by the same rules ``tradeins.processing.dispose`` applies
(blocklist, activation lock, ``records.route_refusal`` on its latest sanitization), read for
the whole program in a few queries, so the optimizer never proposes a route dispose refuses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.orm import Session

from revalue.domain.condition import SCREEN_CRACKED, Grade
from revalue.domain.errors import InvalidInput
from revalue.domain.records import (
    Route,
    SanitizationLevel,
    SanitizationResult,
    Verification,
    route_refusal,
)
from revalue.domain.recovery import ChannelTerms, Device, Economics, RepairAction
from revalue.recovery import repository
from revalue.recovery.models import RecoverySettings
from revalue.tradeins import repository as tradeins
from revalue.tradeins import screening
from revalue.tradeins.models import Inspection, Sanitization

BLOCKLISTED = "blocklisted: held, recycling only"
LOCKED = "activation lock still on"


class NotWaiting(InvalidInput):
    code = "not_waiting"


def economics(row: RecoverySettings, strategy: str, horizon_days: int) -> Economics:
    return Economics(
        strategy=strategy,
        labour_rate_per_hour=row.labour_rate_per_hour,
        holding_cost_per_day=row.holding_cost_per_day,
        speed_weight_bp=row.speed_weight_bp,
        repair_minutes=row.repair_hours_per_week * 60 * horizon_days // 7,
    )


def channel_terms(session: Session, program_id: str, horizon_days: int) -> list[ChannelTerms]:
    """Active channels that price something (recycling takes every device, priced or not),
    weekly capacities scaled to the horizon."""
    active = repository.channels(session, program_id, active=True)
    ids = [c.id for c in active]
    prices: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for p in repository.prices(session, ids):
        prices[p.channel_id][(p.variant_sku, p.grade)] = p.amount
    demand: dict[str, dict[str, int]] = defaultdict(dict)
    for d in repository.demand(session, ids):
        demand[d.channel_id][d.model_id] = d.units_per_week * horizon_days // 7

    def scaled(weekly: int | None) -> int | None:
        return None if weekly is None else weekly * horizon_days // 7

    return [
        ChannelTerms(
            id=c.id,
            route=Route(c.route),
            fee_bp=c.fee_bp,
            fee_fixed=c.fee_fixed,
            logistics_cost=c.logistics_cost,
            days_to_sell=c.days_to_sell,
            capacity=scaled(c.capacity_per_week),
            model_capacity=demand[c.id],
            prices=prices[c.id],
        )
        for c in active
        if prices[c.id] or c.route == Route.RECYCLE
    ]


def repair_actions(session: Session, program_id: str) -> dict[str, list[RepairAction]]:
    """category -> the program's active repair actions."""
    out: dict[str, list[RepairAction]] = defaultdict(list)
    for row in repository.repair_actions(session, program_id):
        if row.active:
            out[row.category].append(
                RepairAction(
                    code=row.code,
                    fixes=row.fixes,
                    parts_cost=row.parts_cost,
                    labour_minutes=row.labour_minutes,
                    grade_after=Grade(row.grade_after) if row.grade_after else None,
                )
            )
    return dict(out)


def _refusal(route: Route, record: Sanitization | None) -> str | None:
    return route_refusal(
        route=route,
        result=SanitizationResult(record.result) if record else None,
        level=SanitizationLevel(record.level) if record else None,
        verification=Verification(record.verification) if record else None,
    )


def devices(
    session: Session, program_id: str, only: Sequence[str] | None = None
) -> tuple[list[Device], dict[str, int], list[str]]:
    """The devices waiting for a route (all, or the batch ``only`` names: each must be
    waiting), each one's custody position (to tell, when the plan is applied, whether anything
    happened to it since), and the devices held out: their erasure was sampled for independent
    verification, not done yet. Planning those would send a good device to the shredder only
    because its check is pending; they wait for the next plan."""
    waiting = repository.waiting(session, program_id)
    erasures = tradeins.latest_records(session, Sanitization, [t.id for t, _, _ in waiting])
    held = sorted(
        tid for tid, record in erasures.items() if record.verification == str(Verification.REQUIRED)
    )
    if only is not None:
        asked = set(only)
        waiting = [w for w in waiting if w[0].id in asked]
        missing = sorted(asked - {t.id for t, _, _ in waiting} | asked & set(held))
        if missing:
            raise NotWaiting(
                f"{len(missing)} trade-in(s) of the batch are not sanitized devices of program "
                f"{program_id!r} waiting for a route (or their erasure awaits its independent "
                "verification)",
                field="trade_in_ids",
                trade_in_ids=missing[:100],
            )
        held = []
    waiting = [w for w in waiting if w[0].id not in set(held)]
    ids = [t.id for t, _, _ in waiting]
    inspections = tradeins.latest_records(session, Inspection, ids)
    blocked = screening.held_among(session, ids, screening.Kind.BLOCKLISTED)
    lock_flags = screening.held_among(session, ids, screening.Kind.LOCKED)
    out = []
    for trade_in, model_id, category in waiting:
        inspection = inspections.get(trade_in.id)
        condition = inspection.condition if inspection else {}
        defects = set(condition.get("faults", ()))
        if condition.get("screen_cracked"):
            defects.add(SCREEN_CRACKED)
        is_locked = trade_in.id in lock_flags or not condition.get("activation_lock_off", True)
        record = erasures.get(trade_in.id)
        if trade_in.id in blocked:
            resale_block, parts_block = BLOCKLISTED, BLOCKLISTED
        else:
            parts_block = _refusal(Route.PARTS, record)
            resale_block = LOCKED if is_locked else _refusal(Route.REFURBISH_RESELL, record)
        out.append(
            Device(
                trade_in_id=trade_in.id,
                model_id=model_id,
                variant_sku=trade_in.variant_sku,
                category=category,
                grade=Grade(inspection.grade) if inspection and inspection.grade else None,
                defects=frozenset(defects),
                resale_block=resale_block,
                parts_block=parts_block,
            )
        )
    return out, {t.id: t.last_seq for t, _, _ in waiting}, held
