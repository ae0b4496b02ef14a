from datetime import UTC, date, datetime

import pytest

from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.condition import Condition, Cosmetic, Fault, InvalidCondition
from revalue.domain.pricing import (
    InvalidPriceBook,
    NotPriced,
    PayoutOption,
    PriceBook,
    Promotion,
    months_between,
    quote,
)
from revalue.domain.program import PayoutMethod

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
PHONE = ModelFacts(model_id="phone", category=Category.SMARTPHONE, release_date=date(2026, 6, 15))
CASH = PayoutOption(method=PayoutMethod.CASH)
CREDIT = PayoutOption(method=PayoutMethod.STORE_CREDIT, bonus_bp=1000)


def book(**kw):
    return PriceBook(currency="USD", base_prices={"sku": 50000}, floor=500, **kw)


def cond(**kw):
    base = {"powers_on": True, "screen_cracked": False, "cosmetic": Cosmetic.FLAWLESS}
    return Condition(**{**base, **kw})


def offer(condition, *, model=PHONE, options=(CASH,), as_of=AS_OF, **book_kw):
    q = quote(
        book=book(**book_kw),
        model=model,
        variant_sku="sku",
        condition=condition,
        payout_options=options,
        as_of=as_of,
    )
    return q


def test_flawless_new_device_gets_the_base_price():
    q = offer(cond())
    assert q.offers[0].amount.amount == 50000
    assert [ln.code for ln in q.offers[0].lines] == ["base_price"]


def test_grade_multiplier_and_defect_deductions_are_itemized():
    q = offer(cond(cosmetic=Cosmetic.GOOD, screen_cracked=True, faults=frozenset({Fault.BATTERY})))
    lines = {(ln.code, ln.label): ln.amount for ln in q.offers[0].lines}
    # 50000 * 85% = 42500; cracked -30% of 42500 = -12750; battery -10% = -4250
    assert lines[("condition", "Cosmetic grade B (good): 85% of value")] == -7500
    assert lines[("deduction", "Cracked screen (-30%)")] == -12750
    assert lines[("deduction", "Fault: battery (-10%)")] == -4250
    assert q.offers[0].amount.amount == 25500
    assert q.grade == "B"


def test_age_depreciation_compounds_monthly_since_release():
    old = ModelFacts(model_id="p", category=Category.SMARTPHONE, release_date=date(2025, 6, 15))
    q = offer(cond(), model=old)
    # 12 months at 3%: 50000 * 0.97**12 = 34692.05...
    assert q.offers[0].amount.amount == 34692
    assert q.offers[0].lines[1].label == "Age: 12 months since release"


def test_depreciation_is_capped():
    ancient = ModelFacts(model_id="p", category=Category.SMARTPHONE, release_date=date(2010, 1, 1))
    q = offer(cond(), model=ancient, max_depreciation_bp=8000)
    assert q.offers[0].amount.amount == 10000


def test_payout_bonus_applies_per_method():
    q = offer(cond(), options=(CASH, CREDIT))
    assert [o.amount.amount for o in q.offers] == [50000, 55000]
    assert q.offers[1].lines[-1].label == "Bonus for store_credit: +10%"


def test_floor_lifts_a_working_device_but_never_above_the_base():
    q = offer(
        cond(
            cosmetic=Cosmetic.POOR,
            screen_cracked=True,
            faults=frozenset(
                Fault(f) for f in ("display", "camera", "battery", "speaker", "connectivity")
            ),
        ),
        deductions_bp={"screen_cracked": 10000},
    )
    assert q.offers[0].amount.amount == 500
    assert q.offers[0].lines[-1].code == "floor"
    cheap = quote(
        book=PriceBook(currency="USD", base_prices={"sku": 300}, floor=500),
        model=PHONE,
        variant_sku="sku",
        condition=cond(),
        payout_options=(CASH,),
        as_of=AS_OF,
    )
    assert cheap.offers[0].amount.amount == 300


def test_dead_device_is_free_recycling_worth_zero():
    q = offer(cond(powers_on=False), options=(CASH, CREDIT))
    assert q.recycle_only and q.grade is None
    assert [o.amount.amount for o in q.offers] == [0, 0]
    assert q.offers[0].lines[-1].code == "recycle_only"


def test_activation_lock_on_is_worth_zero_and_says_why():
    q = offer(cond(activation_lock_off=False))
    assert q.offers[0].amount.amount == 0
    assert "Activation lock" in q.offers[0].lines[-1].label


def test_best_running_promotion_applies_only_in_its_window():
    promos = (
        Promotion(
            name="small", starts_at=AS_OF.replace(day=1), ends_at=AS_OF.replace(day=30), amount=1000
        ),
        Promotion(
            name="big",
            starts_at=AS_OF.replace(day=1),
            ends_at=AS_OF.replace(day=30),
            category=Category.SMARTPHONE,
            percent_bp=1000,
        ),
        Promotion(
            name="laptops",
            starts_at=AS_OF.replace(day=1),
            ends_at=AS_OF.replace(day=30),
            category=Category.LAPTOP,
            amount=99999,
        ),
    )
    q = offer(cond(), promotions=promos)
    assert q.offers[0].amount.amount == 55000
    assert q.offers[0].lines[-1].label == "Promotion: big"
    after = offer(cond(), promotions=promos, as_of=AS_OF.replace(month=7))
    assert "promotion" not in [ln.code for ln in after.offers[0].lines]


def test_rounding_down_to_increment_is_a_line():
    q = offer(
        cond(cosmetic=Cosmetic.GOOD),
        rounding_increment=1000,
        deductions_bp={"screen_cracked": 3333},
    )
    assert q.offers[0].amount.amount == 42000
    assert q.offers[0].lines[-1].code == "rounding"
    assert q.offers[0].lines[-1].amount == -500


def test_lines_always_add_up_to_the_offer():
    q = offer(
        cond(cosmetic=Cosmetic.FAIR, faults=frozenset({Fault.CAMERA})),
        options=(CASH, CREDIT),
        rounding_increment=100,
    )
    for o in q.offers:
        assert sum(ln.amount for ln in o.lines) == o.amount.amount


def test_unpriced_variant_is_refused():
    with pytest.raises(NotPriced, match="'other'"):
        quote(
            book=book(),
            model=PHONE,
            variant_sku="other",
            condition=cond(),
            payout_options=(CASH,),
            as_of=AS_OF,
        )


def test_fault_foreign_to_the_category_is_refused():
    with pytest.raises(InvalidCondition, match="keyboard"):
        offer(cond(faults=frozenset({Fault.KEYBOARD})))


def test_price_book_refuses_a_worse_grade_worth_more():
    with pytest.raises(InvalidPriceBook, match=r"grade_multipliers_bp\.C"):
        book(grade_multipliers_bp={"A": 10000, "B": 8000, "C": 9000, "D": 1000})


@pytest.mark.parametrize(
    ("field", "value"),
    [("floor", -1), ("rounding_increment", 0), ("max_depreciation_bp", 10001), ("floor", 1.5)],
)
def test_price_book_refuses_bad_numbers_naming_the_field(field, value):
    with pytest.raises(InvalidPriceBook) as exc:
        PriceBook(currency="USD", base_prices={}, **{field: value})
    assert exc.value.details["field"] == field


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 1, 31), date(2024, 2, 29), 0),
        (date(2024, 1, 15), date(2024, 2, 15), 1),
        (date(2024, 1, 15), date(2025, 1, 14), 11),
        (date(2025, 1, 1), date(2024, 1, 1), 0),
    ],
)
def test_months_between_counts_whole_months(start, end, months):
    assert months_between(start, end) == months
