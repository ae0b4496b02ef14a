"""The demo's inspections: a full record for every device, mostly as declared, sometimes worse
(or better); a harsher inspector among the eight; second opinions where the program asks for
them; re-quotes accepted, declined or left unanswered."""

from __future__ import annotations

import random
from typing import Any

from revalue.domain.catalog import Category
from revalue.domain.condition import Cosmetic, Fault
from revalue.domain.inspection import CHECKS_BY_CATEGORY, FAULT_OF_CHECK, ZONES_BY_CATEGORY, Zone
from revalue.domain.lifecycle import State
from revalue.grading.schemas import InspectionRecordIn
from revalue.quotes.schemas import ConditionIn
from revalue.tradeins import inspection, schemas
from revalue.tradeins import service as tradeins

HARSH = "inspector-3"  # finds a little more than the others: the calibration report shows it
# The zone where wear shows first, per category.
BODY = {
    Category.SMARTPHONE: Zone.BACK,
    Category.TABLET: Zone.BACK,
    Category.LAPTOP: Zone.LID,
    Category.WEARABLE: Zone.FRAME,
}


def _wear(rng: random.Random, cosmetic: Cosmetic, category: Category) -> list[dict[str, Any]]:
    body = BODY[category]
    if cosmetic is Cosmetic.FLAWLESS:
        return []
    if cosmetic is Cosmetic.GOOD:
        return [_f(body, "light_scratch", rng.randint(3, 8), rng.uniform(5.5, 18))]
    if cosmetic is Cosmetic.FAIR:
        return [_f(Zone.SCREEN, "deep_scratch", rng.randint(1, 3), rng.uniform(3, 15))]
    return [
        _f(Zone.SCREEN, "deep_scratch", rng.randint(3, 8), rng.uniform(10, 30)),
        _f(body, "dent", rng.randint(1, 3), rng.uniform(2, 6)),
    ]


def _f(zone: Zone, defect: str, count: int, size: float) -> dict[str, Any]:
    return {"zone": str(zone), "defect": defect, "count": count, "size_mm": round(size, 1)}


def record_for(
    rng: random.Random, declared: ConditionIn, category: Category, inspector: str
) -> InspectionRecordIn:
    """What the inspector finds: the declared condition made concrete, sometimes worse on one
    axis (a harsh inspector more often), sometimes better."""
    checks = {str(c): "pass" for c in CHECKS_BY_CATEGORY[category]}
    for fault in declared.faults:
        failing = [c for c, f in FAULT_OF_CHECK.items() if f == fault and str(c) in checks]
        if failing:
            checks[str(rng.choice(failing))] = "fail"
    if not declared.powers_on:
        checks = {c: "not_tested" for c in checks} | {"power": "fail"}
    battery = rng.randint(62, 79) if Fault.BATTERY in declared.faults else rng.randint(80, 100)
    cosmetic = Cosmetic(declared.cosmetic)
    order = list(Cosmetic)
    roll, worse_odds = rng.random(), 0.30 if inspector == HARSH else 0.14
    if roll < worse_odds and cosmetic is not Cosmetic.POOR:
        cosmetic = order[order.index(cosmetic) + 1]
    elif roll > 0.93 and cosmetic is not Cosmetic.FLAWLESS:
        cosmetic = order[order.index(cosmetic) - 1]
    findings = _wear(rng, cosmetic, category)
    if declared.screen_cracked or (
        roll < worse_odds / 3 and Zone.SCREEN in ZONES_BY_CATEGORY[category]
    ):
        findings.append(_f(Zone.SCREEN, "crack", 1, rng.uniform(10, 60)))
    # Now and then the customer forgot to sign out of Find My / their Google account.
    locks = ["activation_lock"] if rng.random() < 0.03 else []
    return InspectionRecordIn.model_validate(
        {"checks": checks, "battery_health_pct": battery, "findings": findings, "locks": locks}
    )


def inspect(story, tid: str, declared: ConditionIn, category: Category) -> bool:  # type: ignore[no-untyped-def]
    """Inspect, get a second opinion where asked, and play the customer's answer. False when
    the story reached today before the device was ready to go on."""
    rng, s = story.rng, story.session
    first = f"inspector-{rng.randint(1, 8)}"
    record = record_for(rng, declared, category, first)
    trade_in = inspection.inspect(s, tid, schemas.InspectIn(record=record), story.ctx(first))
    if trade_in.second_opinion in (inspection.REQUIRED, inspection.SAMPLED):
        if not story.wait(2, 24):
            return False
        second = f"inspector-{(int(first.rsplit('-', 1)[1]) % 8) + 1}"
        # Most second opinions see what the first inspector saw; some see it otherwise.
        again = record if rng.random() < 0.7 else record_for(rng, declared, category, second)
        trade_in = inspection.second_opinion(
            s, tid, schemas.InspectIn(record=again), story.ctx(second)
        )
    if trade_in.state != State.REQUOTE_OFFERED:
        return True
    if rng.random() < 0.1 or not story.wait(6, 96):
        return False  # unanswered: the sweep closes it when its window ends
    if rng.random() < 0.25:
        tradeins.decline_requote(s, tid, schemas.NoteIn(), story.ctx("customer", "web"))
        if story.wait(12, 48):
            tradeins.return_device(
                s, tid, schemas.ShipmentIn(carrier="UPS"), story.ctx("shipping-desk")
            )
        return False
    tradeins.accept_requote(s, tid, schemas.NoteIn(), story.ctx("customer", "web"))
    return True
