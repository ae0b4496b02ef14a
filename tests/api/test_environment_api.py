"""Environmental receipts over HTTP: the published factors, a device's receipt (JSON and PDF)
for its program's staff, partners and its customer, and the program's totals per version."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from revalue.domain.access import Role
from revalue.recovery.models import EnvironmentalReceipt
from tests import auth, factories
from tests import recovery_report_factories as rf
from tests.api.support import PROGRAM, as_customer, assert_error, post_quote

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def world(client, sessions) -> list[str]:  # type: ignore[no-untyped-def]
    return rf.world(client, sessions)


def receipt_path(tid: str) -> str:
    return f"/trade-ins/{tid}/environmental-receipt"


def test_the_factors_are_public_with_method_sources_and_figures(anonymous) -> None:
    r = anonymous.get("/environmental-factors")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["current"] == "2026.1"
    (version,) = body["versions"]
    assert version["version"] == "2026.1" and version["rebound_bp"] == 2900
    assert "WBCSD" in version["method"] and len(version["sources"]) == 4
    assert version["categories"]["smartphone"] == {
        "production_g": 55000, "refurbishment_g": 13000, "mass_g": 170,
    }  # fmt: skip


def test_a_resold_phone_and_a_recycled_watch(client, world) -> None:
    phone, watch = world[0], world[5]
    body = client.get(receipt_path(phone)).json()
    assert {k: body[k] for k in ("device", "route", "factor_version", "mass_g")} == {
        "device": "Apple iPhone 15", "route": "marketplace", "factor_version": "2026.1",
        "mass_g": 171,  # the catalog's weight
    }  # fmt: skip
    assert (body["diverted_g"], body["recycled_g"], body["co2e_avoided_g"]) == (171, 0, 26050)
    assert body["issued_at"] == "2026-06-18T12:00:00Z"  # the sale
    assert "rebound" in body["method"] and body["sources"]
    recycled = client.get(receipt_path(watch)).json()
    assert (recycled["diverted_g"], recycled["recycled_g"], recycled["co2e_avoided_g"]) == (
        0, 39, 0,
    )  # fmt: skip


def test_no_receipt_before_the_device_road_ends(client, world) -> None:
    unsold = world[6]
    assert_error(client.get(receipt_path(unsold)), 404, "environmental_receipt_not_found")
    r = client.get(receipt_path(unsold) + ".pdf")
    assert_error(r, 404, "environmental_receipt_not_found")


def test_the_customer_reads_their_own_receipt_only(anonymous, world) -> None:
    phone, other = world[0], world[1]
    mine = anonymous.get(receipt_path(phone), headers=as_customer(phone))
    assert mine.status_code == 200 and mine.json()["trade_in_id"] == phone
    pdf = anonymous.get(receipt_path(phone) + ".pdf", headers=as_customer(phone))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    theirs = anonymous.get(receipt_path(other), headers=as_customer(phone))
    assert_error(theirs, 404, "trade_in_not_found")
    assert anonymous.get(receipt_path(phone)).status_code == 401


def test_staff_of_another_program_get_404_and_partners_need_the_scope(
    anonymous, sessions, world
) -> None:
    phone = world[0]
    with sessions.begin() as s:
        factories.add_program(s, "other")
        outsider = auth.staff(s, "o@test.example", {"other": [Role.AUDITOR]})
        technician = auth.staff(s, "t@test.example", {PROGRAM: [Role.TECHNICIAN]})
        scoped = auth.partner_key(s, [PROGRAM], ["environmental_receipt"])
        unscoped = auth.partner_key(s, [PROGRAM], ["get_trade_in"])
    assert anonymous.get(receipt_path(phone), headers=auth.bearer(outsider)).status_code == 404
    assert anonymous.get(receipt_path(phone), headers=auth.bearer(technician)).status_code == 200
    assert anonymous.get(receipt_path(phone), headers=auth.bearer(scoped)).status_code == 200
    assert anonymous.get(receipt_path(phone), headers=auth.bearer(unscoped)).status_code == 403


def test_the_pdf_is_one_page_naming_the_figures_and_the_version(client, world) -> None:
    r = client.get(receipt_path(world[3]) + ".pdf")  # the wholesale tablet
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("Apple iPad", "0.477 kg", "28.600 kg", "2026.1", "Sold on for reuse"):
        assert expected in text, expected


def test_program_totals_per_version_category_and_route(client, sessions, world) -> None:
    # A receipt issued under an older version keeps its figures, apart from the new ones.
    tid = post_quote(client)["trade_in_id"]
    with sessions.begin() as s:
        s.add(
            EnvironmentalReceipt(
                trade_in_id=tid, program_id=PROGRAM, category="smartphone", route="marketplace",
                factor_version="2025.9", mass_g=171, diverted_g=171, recycled_g=0,
                co2e_avoided_g=20000, issued_at=datetime(2026, 1, 5, tzinfo=UTC),
            )
        )  # fmt: skip
    r = client.get(f"/programs/{PROGRAM}/environment")
    assert r.status_code == 200, r.text
    body = r.json()
    versions = {v["factor_version"]: v for v in body["versions"]}
    current = versions["2026.1"]
    # 3 phones and a tablet reused (26,050 x 3 + 28,600); a phone harvested and a watch recycled.
    assert (current["devices"], current["mass_g"], current["diverted_g"]) == (6, 1216, 1006)
    assert (current["recycled_g"], current["co2e_avoided_g"]) == (210, 106750)
    assert (current["co2e_avoided_kg"], current["diverted_kg"]) == (106.75, 1.006)
    assert (versions["2025.9"]["devices"], versions["2025.9"]["co2e_avoided_g"]) == (1, 20000)
    lines = {(x["factor_version"], x["category"], x["route"]): x for x in body["lines"]}
    phones = lines["2026.1", "smartphone", "marketplace"]
    assert (phones["devices"], phones["diverted_g"], phones["co2e_avoided_g"]) == (2, 342, 52100)
    assert lines["2026.1", "smartphone", "parts"]["recycled_g"] == 171
    assert sum(x["co2e_avoided_g"] for x in body["lines"]) == 106750 + 20000
