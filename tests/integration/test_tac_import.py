"""TAC tables: our fixtures (every kind of bad row), identification's confidence, and the full
public files from ../shared/data when they are there (CI has them)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from revalue.catalog import service as catalog
from revalue.domain.errors import InvalidInput
from revalue.identity import tac
from revalue.identity.identifiers import InvalidImei
from revalue.identity.models import TacEntry
from revalue.identity.tac import Confidence, TacImportError
from tests import factories
from tests.unit.test_identifiers import imei_from

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
OSMOCOM = SHARED / "osmocom-tacdb" / "tacdb.csv"
SAMSUNG = SHARED / "samsung-tacs" / "tacs.csv"
APPLE = SHARED / "apple-device-identifiers" / "ios-device-identifiers.json"
DEFAULT_CATALOG = Path(__file__).parents[2] / "src/revalue/catalog/data/default_catalog.csv"
# The small catalog has no Samsung phone: the tests that link model codes add one.
GALAXY_S24 = (
    "model_id,brand,name,category,release_date,weight_g,identifiers,variant_sku,storage_gb,"
    "ram_gb,connectivity,launch_price,currency\n"
    "samsung-galaxy-s24,Samsung,Galaxy S24,smartphone,2024-01-31,167,"
    '"model_code:SM-S921B;model_code:SM-S921U",samsung-galaxy-s24-128gb,128,,,799.00,USD\n'
)


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def load(sessions, fmt: str, text: str, **kw) -> tac.ImportReport:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return tac.import_file(s, fmt, text, factories.ctx(), **kw)


def rows(sessions, source: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        stmt = select(
            TacEntry.tac, TacEntry.brand, TacEntry.name, TacEntry.model_code,
            TacEntry.catalog_model_id,
        ).where(TacEntry.source == source).order_by(TacEntry.tac)  # fmt: skip
        return [tuple(r) for r in s.execute(stmt)]


@pytest.fixture
def with_s24(sessions, seeded):  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        catalog.import_csv(s, GALAXY_S24)


@pytest.fixture
def both(sessions, with_s24):  # type: ignore[no-untyped-def]
    load(sessions, "osmocom", fixture("tacdb_fixture.csv"))
    load(sessions, "samsung", fixture("tacs_fixture.csv"))


def issues(items) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(i.line, i.tac) for i in items]


def test_the_osmocom_fixture_imports_and_reports_each_bad_row_by_line(sessions, seeded):
    report = load(sessions, "osmocom", fixture("tacdb_fixture.csv"))
    assert (report.rows_read, report.imported, report.linked) == (10, 6, 2)
    assert issues(report.skipped) == [
        (9, "35100005"), (10, "3510007"), (11, "22222222"), (12, "35100008"),
    ]  # fmt: skip
    reasons = [i.reason for i in report.skipped]
    assert reasons == [
        "TAC repeated; kept line 7",
        "the TAC '3510007' is not 8 digits",
        "placeholder TAC, names no device",
        "the brand or model name is empty",
    ]
    assert rows(sessions, "osmocom") == [
        ("35100001", "Apple", "iPhone 15", None, "apple-iphone-15"),
        ("35100002", "Google", "Pixel 8", None, "google-pixel-8"),
        ("35100003", "Siemens", "S99", None, None),
        ("35100004", "Samsung", "SM-S921B/DS", "SM-S921B", None),  # no Samsung in the catalog
        ("35100005", "Nokia", "3310", None, None),  # the first of the repeated TAC
        ("35100006", "Motorola", "V3", None, None),  # its leading space dropped
    ]


def test_the_samsung_fixture_merges_repeated_tacs_and_skips_dummies(sessions, with_s24):
    report = load(sessions, "samsung", fixture("tacs_fixture.csv"))
    assert (report.rows_read, report.imported, report.linked) == (8, 4, 3)
    assert issues(report.merged) == [(5, "35100004")]
    assert issues(report.skipped) == [(6, "12312312"), (7, "3510010"), (9, "35100012")]
    assert rows(sessions, "samsung") == [
        ("35100003", "Samsung", "SM-S921B, SM-S921U", "SM-S921B", "samsung-galaxy-s24"),
        ("35100004", "Samsung", "SM-S921B, SM-S921N", "SM-S921B", "samsung-galaxy-s24"),
        # No exact code in the catalog: linked through the family SM-S921.
        ("35100009", "Samsung", "SM-S921U1, SM-S921W", "SM-S921U1", "samsung-galaxy-s24"),
        ("35100011", "Samsung", "SM-X999Z", "SM-X999Z", None),
    ]


def test_strict_mode_refuses_a_file_with_a_malformed_row_and_writes_nothing(sessions, seeded):
    before = load(sessions, "samsung", "tac,model\n35100020,SM-A546B\n")
    assert before.imported == 1
    with pytest.raises(TacImportError) as err:
        load(sessions, "samsung", fixture("tacs_fixture.csv"), strict=True)
    assert err.value.code == "tac_import_invalid"
    assert err.value.details["errors"] == [
        {"line": 7, "field": "tac", "reason": "the TAC '3510010' is not 8 digits"},
        {"line": 9, "field": "tac", "reason": "no model code"},
    ]
    assert rows(sessions, "samsung") == [("35100020", "Samsung", "SM-A546B", "SM-A546B", None)]


def test_a_clean_file_imports_in_strict_mode_passing_over_blank_lines(sessions, seeded):
    text = "tac,model\n35100020,SM-A546B\n\n12312312,X\n"
    report = load(sessions, "samsung", text, strict=True)
    assert (report.rows_read, report.imported) == (2, 1)
    assert issues(report.skipped) == [(4, "12312312")]  # a placeholder is no malformed row


def test_re_importing_replaces_the_source_and_leaves_the_others(sessions, both):
    first = rows(sessions, "samsung")
    again = load(sessions, "samsung", fixture("tacs_fixture.csv"))
    assert (again.replaced, again.imported) == (4, 4)
    assert rows(sessions, "samsung") == first
    smaller = load(sessions, "samsung", "tac,model\n35100003,SM-S921B\n")
    assert (smaller.replaced, smaller.imported) == (4, 1)
    assert [r[0] for r in rows(sessions, "samsung")] == ["35100003"]
    assert len(rows(sessions, "osmocom")) == 6
    with sessions() as s:
        assert tac.stats(s) == {"osmocom": (6, 3), "samsung": (1, 1)}  # with the S24


@pytest.mark.parametrize(
    ("fmt", "text", "says"),
    [
        ("samsung", "imei,model\n35100003,SM-S921B\n", "header 'tac,model"),
        ("osmocom", "tac,name,name\n35100003,Acme,A1\n", "Osmocom header"),
        ("nokia", "tac,model\n", "unknown TAC format"),
    ],
)
def test_a_file_in_another_layout_is_refused(sessions, seeded, fmt, text, says):
    with pytest.raises(InvalidInput) as err:
        load(sessions, fmt, text)
    assert says in err.value.message
    assert rows(sessions, fmt) == []


@pytest.mark.parametrize(
    ("tac_", "model", "confidence"),
    [
        ("35100004", "samsung-galaxy-s24", Confidence.HIGH),  # Osmocom's code agrees
        ("35100009", "samsung-galaxy-s24", Confidence.MEDIUM),  # Samsung's code alone
        ("35100001", "apple-iphone-15", Confidence.LOW),  # a name match alone
        ("35100003", "samsung-galaxy-s24", Confidence.LOW),  # Siemens vs Samsung
        ("35100005", None, Confidence.LOW),  # a name, no catalog model
        ("35100011", None, Confidence.LOW),  # a code the catalog does not know
        ("35199999", None, Confidence.NONE),  # nobody knows it
    ],
)
def test_identification_says_how_sure_it_is(sessions, both, tac_, model, confidence):
    imei = imei_from(tac_)
    with sessions() as s:
        found = tac.identify(s, imei)
    assert (found.tac, found.imei) == (tac_, imei)
    assert (found.catalog_model_id, found.confidence) == (model, confidence)


def test_disagreeing_sources_are_both_reported(sessions, both):
    with sessions() as s:
        found = tac.identify(s, imei_from("35100003"))
    assert [(c.source, c.brand) for c in found.candidates] == [
        ("osmocom", "Siemens"), ("samsung", "Samsung"),
    ]  # fmt: skip
    assert found.reason == (
        "sources disagree: osmocom says Siemens S99; samsung says Samsung SM-S921B"
    )
    assert (found.source, found.name) == ("samsung", "Samsung Galaxy S24")


def test_an_unknown_tac_is_unidentified_not_an_error(sessions, seeded):
    with sessions() as s:
        found = tac.identify(s, "35199999")
    assert (found.imei, found.candidates, found.source, found.name) == (None, (), None, None)
    assert found.confidence == "none"


def test_an_invalid_imei_is_an_error(sessions, seeded):
    with sessions() as s, pytest.raises(InvalidImei):
        tac.identify(s, imei_from("35100004")[:14] + "0")


def test_an_apple_identifier_is_identified_through_the_catalog(sessions, seeded):
    with sessions() as s:
        assert tac.identify_product(s, "iPhone15,4").catalog_model_id == "apple-iphone-15"
        assert tac.identify_product(s, "iPhone99,9").confidence == Confidence.NONE


@pytest.mark.skipif(not OSMOCOM.exists(), reason="the shared public data is not here")
def test_the_full_osmocom_and_samsung_files_import(sessions):
    with sessions.begin() as s:
        catalog.import_csv(s, DEFAULT_CATALOG.read_text(encoding="utf-8"))
    osmocom_text = OSMOCOM.read_text(encoding="utf-8")
    samsung_text = SAMSUNG.read_text(encoding="utf-8-sig")
    osmocom = load(sessions, "osmocom", osmocom_text)
    samsung = load(sessions, "samsung", samsung_text)
    # Counted here without the importer: data lines, and distinct well-formed real TACs.
    o_tacs = [r[0].strip() for r in list(csv.reader(osmocom_text.splitlines()))[2:]]
    s_tacs = [r[0].strip() for r in list(csv.reader(samsung_text.splitlines()))[1:]]

    def expected(tacs: list[str]) -> int:
        return len({t for t in tacs if re.fullmatch(r"\d{8}", t)} - {"12312312", "22222222"})

    assert osmocom.rows_read == len(osmocom_text.splitlines()) - 2 == 22527
    assert samsung.rows_read == len(samsung_text.splitlines()) - 1 == 8575
    assert osmocom.imported == expected(o_tacs) == 22524
    assert samsung.imported == expected(s_tacs) == 8400
    assert len(samsung.merged) == len(s_tacs) - len(set(s_tacs)) == 165
    with sessions() as s:
        assert tac.stats(s)["osmocom"][0] == osmocom.imported
        assert tac.stats(s)["samsung"][0] == samsung.imported
        siemens = tac.identify(s, imei_from("35066600"))
        iphone = tac.identify(s, "35104463")
        s22 = tac.identify(s, "35002027")
    assert [(c.source, c.brand, c.model_code) for c in siemens.candidates] == [
        ("osmocom", "Siemens", None), ("samsung", "Samsung", "SM-G998B"),
    ]  # fmt: skip
    assert (siemens.catalog_model_id, siemens.confidence) == ("samsung-galaxy-s21-ultra", "low")
    assert [(c.source, c.name) for c in iphone.candidates] == [("osmocom", "iPhone 13")]
    assert (iphone.catalog_model_id, iphone.confidence) == ("apple-iphone-13", "low")
    assert (s22.catalog_model_id, s22.confidence) == ("samsung-galaxy-s22", "medium")


@pytest.mark.skipif(not APPLE.exists(), reason="the shared public data is not here")
def test_the_apple_map_confirms_the_catalogs_apple_identifiers(sessions):
    with sessions.begin() as s:
        catalog.import_csv(s, DEFAULT_CATALOG.read_text(encoding="utf-8"))
    with sessions() as s:
        report = tac.check_apple(s, APPLE.read_text(encoding="utf-8"))
        written = s.scalar(select(func.count()).select_from(TacEntry))
    assert report.rows_read == len(json.loads(APPLE.read_text(encoding="utf-8"))) == 174
    assert ("iPhone16,1", "iPhone 15 Pro", "apple-iphone-15-pro") in report.linked
    assert report.unknown_to_apple == []  # every catalog iPhone/iPad identifier is Apple's
    assert written == 0
