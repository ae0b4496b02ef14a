"""Every kind of broken scale or crosswalk document is refused, naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from revalue.domain.grading_documents import InvalidScale, parse_crosswalk, parse_scale
from revalue.grading import library
from tests.unit.test_grading_scales import CTIA_TO_MARKETPLACE


# Broken documents: (a change to the shipped wholesale scale, the field the refusal names).
def _set(path: str, value: Any):
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            doc = doc[int(key)] if isinstance(doc, list) else doc[key]
        if value is DELETE:
            del doc[int(last) if isinstance(doc, list) else last]
        elif isinstance(doc, list):
            doc[int(last)] = value
        else:
            doc[last] = value

    return change


DELETE = object()
BROKEN = [
    (_set("criteria.b-dents.defect", "scuff"), "criteria.b-dents.defect"),
    (_set("criteria.display-intact.defect", ["smudge"]), "criteria.display-intact.defect.0"),
    (_set("criteria.b-dents.zones", ["strap"]), "criteria.b-dents.zones.0"),
    (_set("criteria.b-dents.zones", []), "criteria.b-dents.zones"),
    (_set("criteria.b-dents.max_count", -1), "criteria.b-dents.max_count"),
    (_set("criteria.b-edge-chip.max_size_mm", -0.5), "criteria.b-edge-chip.max_size_mm"),
    (_set("criteria.b-dents.max_count", DELETE), "criteria.b-dents.max_count"),
    (_set("criteria.works.kind", "vibes"), "criteria.works.kind"),
    (_set("criteria.works.checkz", ["power"]), "criteria.works.checkz"),
    (_set("criteria.works.max", DELETE), "criteria.works.max"),
    (_set("criteria.works.checks", ["teleport"]), "criteria.works.checks.0"),
    (_set("criteria.works.text", ""), "criteria.works.text"),
    (_set("criteria.battery-80.min_pct", 101), "criteria.battery-80.min_pct"),
    (_set("criteria.no-blocking-lock.locks", ["padlock"]), "criteria.no-blocking-lock.locks.0"),
    (_set("criteria.unused", {"kind": "no_liquid_damage", "text": "Dry."}), "criteria.unused"),
    (_set("axes.0.grades", []), "axes.0.grades"),
    (_set("axes", []), "axes"),
    (_set("axes.0.grades.3.criteria", ["works"]), "axes.0.grades.3.criteria"),
    (_set("axes.0.grades.0.criteria.0", "shiny"), "axes.0.grades.0.criteria.0"),
    (_set("axes.0.grades.0.criteria.1", "a-screen-scratches"), "axes.0.grades.0.criteria.1"),
    (_set("axes.0.grades.1.grade", "A"), "axes.0.grades.1.grade"),
    (_set("axes.0.grades.1.description", DELETE), "axes.0.grades.1.description"),
    (_set("price_tier.tiers.D", DELETE), "price_tier.tiers.D"),
    (_set("price_tier.tiers.E", "poor"), "price_tier.tiers.E"),
    (_set("price_tier.tiers.A", "mint"), "price_tier.tiers.A"),
    (_set("price_tier.tiers.A", "fair"), "price_tier.tiers.B"),  # B would price above A
    (_set("price_tier.tiers.D", "good"), "price_tier.tiers.D"),
    (_set("price_tier.axis", "cosmetic"), "price_tier.axis"),
    (_set("id", "Not An Id"), "id"),
    (_set("version", "v2"), "version"),
    (_set("name", DELETE), "name"),
    (_set("colour", "blue"), "colour"),
    (_set("label", "{grade}{grade}"), "label"),
    (_set("label", "{grade!r}"), "label"),
]


@pytest.mark.parametrize(("change", "field"), BROKEN)
def test_a_broken_scale_document_is_refused_naming_the_field(change, field):
    doc = copy.deepcopy(library.shipped_scales()["wholesale"].document)
    change(doc)
    with pytest.raises(InvalidScale) as exc:
        parse_scale(doc)
    assert exc.value.details["field"] == field, exc.value.message
    assert exc.value.code == "invalid_scale"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("label", DELETE), "label"),
        (_set("label", "{cosmetic}"), "label"),
        (_set("label", "{cosmetic}{functional}{grade}"), "label"),
        (_set("price_tier.axis", DELETE), "price_tier.axis"),
        (_set("price_tier.axis", "functional"), "price_tier.tiers.A"),
        (_set("axes.1.id", "cosmetic"), "axes.1.id"),
    ],
)
def test_a_scale_of_two_axes_says_how_to_write_its_grade(change, field):
    doc = copy.deepcopy(library.shipped_scales()["ctia"].document)
    change(doc)
    with pytest.raises(InvalidScale) as exc:
        parse_scale(doc)
    assert exc.value.details["field"] == field, exc.value.message


def test_labels_of_two_axes_must_not_collide():
    doc = copy.deepcopy(library.shipped_scales()["ctia"].document)
    doc["axes"][0]["grades"][1]["grade"] = "A1"  # "A1" + "0" would read like "A" + "10"
    doc["axes"][1]["grades"][1]["grade"] = "10"
    doc["price_tier"]["tiers"]["A1"] = doc["price_tier"]["tiers"].pop("B")
    with pytest.raises(InvalidScale) as exc:
        parse_scale(doc)
    assert exc.value.details["field"] == "label"


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidScale) as exc:
        parse_scale(["ctia"])
    assert exc.value.details["field"] == "document"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("map.E9", DELETE), "map.E9"),
        (_set("map.Z0", "Good"), "map.Z0"),
        (_set("map.A0", "Mint"), "map.A0"),
        (_set("map.C0", "Excellent"), "map.C0"),  # C0 above B0's Good
        (_set("map.A1", "Premium"), "map.A1"),  # A1 above A0's Excellent
        (_set("from", "wholesale"), "from"),
        (_set("id", DELETE), "id"),
    ],
)
def test_a_broken_crosswalk_is_refused_naming_the_field(change, field):
    scales = library.shipped_scales()
    doc = {
        "id": "ctia-to-marketplace",
        "version": "1",
        "description": "Test.",
        "from": "ctia",
        "to": "marketplace",
        "map": dict(CTIA_TO_MARKETPLACE),
    }
    parse_crosswalk(copy.deepcopy(doc), source=scales["ctia"], target=scales["marketplace"])
    change(doc)
    with pytest.raises(InvalidScale) as exc:
        parse_crosswalk(doc, source=scales["ctia"], target=scales["marketplace"])
    assert exc.value.details["field"] == field, exc.value.message
