"""The routes a device may take and their money (revalue.domain.routes.options)."""

from __future__ import annotations

from revalue.domain.records import Route
from revalue.domain.recovery import (
    ANY_GRADE,
    COSMETIC,
    ChannelTerms,
    Device,
    Economics,
    RepairAction,
)
from revalue.domain.routes import options

REFURB = ChannelTerms(
    id="refurb",
    route=Route.REFURBISH_RESELL,
    fee_bp=1_250,
    fee_fixed=99,
    logistics_cost=400,
    days_to_sell=20,
    prices={("S1", "A"): 30_000, ("S1", "B"): 25_000, ("S1", "D"): 9_999},
)
PARTS = ChannelTerms(
    id="parts",
    route=Route.PARTS,
    logistics_cost=100,
    days_to_sell=5,
    prices={("S1", ANY_GRADE): 4_000},
)
RECYCLE = ChannelTerms(id="recycle", route=Route.RECYCLE, logistics_cost=50)
SCREEN = RepairAction(code="screen", fixes="screen_cracked", parts_cost=5_000, labour_minutes=25)
BATTERY = RepairAction(code="battery", fixes="battery", parts_cost=1_500, labour_minutes=20)
HOUSING = RepairAction(
    code="housing", fixes=COSMETIC, parts_cost=2_000, labour_minutes=30, grade_after="A"
)
ECONOMICS = Economics(labour_rate_per_hour=3_001, holding_cost_per_day=10)


def device(**changes) -> Device:
    values = dict(
        trade_in_id="t1",
        model_id="M1",
        variant_sku="S1",
        category="smartphone",
        grade="B",
        defects=frozenset({"screen_cracked"}),
    )
    return Device(**{**values, **changes})


def by_repairs(found):
    return {(o.channel_id, o.repairs): o for o in found}


def test_money_of_each_plan_matches_hand_computation():
    found = by_repairs(options(device(), [REFURB], [SCREEN, HOUSING], ECONOMICS))
    assert set(found) == {
        ("refurb", ()),
        ("refurb", ("screen",)),
        ("refurb", ("screen", "housing")),
    }
    as_is = found[("refurb", ())]
    # Sold with its cracked screen: grade D. fees 9999*1250//10000 + 99 = 1249 + 99
    assert (as_is.grade, as_is.price, as_is.fees, as_is.repair_cost) == ("D", 9_999, 1_348, 0)
    assert (as_is.holding_cost, as_is.logistics_cost, as_is.days_to_sell) == (200, 400, 20)
    assert as_is.net == as_is.score == 9_999 - 1_348 - 400 - 200
    repaired = found[("refurb", ("screen",))]
    # 25 minutes at 30.01/h: 1250.41... rounded up once to 1251
    assert (repaired.grade, repaired.price, repaired.fees) == ("B", 25_000, 3_125 + 99)
    assert (repaired.repair_cost, repaired.labour_minutes) == (5_000 + 1_251, 25)
    assert repaired.net == 25_000 - 3_224 - 6_251 - 400 - 200
    cosmetic = found[("refurb", ("screen", "housing"))]
    # 55 minutes together: 2750.91... -> 2751, not 1251 + 1501
    assert (cosmetic.grade, cosmetic.repair_cost, cosmetic.labour_minutes) == ("A", 9_751, 55)
    assert cosmetic.net == 30_000 - (3_750 + 99) - 9_751 - 400 - 200


def test_options_come_best_score_first():
    found = options(device(), [REFURB, PARTS, RECYCLE], [SCREEN, HOUSING], ECONOMICS)
    scores = [o.score for o in found]
    assert scores == sorted(scores, reverse=True)
    assert found[-1].channel_id == "recycle"


def test_a_defect_without_an_action_leaves_only_the_as_is_sale():
    found = options(
        device(defects=frozenset({"screen_cracked", "camera"})),
        [REFURB],
        [SCREEN, HOUSING],
        ECONOMICS,
    )
    assert [(o.repairs, o.grade) for o in found] == [((), "D")]


def test_every_defect_is_repaired_by_its_cheapest_action():
    cheap = RepairAction(
        code="screen-oem", fixes="screen_cracked", parts_cost=4_000, labour_minutes=25
    )
    found = options(
        device(defects=frozenset({"screen_cracked", "battery"})),
        [REFURB],
        [SCREEN, cheap, BATTERY],
        ECONOMICS,
    )
    repaired = [o for o in found if o.repairs]
    assert [o.repairs for o in repaired] == [("battery", "screen-oem")]
    assert repaired[0].repair_cost == 5_500 + -(-45 * 3_001 // 60)


def test_cosmetic_refurbishment_only_when_it_raises_the_grade():
    no_defects = device(grade="A", defects=frozenset())
    found = options(no_defects, [REFURB], [HOUSING], ECONOMICS)
    assert [(o.repairs, o.grade) for o in found] == [((), "A")]
    b_grade = options(device(defects=frozenset()), [REFURB], [HOUSING], ECONOMICS)
    assert {(o.repairs, o.grade) for o in b_grade} == {((), "B"), (("housing",), "A")}


def test_the_best_cosmetic_action_per_channel_is_kept():
    dear = RepairAction(
        code="housing-premium", fixes=COSMETIC, parts_cost=6_000, labour_minutes=30, grade_after="A"
    )
    found = options(device(defects=frozenset()), [REFURB], [dear, HOUSING], ECONOMICS)
    assert [o.repairs for o in found if o.repairs] == [("housing",)]


def test_a_device_that_does_not_work_has_parts_and_recycling_only():
    found = options(device(grade=None), [REFURB, PARTS, RECYCLE], [SCREEN], ECONOMICS)
    assert [(o.channel_id, o.grade, o.repairs) for o in found] == [
        ("parts", ANY_GRADE, ()),
        ("recycle", ANY_GRADE, ()),
    ]
    parts = found[0]
    assert (parts.price, parts.fees, parts.net) == (4_000, 0, 4_000 - 100 - 50)
    # Recycling lists no price: it still takes the device, at 0.
    assert (found[1].price, found[1].net) == (0, -50)


def test_resale_block_removes_every_reuse_route():
    found = options(device(resale_block="locked"), [REFURB, PARTS, RECYCLE], [SCREEN], ECONOMICS)
    assert [o.route for o in found] == [Route.PARTS, Route.RECYCLE]


def test_parts_block_leaves_recycling_only():
    blocked = device(resale_block="blocklisted", parts_block="blocklisted")
    found = options(blocked, [REFURB, PARTS, RECYCLE], [SCREEN], ECONOMICS)
    assert [o.route for o in found] == [Route.RECYCLE]


def test_no_price_no_option():
    assert options(device(variant_sku="S9"), [REFURB, PARTS], [SCREEN], ECONOMICS) == []


def test_speed_strategy_weighs_holding_cost_in_the_score_only():
    speed = Economics(
        strategy="maximize_speed",
        labour_rate_per_hour=3_001,
        holding_cost_per_day=10,
        speed_weight_bp=25_001,
    )
    value_option = options(device(), [REFURB], [], ECONOMICS)[0]
    speed_option = options(device(), [REFURB], [], speed)[0]
    assert speed_option.net == value_option.net
    # holding 200, extra weight 200 * 15001 // 10000 = 300 (300.02 floored)
    assert speed_option.score == value_option.net - 300
