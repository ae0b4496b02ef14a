"""Grading scales over HTTP: list, read, try on a record, and load a program's own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.grading.models import GradingScale
from tests import auth, factories
from tests.api.operations import house_scale
from tests.api.support import PROGRAM, assert_error

RIVAL = "rival"
CRACKED_PHONE = {
    "category": "smartphone",
    "checks": {"power": "pass", "display": "pass", "speakers": "fail"},
    "battery_health_pct": 91,
    "findings": [{"zone": "screen", "defect": "crack", "count": 1, "size_mm": 40}],
}


@pytest.fixture
def staff(seeded, sessions):  # type: ignore[no-untyped-def]
    """Bearer headers of a program manager and an inspector of acme, a manager of a rival
    program, and a receiver of acme."""
    with sessions.begin() as s:
        factories.add_program(s, RIVAL)
        tokens = {
            "pm": auth.staff(s, "pm@acme.example", {PROGRAM: [Role.PROGRAM_MANAGER]}),
            "inspector": auth.staff(s, "ins@acme.example", {PROGRAM: [Role.INSPECTOR]}),
            "rival_pm": auth.staff(s, "pm@rival.example", {RIVAL: [Role.PROGRAM_MANAGER]}),
            "receiver": auth.staff(s, "rec@acme.example", {PROGRAM: [Role.RECEIVER]}),
        }
    return {who: auth.bearer(token) for who, token in tokens.items()}


def _stored(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(GradingScale))


def test_the_shipped_scales_are_listed_and_readable(client):
    listed = client.get("/grading/scales")
    assert listed.status_code == 200, listed.text
    assert [(s["id"], s["version"], s["source"]) for s in listed.json()] == [
        ("ctia", "1", "shipped"),
        ("marketplace", "1", "shipped"),
        ("wholesale", "1", "shipped"),
    ]
    assert listed.json()[0]["axes"] == {"cosmetic": list("ABCDE"), "functional": list("0123456789")}
    ctia = client.get("/grading/scales/ctia", params={"version": "1"})
    assert ctia.status_code == 200, ctia.text
    assert ctia.json()["document"]["id"] == "ctia"
    assert "b-screen-light-scratches" in ctia.json()["document"]["criteria"]


def test_an_unknown_scale_or_version_is_a_404(client):
    assert_error(client.get("/grading/scales/mint"), 404, "unknown_scale", "scale_id")
    r = client.get("/grading/scales/ctia", params={"version": "2"})
    assert_error(r, 404, "unknown_scale", "version")
    r = client.post("/grading/preview", json={**CRACKED_PHONE, "scales": ["mint"]})
    assert_error(r, 404, "unknown_scale", "scale_id")


def test_preview_grades_on_every_shipped_scale_and_says_why(anonymous, staff):
    r = anonymous.post("/grading/preview", json=CRACKED_PHONE, headers=staff["inspector"])
    assert r.status_code == 200, r.text
    grades = r.json()["grades"]
    assert {sid: (g["label"], g["price_tier"]) for sid, g in grades.items()} == {
        "ctia": ("D3", "poor"),
        "marketplace": ("Faulty", "poor"),
        "wholesale": ("D", "poor"),
    }
    cosmetic = grades["ctia"]["axes"]["cosmetic"]
    refused_c = next(r for r in cosmetic["refused"] if r["grade"] == "C")
    assert refused_c["failed"][0]["criterion"] == "screen-no-crack"
    assert refused_c["failed"][0]["evidence"][0]["finding"] == {
        "zone": "screen", "defect": "crack", "count": 1, "size_mm": 40.0, "photo": None,
    }  # fmt: skip
    functional = grades["ctia"]["axes"]["functional"]
    first = functional["refused"][0]["failed"][0]
    assert first["criterion"] == "all-checks-pass"
    assert first["evidence"] == [{"field": "checks.speakers", "value": "fail"}]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"battery_health_pct": 101}, "validation_error", "battery_health_pct"),
        ({"findings": [{"zone": "lid", "defect": "dent"}]}, "invalid_inspection",
         "findings.0.zone"),
        ({"findings": [{"zone": "back", "defect": "dent", "size_mm": -1}]}, "validation_error",
         "findings.0.size_mm"),
        ({"findings": [{"zone": "back", "defect": "dent", "photo": "cat.jpg"}]},
         "validation_error", "findings.0.photo"),
        ({"checks": {"keyboard": "pass"}}, "invalid_inspection", "checks"),
        ({"colour": "blue"}, "validation_error", "colour"),
    ],
)  # fmt: skip
def test_a_bad_record_is_a_422_naming_the_field(client, change, code, field):
    assert_error(
        client.post("/grading/preview", json={**CRACKED_PHONE, **change}), 422, code, field
    )


def test_a_program_manager_loads_a_scale_that_is_then_used(anonymous, staff, sessions):
    doc = house_scale("acme-house", PROGRAM)
    r = anonymous.post("/grading/scales", json=doc, headers=staff["pm"])
    assert r.status_code == 201, r.text
    assert r.json() == {
        "id": "acme-house", "version": "1", "name": "House grades", "source": "loaded",
        "program_id": PROGRAM, "axes": {"grade": ["Working", "Faulty"]},
    }  # fmt: skip
    body = {**CRACKED_PHONE, "scales": ["acme-house", "ctia"]}
    preview = anonymous.post("/grading/preview", json=body, headers=staff["inspector"])
    assert preview.status_code == 200, preview.text
    house = preview.json()["grades"]["acme-house"]
    assert (house["label"], house["price_tier"]) == ("Faulty", "poor")
    assert [f["criterion"] for f in house["axes"]["grade"]["refused"][0]["failed"]] == [
        "works",
        "uncracked",
    ]
    # A new version is the latest; the first stays readable.
    r = anonymous.post("/grading/scales", json=house_scale("acme-house", PROGRAM, "1.1"),
                       headers=staff["pm"])  # fmt: skip
    assert r.status_code == 201, r.text
    latest = anonymous.get("/grading/scales/acme-house", headers=staff["inspector"])
    assert (latest.json()["version"], latest.json()["source"]) == ("1.1", "loaded")
    first = anonymous.get("/grading/scales/acme-house?version=1", headers=staff["inspector"])
    assert first.json()["document"]["version"] == "1"
    assert _stored(sessions) == 2


def test_loading_a_version_twice_or_a_shipped_id_is_a_conflict(client, seeded, sessions):
    assert (
        client.post("/grading/scales", json=house_scale("acme-house", PROGRAM)).status_code == 201
    )
    again = client.post("/grading/scales", json=house_scale("acme-house", PROGRAM))
    assert_error(again, 409, "scale_exists", "version")
    shipped = client.post("/grading/scales", json=house_scale("ctia", PROGRAM))
    assert_error(shipped, 409, "scale_exists", "id")
    assert _stored(sessions) == 1


def test_a_bad_document_is_a_422_naming_the_field_and_nothing_is_stored(client, seeded, sessions):
    doc = house_scale("acme-house", PROGRAM)
    doc["criteria"]["uncracked"]["defect"] = "smudge"
    assert_error(
        client.post("/grading/scales", json=doc), 422, "invalid_scale", "criteria.uncracked.defect"
    )
    doc = house_scale("acme-house", PROGRAM)
    doc["axes"][0]["grades"] = []
    assert_error(client.post("/grading/scales", json=doc), 422, "invalid_scale", "axes.0.grades")
    doc = house_scale("acme-house", PROGRAM)
    del doc["program_id"]
    assert_error(client.post("/grading/scales", json=doc), 422, "validation_error", "program_id")
    assert _stored(sessions) == 0


def test_another_programs_manager_finds_neither_the_program_nor_its_scales(
    client, anonymous, staff, sessions
):
    rival = staff["rival_pm"]
    r = anonymous.post("/grading/scales", json=house_scale("x-house", PROGRAM), headers=rival)
    assert_error(r, 404, "program_not_found", "program_id")
    assert (
        client.post("/grading/scales", json=house_scale("acme-house", PROGRAM)).status_code == 201
    )
    listed = anonymous.get("/grading/scales", headers=rival).json()
    assert [s["id"] for s in listed] == ["ctia", "marketplace", "wholesale"]
    hidden = anonymous.get("/grading/scales/acme-house", headers=rival)
    missing = anonymous.get("/grading/scales/none-such", headers=rival)
    assert_error(hidden, 404, "unknown_scale", "scale_id")
    assert hidden.json()["message"].replace("acme-house", "X") == missing.json()["message"].replace(
        "none-such", "X"
    )
    body = {**CRACKED_PHONE, "scales": ["acme-house"]}
    assert_error(anonymous.post("/grading/preview", json=body, headers=rival), 404, "unknown_scale")
    # Nor may the rival take the id for its own program.
    taken = anonymous.post("/grading/scales", json=house_scale("acme-house", RIVAL), headers=rival)
    assert_error(taken, 409, "scale_exists", "id")
    assert _stored(sessions) == 1


def test_only_an_admin_loads_a_scale_for_every_program(client, anonymous, staff, sessions):
    r = anonymous.post("/grading/scales", json=house_scale("shared", None), headers=staff["pm"])
    assert_error(r, 403, "forbidden")
    assert _stored(sessions) == 0
    assert client.post("/grading/scales", json=house_scale("shared", None)).status_code == 201
    # Every program's staff see it.
    listed = anonymous.get("/grading/scales", headers=staff["rival_pm"]).json()
    assert ("shared", None) in [(s["id"], s["program_id"]) for s in listed]


def test_an_admin_loading_for_a_program_that_does_not_exist_gets_a_404(client, seeded, sessions):
    r = client.post("/grading/scales", json=house_scale("ghost-house", "ghost"))
    assert_error(r, 404, "program_not_found", "program_id")
    assert _stored(sessions) == 0


def test_who_may_read_and_load(anonymous, staff):
    assert anonymous.get("/grading/scales", headers=staff["inspector"]).status_code == 200
    assert_error(anonymous.get("/grading/scales", headers=staff["receiver"]), 403, "forbidden")
    r = anonymous.post(
        "/grading/scales", json=house_scale("acme-house", PROGRAM), headers=staff["inspector"]
    )
    assert_error(r, 403, "forbidden")
    assert_error(anonymous.get("/grading/scales"), 401, "unauthenticated")
