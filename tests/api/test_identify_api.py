"""``GET /identify/{imei}`` and ``POST /tac/import`` over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from revalue.domain.access import Role
from tests import auth
from tests.api.support import PROGRAM, assert_error
from tests.unit.test_identifiers import imei_from

DATA = Path(__file__).resolve().parents[1] / "data"
CSV = {"content-type": "text/csv"}


def upload(client, fmt: str, name: str, **params):  # type: ignore[no-untyped-def]
    return client.post(
        "/tac/import", params={"format": fmt, **params}, content=(DATA / name).read_bytes(),
        headers=CSV,
    )  # fmt: skip


@pytest.fixture
def imported(client, seeded):  # type: ignore[no-untyped-def]
    assert upload(client, "osmocom", "tacdb_fixture.csv").status_code == 200
    assert upload(client, "samsung", "tacs_fixture.csv").status_code == 200


def test_an_import_reports_what_it_read_skipped_and_merged(client, seeded):
    r = upload(client, "samsung", "tacs_fixture.csv")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["source"], body["rows_read"], body["imported"], body["replaced"]) == (
        "samsung", 8, 4, 0,
    )  # fmt: skip
    assert [(i["line"], i["tac"]) for i in body["skipped"]] == [
        (6, "12312312"), (7, "3510010"), (9, "35100012"),
    ]  # fmt: skip
    assert body["merged"] == [
        {"line": 5, "tac": "35100004", "reason": "TAC repeated; its codes merged into line 3"}
    ]


def test_a_strict_import_of_a_file_with_a_bad_row_writes_nothing(client, seeded):
    body = assert_error(
        upload(client, "samsung", "tacs_fixture.csv", strict="true"), 422, "tac_import_invalid",
        field="tac",
    )  # fmt: skip
    assert [e["line"] for e in body["details"]["errors"]] == [7, 9]
    assert client.get(f"/identify/{imei_from('35100009')}").json()["confidence"] == "none"


def test_an_identification_names_its_sources_and_confidence(client, imported):
    imei = imei_from("35100003")
    r = client.get(f"/identify/{imei[:2]}-{imei[2:8]}-{imei[8:]}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["imei"], body["imei_formatted"], body["tac"]) == (
        imei, f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}", "35100003",
    )  # fmt: skip
    assert [(c["source"], c["brand"], c["name"]) for c in body["candidates"]] == [
        ("osmocom", "Siemens", "S99"), ("samsung", "Samsung", "SM-S921B, SM-S921U"),
    ]  # fmt: skip
    # The small catalog has no Samsung phone: nothing links, and the sources disagree.
    assert (body["catalog_model_id"], body["confidence"]) == (None, "low")
    assert body["reason"].startswith("sources disagree")


def test_an_unknown_tac_is_unidentified_not_an_error(client, imported):
    body = client.get(f"/identify/{imei_from('86000000')}").json()
    assert (body["candidates"], body["confidence"], body["catalog_model_id"]) == ([], "none", None)


@pytest.mark.parametrize(
    "typed", ["352099001761482", "35209900176148", "3520990017614812", "35209900176148X"]
)
def test_an_invalid_imei_is_a_422_naming_the_field(client, seeded, typed):
    assert_error(client.get(f"/identify/{typed}"), 422, "invalid_imei", field="imei")


def test_a_receiver_and_a_partner_key_may_identify(anonymous, imported, sessions):
    with sessions.begin() as s:
        receiver = auth.staff(s, "receiver@test.example", {PROGRAM: [Role.RECEIVER]})
        key = auth.partner_key(s, [PROGRAM], ["identify"])
    for token in (receiver, key):
        r = anonymous.get(f"/identify/{imei_from('35100001')}", headers=auth.bearer(token))
        assert r.status_code == 200, r.text
        assert r.json()["catalog_model_id"] == "apple-iphone-15"


def test_an_apple_map_is_checked_against_the_catalog_and_writes_nothing(client, seeded):
    r = client.post(
        "/tac/import", params={"format": "apple"},
        json={"iPhone15,4": "iPhone 15", "iPhone99,1": "iPhone 99", "Bad1,1": 7},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["linked"] == [["iPhone15,4", "iPhone 15", "apple-iphone-15"]]
    assert (body["rows_read"], body["not_in_catalog"]) == (3, 1)
    assert body["skipped"] == [{"line": 3, "tac": "Bad1,1", "reason": "the name is not text"}]


def test_a_file_in_the_wrong_layout_is_a_422(client, seeded):
    r = client.post(
        "/tac/import", params={"format": "osmocom"}, content=b"tac,model\n", headers=CSV
    )
    assert_error(r, 422, "tac_import_invalid", field="body")
    assert client.post("/tac/import", params={"format": "nokia"}, content=b"").status_code == 422
