"""The shipped grading scales, boundary by boundary; the crosswalks, grade by grade; and the
explanations. Broken documents: test_grading_documents.py."""

from __future__ import annotations

import pytest

from revalue.domain.catalog import Category
from revalue.domain.condition import Cosmetic
from revalue.domain.grading import CrosswalkMismatch, Evidence, crosswalk, grade
from revalue.domain.inspection import (
    CHECKS_BY_CATEGORY,
    Check,
    Defect,
    Finding,
    InspectionRecord,
    Lock,
    Result,
    Zone,
)
from revalue.grading import library

PHOTO = "ab" * 32


def f(zone: str, defect: str, count: int = 1, size: float = 0.0, photo: str | None = None):
    return Finding(zone=Zone(zone), defect=Defect(defect), count=count, size_mm=size, photo=photo)


def record(
    *findings: Finding,
    category: str = "smartphone",
    fail: tuple[str, ...] = (),
    untested: tuple[str, ...] = (),
    battery: int | None = 100,
    liquid: bool = False,
    locks: tuple[str, ...] = (),
) -> InspectionRecord:
    """A record whose every check passed, but the ones named as failed or not tested."""
    cat = Category(category)
    checks = {c: Result.PASS for c in CHECKS_BY_CATEGORY[cat]}
    checks.update({Check(c): Result.FAIL for c in fail})
    for c in untested:
        del checks[Check(c)]
    return InspectionRecord(
        category=cat,
        checks=checks,
        battery_health_pct=battery,
        liquid_damage=liquid,
        findings=findings,
        locks=frozenset(Lock(lock) for lock in locks),
    )


def grades_on(scale_id: str, rec: InspectionRecord) -> dict[str, str]:
    return grade(scale=library.shipped_scales()[scale_id], record=rec).grades


def test_the_shipped_scales_and_crosswalks():
    scales = library.shipped_scales()
    assert {s: [a.labels for a in scale.axes] for s, scale in scales.items()} == {
        "ctia": [("A", "B", "C", "D", "E"), tuple("0123456789")],
        "marketplace": [("Premium", "Excellent", "Good", "Fair", "Faulty")],
        "wholesale": [("A", "B", "C", "D")],
    }
    assert "this project's interpretation" in scales["ctia"].description
    assert set(library.shipped_crosswalks()) == {
        ("ctia", "marketplace"),
        ("ctia", "wholesale"),
        ("marketplace", "wholesale"),
    }


def test_a_flawless_working_device_gets_the_top_grade_everywhere():
    for category in Category:
        rec = record(category=category)
        assert grades_on("ctia", rec) == {"cosmetic": "A", "functional": "0"}
        assert grades_on("marketplace", rec) == {"grade": "Premium"}
        assert grades_on("wholesale", rec) == {"grade": "A"}


# CTIA cosmetic: (findings, the cosmetic grade). Each threshold just inside, then just outside.
CTIA_COSMETIC = [
    ([f("back", "light_scratch", 2, 5)], "A"),
    ([f("back", "light_scratch", 3, 1)], "B"),
    ([f("back", "light_scratch", 1, 5.1)], "B"),
    ([f("screen", "light_scratch", 1, 0.5)], "B"),
    ([f("back", "dent", 1, 1)], "B"),
    ([f("frame", "chip", 1, 1)], "B"),
    ([f("screen", "light_scratch", 5, 10)], "B"),
    ([f("screen", "light_scratch", 6, 1)], "C"),
    ([f("screen", "light_scratch", 1, 10.1)], "C"),
    ([f("frame", "light_scratch", 10, 20)], "B"),
    ([f("frame", "light_scratch", 6), f("back", "light_scratch", 5)], "C"),
    ([f("back", "light_scratch", 1, 20.1)], "C"),
    ([f("lid", "light_scratch", 10, 20)], "B"),  # a laptop's lid is body too
    ([f("frame", "deep_scratch")], "C"),
    ([f("back", "crack")], "C"),
    ([f("camera_lens", "crack")], "C"),
    ([f("frame", "chip", 1, 2)], "B"),
    ([f("frame", "chip", 2, 1)], "C"),
    ([f("frame", "chip", 1, 2.1)], "C"),
    ([f("frame", "dent", 1, 2)], "B"),
    ([f("frame", "dent", 1), f("back", "dent", 1)], "C"),
    ([f("frame", "dent", 1, 2.1)], "C"),
    ([f("back", "discoloration")], "C"),
    ([f("screen", "deep_scratch", 3, 30)], "C"),
    ([f("screen", "deep_scratch", 4, 1)], "D"),
    ([f("screen", "deep_scratch", 1, 30.1)], "D"),
    ([f("screen", "chip")], "D"),
    ([f("screen", "crack")], "D"),
    ([f("screen", "crack"), f("back", "crack", 3)], "D"),
    ([f("screen", "dead_pixels")], "E"),
    ([f("screen", "burn_in")], "E"),
    ([f("screen", "discoloration")], "E"),
    ([f("screen", "crack"), f("screen", "dead_pixels")], "E"),
]


@pytest.mark.parametrize(("findings", "expected"), CTIA_COSMETIC)
def test_ctia_cosmetic_boundaries(findings, expected):
    category = "laptop" if findings[0].zone is Zone.LID else "smartphone"
    assert grades_on("ctia", record(*findings, category=category))["cosmetic"] == expected


# CTIA functional: (how the record differs from a fully working one, the functional grade).
CTIA_FUNCTIONAL = [
    ({"battery": 80}, "0"),
    ({"battery": 79}, "1"),
    ({"battery": 60}, "1"),
    ({"battery": 59}, "2"),
    ({"battery": None}, "2"),
    ({"locks": ("carrier_lock",)}, "0"),  # a carrier lock stops no new owner
    ({"fail": ("biometrics",)}, "2"),
    ({"fail": ("front_camera",), "battery": 10}, "2"),
    ({"fail": ("biometrics", "front_camera")}, "3"),
    ({"fail": ("speakers",)}, "3"),
    ({"untested": ("power",)}, "3"),
    ({"fail": ("wifi",)}, "4"),
    ({"fail": ("cellular", "speakers")}, "4"),
    ({"liquid": True}, "5"),
    ({"liquid": True, "fail": ("bluetooth",)}, "5"),
    ({"fail": ("charging_port",)}, "6"),
    ({"locks": ("activation_lock",)}, "7"),
    ({"locks": ("mdm",), "fail": ("charging_port",)}, "7"),
    ({"fail": ("touch",)}, "8"),
    ({"fail": ("display",)}, "8"),
    ({"fail": ("power",)}, "9"),
    ({"fail": ("power", "display")}, "9"),
]


@pytest.mark.parametrize(("changes", "expected"), CTIA_FUNCTIONAL)
def test_ctia_functional_boundaries(changes, expected):
    assert grades_on("ctia", record(**changes)) == {"cosmetic": "A", "functional": expected}


# Marketplace: (findings, how the record differs from a fully working one, the grade).
MARKETPLACE = [
    ([], {"battery": 90}, "Premium"),
    ([], {"battery": 89}, "Excellent"),
    ([], {"locks": ("carrier_lock",)}, "Premium"),
    ([f("back", "light_scratch")], {}, "Excellent"),
    ([f("back", "light_scratch", 5, 10)], {}, "Excellent"),
    ([f("back", "light_scratch", 6)], {}, "Good"),
    ([f("back", "light_scratch", 1, 10.1)], {}, "Good"),
    ([f("screen", "light_scratch", 3, 10)], {}, "Good"),
    ([f("screen", "light_scratch", 4)], {}, "Fair"),
    ([f("screen", "light_scratch", 1, 10.1)], {}, "Fair"),
    ([f("back", "light_scratch", 15, 20)], {}, "Good"),
    ([f("back", "light_scratch", 16)], {}, "Fair"),
    ([f("back", "light_scratch", 1, 20.1)], {}, "Fair"),
    ([f("frame", "deep_scratch", 1, 5)], {}, "Good"),
    ([f("frame", "deep_scratch", 2)], {}, "Fair"),
    ([f("frame", "deep_scratch", 1, 5.1)], {}, "Fair"),
    ([f("frame", "dent", 1, 2)], {}, "Good"),
    ([f("frame", "chip", 1, 2)], {}, "Good"),
    ([f("frame", "dent"), f("frame", "chip")], {}, "Fair"),
    ([f("frame", "dent", 1, 2.1)], {}, "Fair"),
    ([f("back", "discoloration")], {}, "Fair"),
    ([f("back", "dent", 9, 9), f("frame", "deep_scratch", 9, 40)], {}, "Fair"),
    ([f("screen", "deep_scratch")], {}, "Faulty"),
    ([f("screen", "chip")], {}, "Faulty"),
    ([f("screen", "dead_pixels")], {}, "Faulty"),
    ([f("back", "crack")], {}, "Faulty"),
    ([], {"battery": 80}, "Excellent"),
    ([], {"battery": 79}, "Faulty"),
    ([], {"battery": None}, "Faulty"),
    ([], {"fail": ("speakers",)}, "Faulty"),
    ([], {"untested": ("power",)}, "Faulty"),
    ([], {"liquid": True}, "Faulty"),
    ([], {"locks": ("frp",)}, "Faulty"),
]


@pytest.mark.parametrize(("findings", "changes", "expected"), MARKETPLACE)
def test_marketplace_boundaries(findings, changes, expected):
    assert grades_on("marketplace", record(*findings, **changes)) == {"grade": expected}


# Wholesale: (findings, how the record differs from a fully working one, the grade).
WHOLESALE = [
    ([f("screen", "light_scratch", 5, 40)], {}, "A"),
    ([f("screen", "light_scratch", 6)], {}, "B"),
    ([f("back", "light_scratch", 5)], {}, "A"),
    ([f("back", "light_scratch", 6)], {}, "B"),
    ([], {"battery": 80}, "A"),
    ([], {"battery": 79}, "B"),
    ([], {"battery": None}, "B"),
    ([f("screen", "light_scratch", 10)], {}, "B"),
    ([f("screen", "light_scratch", 11)], {}, "C"),
    ([f("frame", "dent", 2, 8)], {}, "B"),
    ([f("frame", "dent", 3)], {}, "C"),
    ([f("frame", "chip", 1, 2)], {}, "B"),
    ([f("frame", "chip", 1, 2.1)], {}, "C"),
    ([f("frame", "chip", 2, 1)], {}, "C"),
    ([f("back", "deep_scratch", 5)], {}, "C"),
    ([f("screen", "deep_scratch")], {}, "C"),
    ([f("back", "crack")], {}, "C"),
    ([f("back", "crack", 2)], {}, "D"),
    ([f("screen", "crack")], {}, "D"),
    ([f("screen", "chip")], {}, "D"),
    ([f("screen", "dead_pixels")], {}, "D"),
    ([f("screen", "discoloration")], {}, "D"),
    ([], {"fail": ("bluetooth",)}, "D"),
    ([], {"liquid": True}, "D"),
    ([], {"locks": ("activation_lock",)}, "D"),
    ([], {"locks": ("carrier_lock",)}, "A"),
]


@pytest.mark.parametrize(("findings", "changes", "expected"), WHOLESALE)
def test_wholesale_boundaries(findings, changes, expected):
    assert grades_on("wholesale", record(*findings, **changes)) == {"grade": expected}


def test_price_tiers_follow_the_cosmetic_grade():
    ctia = library.shipped_scales()["ctia"]
    cracked = grade(scale=ctia, record=record(f("screen", "crack"), fail=("speakers",)))
    assert (cracked.label, cracked.price_tier) == ("D3", Cosmetic.POOR)
    worn = grade(scale=ctia, record=record(f("back", "light_scratch", 3), battery=70))
    assert (worn.label, worn.price_tier) == ("B1", Cosmetic.GOOD)
    tiers = {s.id: dict(s.price_tiers) for s in library.shipped_scales().values()}
    assert tiers["marketplace"] == {
        "Premium": "flawless", "Excellent": "flawless", "Good": "good", "Fair": "fair",
        "Faulty": "poor",
    }  # fmt: skip
    assert tiers["wholesale"] == {"A": "flawless", "B": "good", "C": "fair", "D": "poor"}


# Crosswalks: every source grade and its target.
CTIA = [c + n for n in "0123456789" for c in "ABCDE"]
CTIA_TO_MARKETPLACE = {label: "Faulty" for label in CTIA} | {
    "A0": "Excellent", "B0": "Good", "C0": "Fair",
}  # fmt: skip
CTIA_TO_WHOLESALE = {label: "D" for label in CTIA} | {
    "A0": "A", "B0": "B", "C0": "C", "A1": "B", "B1": "B", "C1": "C",
}  # fmt: skip
MARKETPLACE_TO_WHOLESALE = {
    "Premium": "A", "Excellent": "A", "Good": "B", "Fair": "C", "Faulty": "D",
}  # fmt: skip
WALKS = [
    ("ctia", "marketplace", CTIA_TO_MARKETPLACE),
    ("ctia", "wholesale", CTIA_TO_WHOLESALE),
    ("marketplace", "wholesale", MARKETPLACE_TO_WHOLESALE),
]


@pytest.mark.parametrize(
    ("source", "target", "label", "expected"),
    [(s, t, label, to) for s, t, table in WALKS for label, to in table.items()],
)
def test_crosswalk_maps_every_source_grade(source, target, label, expected):
    walk = library.get_crosswalk(source, target)
    assert set(walk.mapping) == set(library.shipped_scales()[source].labels())
    assert walk.mapping[label] == expected


def test_crosswalk_of_a_graded_record():
    g = grade(scale=library.shipped_scales()["ctia"], record=record(f("back", "dent", 1, 1)))
    assert g.label == "B0"
    assert crosswalk(walk=library.get_crosswalk("ctia", "marketplace"), grade=g) == "Good"
    assert crosswalk(walk=library.get_crosswalk("ctia", "wholesale"), grade=g) == "B"
    with pytest.raises(CrosswalkMismatch) as exc:
        crosswalk(walk=library.get_crosswalk("marketplace", "wholesale"), grade=g)
    assert exc.value.details["field"] == "scale"
    with pytest.raises(library.UnknownCrosswalk):
        library.get_crosswalk("wholesale", "ctia")


def test_the_explanation_names_the_failed_criteria_with_their_evidence():
    scratches = f("screen", "light_scratch", 6, 3, photo=PHOTO)
    g = grade(scale=library.shipped_scales()["ctia"], record=record(scratches))
    cosmetic = g.axes[0]
    assert (cosmetic.axis, cosmetic.grade, cosmetic.rank) == ("cosmetic", "C", 2)
    assert [(r.grade, [v.criterion for v in r.failed]) for r in cosmetic.refused] == [
        ("A", ["a-screen-clean"]),
        ("B", ["b-screen-light-scratches"]),
    ]
    broke = cosmetic.refused[1].failed[0]
    assert broke.text == "At most 5 light scratches on the screen, none longer than 10 mm."
    assert broke.found == "6 found, largest 3 mm"
    assert broke.evidence == (
        Evidence("findings", "6 light scratch on screen, largest 3 mm", scratches),
    )
    assert broke.evidence[0].finding.photo == PHOTO
    # The grade given, and that its own criteria held.
    assert [v.criterion for v in cosmetic.held] == [
        "screen-no-crack", "screen-no-chip", "c-screen-deep-scratches", "display-intact",
    ]  # fmt: skip
    assert all(v.held for v in cosmetic.held)


def test_a_size_limit_names_only_the_oversized_findings():
    small, big = f("screen", "light_scratch", 1, 2), f("screen", "light_scratch", 1, 11)
    g = grade(scale=library.shipped_scales()["ctia"], record=record(small, big))
    failed = g.axes[0].refused[1].failed[0]
    assert failed.criterion == "b-screen-light-scratches"
    assert [e.finding for e in failed.evidence] == [big]


def test_a_functional_explanation_names_the_check_battery_and_lock():
    g = grade(
        scale=library.shipped_scales()["ctia"],
        record=record(fail=("speakers",), battery=70, locks=("activation_lock",)),
    )
    functional = g.axes[1]
    assert functional.grade == "7"
    failed = {v.criterion: v.evidence for r in functional.refused for v in r.failed}
    assert failed["all-checks-pass"] == (Evidence("checks.speakers", "fail"),)
    assert failed["battery-80"] == (Evidence("battery_health_pct", "70%"),)
    assert failed["no-blocking-lock"] == (Evidence("locks", "activation_lock"),)
    assert [v.criterion for v in functional.held] == ["power-not-failed", "screen-works"]


def test_serialized_grade():
    g = grade(scale=library.shipped_scales()["wholesale"], record=record(battery=79))
    out = library.grade_to_dict(g)
    assert {k: out[k] for k in ("scale", "version", "label", "price_tier")} == {
        "scale": "wholesale", "version": "1", "label": "B", "price_tier": "good",
    }  # fmt: skip
    axis = out["axes"]["grade"]
    assert (axis["grade"], axis["rank"]) == ("B", 1)
    assert axis["refused"] == [
        {
            "grade": "A",
            "failed": [
                {
                    "criterion": "battery-80",
                    "text": "Battery health is at least 80%.",
                    "found": "battery health 79%",
                    "evidence": [{"field": "battery_health_pct", "value": "79%"}],
                }
            ],
        }
    ]
