"""Erasure report files read into reports: the three formats' fixtures, the Blancco mapping, and
every kind of malformed input named by where it is in the file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from revalue.tradeins import erasure_reports
from revalue.tradeins.erasure_formats import ReportFormat

DATA = Path(__file__).parents[1] / "data" / "erasure"
JSON_TEXT = (DATA / "reports.json").read_text()
CSV_TEXT = (DATA / "reports.csv").read_text()
XML_TEXT = (DATA / "blancco.xml").read_text()


def media(report) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    return [(m.kind, m.level, m.technique, m.result) for m in report.record.all_media()]


def problems(fmt: ReportFormat, text: str) -> list[tuple[str, str | None, str]]:
    return [(p.where, p.report_id, p.field) for p in erasure_reports.read(fmt, text)[1]]


def messages(fmt: ReportFormat, text: str) -> list[str]:
    return [p.message for p in erasure_reports.read(fmt, text)[1]]


def test_the_json_fixture_reads_as_two_reports_with_utc_times_and_canonical_identifiers():
    reports, found = erasure_reports.read(ReportFormat.REVALUE_JSON, JSON_TEXT)
    assert found == []
    phone, laptop = reports
    assert (phone.where, phone.report_id, phone.imeis, phone.serial) == (
        "reports[0]", "RW-2026-000101", ("353911101234566",), None,
    )  # fmt: skip
    assert phone.record.started_at == datetime(2026, 6, 14, 7, 0, tzinfo=UTC)
    assert phone.record.completed_at == datetime(2026, 6, 14, 7, 12, 30, tzinfo=UTC)
    assert phone.record.operator == "ana.tech@lab.example"
    assert (phone.record.tool, phone.record.tool_version) == ("Revalue Wipe", "4.2.1")
    assert phone.record.destination == "refurbishment, LDN-1"
    assert media(phone) == [("internal_storage", "purge", "cryptographic_erase", "erased")]
    assert phone.device() == "IMEI 353911101234566 (Apple iPhone 15)"
    assert (laptop.imeis, laptop.serial, laptop.record.operator) == ((), "C02XK1ABJG5H", None)
    assert media(laptop) == [("ssd", "purge", "block_erase", "erased")]


def test_the_csv_fixture_groups_rows_of_one_report_into_its_media():
    reports, found = erasure_reports.read(ReportFormat.REVALUE_CSV, CSV_TEXT)
    assert found == []
    phone, laptop = reports
    assert (phone.where, phone.report_id, phone.imeis) == (
        "line 2", "RW-2026-000201", ("358754081234569",),
    )  # fmt: skip
    assert media(phone) == [
        ("internal_storage", "purge", "cryptographic_erase", "erased"),
        ("removable_card", "clear", "overwrite", "erased_with_exceptions"),
    ]
    assert [m.identifier for m in phone.record.all_media()] == ["", "SD-7F3A21"]
    assert phone.record.completed_at == datetime(2026, 6, 14, 8, 20, tzinfo=UTC)
    assert (laptop.where, laptop.serial, laptop.record.operator) == ("line 4", "C02XK1ABJG5H", None)
    assert laptop.record.verification_method == "sampled sector read-back, 10 %"


def test_the_blancco_fixture_maps_standards_and_states_to_nist_levels_and_results():
    reports, found = erasure_reports.read(ReportFormat.BLANCCO_XML, XML_TEXT)
    assert found == []
    iphone, galaxy, latitude = reports
    assert iphone.report_id == "6f0c1d2e-8a4b-4c1e-9e35-2b7d3f9a1c01"
    # NIST 800-88 Purge on a phone's own flash: its keys destroyed, a cryptographic erase.
    assert media(iphone) == [("internal_storage", "purge", "cryptographic_erase", "erased")]
    assert (iphone.imeis, iphone.serial) == (("868913041234563",), "F2LXK0AAPQ3G")
    record = iphone.record
    assert (record.tool, record.tool_version) == ("Blancco Mobile Diagnostics and Erasure", "5.9.1")
    assert record.operator == "ben.tech@lab.example"
    assert record.started_at == datetime(2026, 6, 14, 9, 1, 17, tzinfo=UTC)  # +0200 in the file
    assert record.completed_at == datetime(2026, 6, 14, 9, 4, 58, tzinfo=UTC)
    assert record.verification_method == "the tool read back 100% of the medium"
    assert record.all_media()[0].capacity_bytes == 128_000_000_000
    assert record.device.model == "iPhone 15"
    # Successful with exceptions, NIST Clear; a dual-SIM phone with both its IMEIs.
    assert media(galaxy) == [("internal_storage", "clear", "overwrite", "erased_with_exceptions")]
    assert galaxy.imeis == ("352099001234562", "356789011234562")
    # A laptop's two drives: an overwrite standard that failed, an SSD standard that passed.
    assert media(latitude) == [
        ("hdd", "clear", "overwrite", "not_erased"),
        ("ssd", "purge", "block_erase", "erased"),
    ]
    assert [m.identifier for m in latitude.record.all_media()] == [
        "WD-WX12A3456789", "S4EVNX0N123456",
    ]  # fmt: skip
    assert (latitude.imeis, latitude.serial) == ((), "5CG1234XYZ")
    assert latitude.record.started_at == datetime(2026, 6, 14, 6, 2, 11, tzinfo=UTC)
    assert latitude.record.completed_at == datetime(2026, 6, 14, 8, 41, 37, tzinfo=UTC)


def test_a_blancco_custom_field_may_name_the_trade_in():
    text = XML_TEXT.replace(
        '<entry name="lot_number" type="string">LOT-0614</entry>',
        '<entry name="trade_in_id" type="string">t_0123456789abcdef012345</entry>',
    )
    reports, _ = erasure_reports.read(ReportFormat.BLANCCO_XML, text)
    assert reports[0].record.device.trade_in_id == "t_0123456789abcdef012345"


def test_a_time_without_an_offset_and_a_bad_level_are_named_by_line_and_column():
    rows = CSV_TEXT.splitlines()
    rows[1] = rows[1].replace("2026-06-14T10:20:00+02:00", "2026-06-14 10:20:00")
    rows[2] = rows[2].replace("2026-06-14T10:20:00+02:00", "2026-06-14 10:20:00")
    rows[2] = rows[2].replace(",clear,overwrite,", ",wiped,overwrite,")
    found = erasure_reports.read(ReportFormat.REVALUE_CSV, "\n".join(rows) + "\n")[1]
    assert [(p.where, p.report_id, p.field) for p in found] == [
        ("line 2", "RW-2026-000201", "completed_at"),
        ("line 3", "RW-2026-000201", "level"),
    ]
    assert "has no UTC offset" in found[0].message
    assert found[1].message == "Input should be 'clear', 'purge' or 'destroy'"


def test_rows_of_one_report_must_agree_on_its_device_and_times():
    rows = CSV_TEXT.splitlines()
    rows[2] = rows[2].replace("358754081234569", "353911101234566")
    found = erasure_reports.read(ReportFormat.REVALUE_CSV, "\n".join(rows))[1]
    assert [(p.where, p.field) for p in found] == [("line 3", "imei")]
    assert found[0].message == "'353911101234566' differs from '358754081234569' on line 2"


def test_a_report_id_twice_in_a_file_is_refused_at_its_second_place():
    doc = json.loads(JSON_TEXT)
    doc["reports"][1]["report_id"] = "RW-2026-000101"
    assert problems(ReportFormat.REVALUE_JSON, json.dumps(doc)) == [
        ("reports[1]", "RW-2026-000101", "report_id")
    ]
    assert messages(ReportFormat.REVALUE_JSON, json.dumps(doc)) == [
        "also at reports[0]: a report is imported once"
    ]


def test_json_problems_name_the_report_and_the_field_path():
    doc = json.loads(JSON_TEXT)
    doc["reports"][0]["device"]["imei"] = "35 391110 123456 7"
    doc["reports"][1]["media"][0]["technique"] = "physical_destruction"
    doc["reports"][1]["colour"] = "grey"
    assert problems(ReportFormat.REVALUE_JSON, json.dumps(doc)) == [
        ("reports[0]", "RW-2026-000101", "device.imei"),
        ("reports[1]", "RW-2026-000102", "media[0]"),
        ("reports[1]", "RW-2026-000102", "colour"),
    ]
    assert messages(ReportFormat.REVALUE_JSON, json.dumps(doc))[:2] == [
        "the check digit is 7 but should be 6: a digit is mistyped",
        "physical destruction is the Destroy level, and only it",
    ]


def test_a_report_without_a_device_or_completion_time_is_refused():
    doc = json.loads(JSON_TEXT)
    doc["reports"][0]["device"] = {"model": "iPhone 15"}
    del doc["reports"][1]["completed_at"]
    assert problems(ReportFormat.REVALUE_JSON, json.dumps(doc)) == [
        ("reports[0]", "RW-2026-000101", "device"),
        ("reports[1]", "RW-2026-000102", "completed_at"),
    ]


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        (ReportFormat.REVALUE_JSON, "{not json", [("line 1", None, "body")]),
        (ReportFormat.REVALUE_JSON, '{"format": "x", "version": 2, "reports": []}',
         [("document", None, "format"), ("document", None, "version")]),
        (ReportFormat.REVALUE_CSV, "report_id,imei,level\n", [("line 1", None, "header")]),
        (ReportFormat.BLANCCO_XML, "<root><report>", [("line 1", None, "body")]),
        (ReportFormat.BLANCCO_XML, "<root/>", [("document", None, "body")]),
    ],
)  # fmt: skip
def test_a_file_that_is_not_its_format_is_one_problem(fmt, text, expected):
    assert problems(fmt, text) == expected


def test_unknown_blancco_standards_and_states_are_named_per_erasure():
    text = XML_TEXT.replace("HMG Infosec Standard 5, Higher Standard", "Super Wipe 3000")
    text = text.replace(">Failed<", ">Paused<")
    text = text.replace("2026-06-14T11:31:22+0200", "2026-06-14 11:31:22")
    found = erasure_reports.read(ReportFormat.BLANCCO_XML, text)[1]
    report_2, report_3 = (
        "6f0c1d2e-8a4b-4c1e-9e35-2b7d3f9a1c02",
        "6f0c1d2e-8a4b-4c1e-9e35-2b7d3f9a1c03",
    )
    assert [(p.where, p.report_id, p.field) for p in found] == [
        ("report 2, erasure 1", report_2, "end_time"),
        ("report 3, erasure 1", report_3, "erasure_standard_name"),
        ("report 3, erasure 1", report_3, "state"),
    ]
    assert found[1].message.startswith("erasure standard 'Super Wipe 3000' is not mapped")


def test_xml_with_a_dtd_or_entities_is_refused_before_anything_is_expanded():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE root [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><root>&b;</root>'
    )
    assert messages(ReportFormat.BLANCCO_XML, bomb) == [
        "the XML declares a DTD or entities: refused"
    ]


def test_a_file_over_the_limits_is_refused_whole(monkeypatch):
    monkeypatch.setattr(erasure_reports, "MAX_BYTES", len(CSV_TEXT) - 1)
    with pytest.raises(erasure_reports.ErasureReportTooLarge):
        erasure_reports.read(ReportFormat.REVALUE_CSV, CSV_TEXT)
    monkeypatch.setattr(erasure_reports, "MAX_BYTES", 20 * 2**20)
    monkeypatch.setattr(erasure_reports, "MAX_REPORTS", 1)
    with pytest.raises(erasure_reports.ErasureReportTooLarge):
        erasure_reports.read(ReportFormat.REVALUE_CSV, CSV_TEXT)
