"""From inspection record to offer: one more defect never raises the offer, on any shipped
scale a program may price by, whatever the price book."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from revalue.domain import grading
from revalue.domain.catalog import Category
from revalue.domain.inspection import (
    CHECKS_BY_CATEGORY,
    SCREEN_ONLY,
    ZONES_BY_CATEGORY,
    Check,
    Defect,
    Finding,
    InspectionRecord,
    Lock,
    Result,
    Zone,
    priced_condition,
)
from revalue.domain.pricing import quote
from revalue.grading import library
from tests.unit.test_pricing_properties import as_ofs, models, options, price_books


@st.composite
def findings(draw, category: Category) -> Finding:  # type: ignore[no-untyped-def]
    zone = draw(st.sampled_from(sorted(ZONES_BY_CATEGORY[category])))
    defects = [d for d in Defect if zone is Zone.SCREEN or d not in SCREEN_ONLY]
    return Finding(
        zone=zone,
        defect=draw(st.sampled_from(defects)),
        count=draw(st.integers(1, 12)),
        size_mm=draw(st.floats(0, 60, allow_nan=False)),
    )


@st.composite
def records(draw, category: Category) -> InspectionRecord:  # type: ignore[no-untyped-def]
    checks = sorted(CHECKS_BY_CATEGORY[category])
    return InspectionRecord(
        category=category,
        checks={c: draw(st.sampled_from(Result)) for c in draw(st.sets(st.sampled_from(checks)))},
        battery_health_pct=draw(st.none() | st.integers(0, 100)),
        liquid_damage=draw(st.booleans()),
        findings=tuple(draw(st.lists(findings(category), max_size=4))),
        locks=frozenset(draw(st.sets(st.sampled_from(Lock), max_size=2))),
    )


@st.composite
def worsenings(draw, record: InspectionRecord) -> InspectionRecord:  # type: ignore[no-untyped-def]
    """The record with one more thing wrong."""
    how = draw(st.sampled_from(["finding", "check", "lock", "liquid"]))
    fields = {
        "category": record.category,
        "checks": dict(record.checks),
        "battery_health_pct": record.battery_health_pct,
        "liquid_damage": record.liquid_damage,
        "findings": record.findings,
        "locks": record.locks,
    }
    if how == "finding":
        fields["findings"] = (*record.findings, draw(findings(record.category)))
    elif how == "check":
        check = draw(st.sampled_from(sorted(CHECKS_BY_CATEGORY[record.category])))
        fields["checks"][check] = Result.FAIL
    elif how == "lock":
        fields["locks"] = record.locks | {draw(st.sampled_from(Lock))}
    else:
        fields["liquid_damage"] = True
    return InspectionRecord(**fields)


@settings(max_examples=150)
@given(data=st.data(), book=price_books(), model=models, as_of=as_ofs, payout=options)
def test_one_more_defect_never_raises_the_offer(data, book, model, as_of, payout):
    scale = data.draw(st.sampled_from(sorted(library.shipped_scales().items())))[1]
    before = data.draw(records(model.category))
    after = data.draw(worsenings(before))

    def offers(record: InspectionRecord) -> list[int]:
        tier = grading.grade(scale=scale, record=record).price_tier
        condition = priced_condition(record, tier)
        quotation = quote(
            book=book,
            model=model,
            variant_sku="sku",
            condition=condition,
            payout_options=payout,
            as_of=as_of,
        )
        return [o.amount.amount for o in quotation.offers]

    for worse, better in zip(offers(after), offers(before), strict=True):
        assert worse <= better


def test_a_failed_power_check_means_it_does_not_power_on():
    record = InspectionRecord(category=Category.SMARTPHONE, checks={Check.POWER: Result.FAIL})
    scale = library.shipped_scales()["ctia"]
    tier = grading.grade(scale=scale, record=record).price_tier
    assert priced_condition(record, tier).powers_on is False
