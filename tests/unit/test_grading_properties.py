"""Rules that hold for every inspection record on every shipped scale: a further defect never
improves a grade, and the same record always gets the same grade, whatever the order of its
findings."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.catalog import Category
from revalue.domain.condition import COSMETIC_ORDER
from revalue.domain.grading import ScaleGrade, grade
from revalue.domain.inspection import (
    CHECKS_BY_CATEGORY,
    SCREEN_ONLY,
    ZONES_BY_CATEGORY,
    Defect,
    Finding,
    InspectionRecord,
    Lock,
    Result,
    Zone,
)
from revalue.grading import library

SCALES = list(library.shipped_scales().values())


@st.composite
def findings(draw, category: Category) -> Finding:
    zone = draw(st.sampled_from(sorted(ZONES_BY_CATEGORY[category])))
    defects = [d for d in Defect if zone is Zone.SCREEN or d not in SCREEN_ONLY]
    return Finding(
        zone=zone,
        defect=draw(st.sampled_from(defects)),
        count=draw(st.integers(1, 12)),
        # Sizes on a 0.5 mm grid land on the scales' thresholds as well as either side.
        size_mm=draw(st.integers(0, 80)) / 2,
        photo=draw(st.none() | st.just("ab" * 32)),
    )


@st.composite
def records(draw) -> InspectionRecord:
    category = draw(st.sampled_from(Category))
    checks = sorted(CHECKS_BY_CATEGORY[category])
    return InspectionRecord(
        category=category,
        # Mostly passing checks, so that records reach the better grades too.
        checks={
            c: draw(st.sampled_from([Result.PASS] * 6 + [Result.FAIL, Result.NOT_TESTED]))
            for c in draw(st.lists(st.sampled_from(checks), unique=True))
        },
        battery_health_pct=draw(st.none() | st.integers(0, 100)),
        liquid_damage=draw(st.booleans()),
        findings=tuple(draw(st.lists(findings(category), max_size=5))),
        locks=frozenset(draw(st.sets(st.sampled_from(Lock), max_size=2))),
    )


@st.composite
def worsened(draw) -> tuple[InspectionRecord, InspectionRecord]:
    """A record, and the same record with one more defect of some kind."""
    rec = draw(records())
    category = rec.category
    how = draw(st.sampled_from(["finding", "bigger", "check", "lock", "battery", "liquid"]))
    if how == "finding":
        worse = dataclasses.replace(rec, findings=(*rec.findings, draw(findings(category))))
    elif how == "bigger" and rec.findings:
        i = draw(st.integers(0, len(rec.findings) - 1))
        old = rec.findings[i]
        new = dataclasses.replace(
            old,
            count=old.count + draw(st.integers(0, 3)),
            size_mm=old.size_mm + draw(st.integers(0, 20)) / 2,
        )
        worse = dataclasses.replace(rec, findings=(*rec.findings[:i], new, *rec.findings[i + 1 :]))
    elif how == "check":
        check = draw(st.sampled_from(sorted(CHECKS_BY_CATEGORY[category])))
        worse = dataclasses.replace(rec, checks={**rec.checks, check: Result.FAIL})
    elif how == "lock":
        worse = dataclasses.replace(rec, locks=rec.locks | {draw(st.sampled_from(Lock))})
    elif how == "battery" and rec.battery_health_pct is not None:
        lower = draw(st.none() | st.integers(0, rec.battery_health_pct))
        worse = dataclasses.replace(rec, battery_health_pct=lower)
    else:
        worse = dataclasses.replace(rec, liquid_damage=True)
    return rec, worse


def _no_better(worse: ScaleGrade, better: ScaleGrade) -> bool:
    ranks = all(w.rank >= b.rank for w, b in zip(worse.axes, better.axes, strict=True))
    tier = COSMETIC_ORDER.index(worse.price_tier) >= COSMETIC_ORDER.index(better.price_tier)
    return ranks and tier


@given(worsened())
def test_a_further_defect_never_improves_a_grade(pair):
    rec, worse = pair
    for scale in SCALES:
        before, after = grade(scale=scale, record=rec), grade(scale=scale, record=worse)
        assert _no_better(after, before), (scale.id, before.label, after.label)


@given(worsened())
def test_a_crosswalk_never_improves_on_a_worse_grade(pair):
    rec, worse = pair
    scales = library.shipped_scales()
    for (source, target), walk in library.shipped_crosswalks().items():
        rank = scales[target].axes[0].rank
        before = walk.mapping[grade(scale=scales[source], record=rec).label]
        after = walk.mapping[grade(scale=scales[source], record=worse).label]
        assert rank(after) >= rank(before), (source, target, before, after)


@given(records(), st.randoms(use_true_random=False))
def test_the_same_record_gets_the_same_grade_whatever_the_order_of_its_findings(rec, rnd):
    shuffled = list(rec.findings)
    rnd.shuffle(shuffled)
    again = dataclasses.replace(rec, findings=tuple(shuffled))
    for scale in SCALES:
        first = grade(scale=scale, record=rec)
        assert grade(scale=scale, record=rec) == first
        assert grade(scale=scale, record=again) == first
        assert library.grade_to_dict(grade(scale=scale, record=again)) == (
            library.grade_to_dict(first)
        )
