"""Erasure reports imported over HTTP and from the command line: each report lands on the
trade-in its device matches, a file with any problem writes nothing and names every problem,
and sending a file again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from revalue.domain.access import Role
from revalue.tradeins import erasure_reports
from revalue.tradeins.models import Sanitization
from tests import auth, factories
from tests.api.support import PROGRAM, accepted, assert_error, ok, quote_body, read, snapshot
from tests.integration.test_cli import cli_db, invoke  # noqa: F401 (cli_db: a fixture)

DATA = Path(__file__).parents[1] / "data" / "erasure"
FILES = {
    "revalue-json": (DATA / "reports.json").read_text(),
    "revalue-csv": (DATA / "reports.csv").read_text(),
    "blancco-xml": (DATA / "blancco.xml").read_text(),
}
MEDIA_TYPE = {"revalue-json": "application/json", "revalue-csv": "text/csv",
              "blancco-xml": "application/xml"}  # fmt: skip
ADMIN = "staff:admin@test.example"
JSON_PHONE, CSV_PHONE = "353911101234566", "358754081234569"
MACBOOK = "C02XK1ABJG5H"


def inspected(client, **identifiers: str) -> str:  # type: ignore[no-untyped-def]
    """A trade-in ready to be erased, its identity recorded at receiving."""
    tid = accepted(client, pathway="in_store")
    ok(client, tid, "receive", {"identifiers": identifiers})
    ok(client, tid, "inspect", {"condition": factories.answers()})
    return tid


def send(client, fmt: str, text: str | None = None, **kw):  # type: ignore[no-untyped-def]
    body = (FILES[fmt] if text is None else text).encode()
    headers = {"content-type": MEDIA_TYPE[fmt], **kw.pop("headers", {})}
    return client.post(
        "/sanitization-reports", params={"format": fmt}, content=body, headers=headers, **kw
    )


def records(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Sanitization)) or 0


def outcome(report_id: str, tid: str, result: str, state: str, earlier: bool = False) -> dict:
    return {"report_id": report_id, "already_imported": earlier, "trade_in_id": tid,
            "result": result, "state": state}  # fmt: skip


def test_a_json_file_records_each_report_on_the_trade_in_its_device_matches(client, seeded):
    phone, laptop = inspected(client, imei=JSON_PHONE), inspected(client, serial=MACBOOK)
    r = send(client, "revalue-json")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "format": "revalue-json",
        "imported": 2,
        "already_imported": 0,
        "records": [
            outcome("RW-2026-000101", phone, "erased", "sanitized"),
            outcome("RW-2026-000102", laptop, "erased", "sanitized"),
        ],
    }
    [record] = client.get(f"/trade-ins/{phone}/sanitizations").json()
    assert {k: record[k] for k in ("source", "report_id", "operator", "tool", "tool_version",
                                   "started_at", "completed_at", "destination", "location")} == {
        "source": "revalue-json", "report_id": "RW-2026-000101",
        "operator": "ana.tech@lab.example", "tool": "Revalue Wipe", "tool_version": "4.2.1",
        "started_at": "2026-06-14T07:00:00Z", "completed_at": "2026-06-14T07:12:30Z",
        "destination": "refurbishment, LDN-1", "location": "test-lab",
    }  # fmt: skip
    # A report that names no operator: the one who imported it answers for it.
    [record] = client.get(f"/trade-ins/{laptop}/sanitizations").json()
    assert (record["operator"], record["media"][0]["identifier"]) == (ADMIN, "S6PTNZ0T812345")
    custody = read(client, phone)["custody"]
    assert custody[-1]["actor"] == ADMIN and custody[-1]["data"]["source"] == "revalue-json"


def test_sending_the_same_file_again_changes_nothing(client, seeded, sessions):
    phone, laptop = inspected(client, imei=JSON_PHONE), inspected(client, serial=MACBOOK)
    assert send(client, "revalue-json").status_code == 200
    before = records(sessions), snapshot(client, phone), snapshot(client, laptop)
    r = send(client, "revalue-json")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "format": "revalue-json",
        "imported": 0,
        "already_imported": 2,
        "records": [
            outcome("RW-2026-000101", phone, "erased", "sanitized", earlier=True),
            outcome("RW-2026-000102", laptop, "erased", "sanitized", earlier=True),
        ],
    }
    assert (records(sessions), snapshot(client, phone), snapshot(client, laptop)) == before


def test_a_csv_report_that_left_a_card_with_exceptions_sends_the_device_back(client, seeded):
    phone, laptop = inspected(client, imei=CSV_PHONE), inspected(client, serial=MACBOOK)
    r = send(client, "revalue-csv")
    assert r.status_code == 200, r.text
    assert r.json()["records"] == [
        outcome("RW-2026-000201", phone, "erased_with_exceptions", "sanitization_failed"),
        outcome("RW-2026-000202", laptop, "erased", "sanitized"),
    ]
    [record] = client.get(f"/trade-ins/{phone}/sanitizations").json()
    assert (record["level"], record["technique"], len(record["media"])) == ("clear", "mixed", 2)


def test_a_blancco_export_lands_on_phones_by_either_imei_and_on_a_laptop_by_serial(client, seeded):
    iphone = inspected(client, imei="868913041234563")
    galaxy = inspected(client, imei="356789011234562")  # the phone's second IMEI
    latitude = inspected(client, serial="5CG1234XYZ")
    r = send(client, "blancco-xml")
    assert r.status_code == 200, r.text
    uuid = "6f0c1d2e-8a4b-4c1e-9e35-2b7d3f9a1c0"
    assert r.json()["records"] == [
        outcome(f"{uuid}1", iphone, "erased", "sanitized"),
        outcome(f"{uuid}2", galaxy, "erased_with_exceptions", "sanitization_failed"),
        outcome(f"{uuid}3", latitude, "not_erased", "sanitization_failed"),
    ]
    [record] = client.get(f"/trade-ins/{latitude}/sanitizations").json()
    assert {k: record[k] for k in ("level", "technique", "result", "operator", "tool")} == {
        "level": "clear", "technique": "mixed", "result": "not_erased",
        "operator": "cara.tech@lab.example", "tool": "Blancco Drive Eraser",
    }  # fmt: skip


def test_one_unknown_device_among_good_ones_writes_nothing_and_names_it(client, seeded, sessions):
    phone = inspected(client, imei=JSON_PHONE)  # the laptop was never received
    before = snapshot(client, phone)
    body = assert_error(send(client, "revalue-json"), 422, "erasure_report_invalid", "body")
    assert body["details"]["problems"] == [
        {
            "where": "reports[1]",
            "report_id": "RW-2026-000102",
            "field": "device",
            "message": "no open trade-in has this device: serial C02XK1ABJG5H "
            "(Apple MacBook Air 13 M2)",
        }
    ]
    assert body["message"] == "1 problem(s) in the file; nothing was imported"
    assert records(sessions) == 0
    assert snapshot(client, phone) == before


def test_a_device_in_two_open_trade_ins_is_ambiguous(client, seeded, sessions):
    first, second = inspected(client, imei=JSON_PHONE), inspected(client, imei=JSON_PHONE)
    inspected(client, serial=MACBOOK)
    body = assert_error(send(client, "revalue-json"), 422, "erasure_report_invalid")
    [problem] = body["details"]["problems"]
    assert problem["report_id"] == "RW-2026-000101"
    assert f"is in 2 open trade-ins ({', '.join(sorted([first, second]))})" in problem["message"]
    assert records(sessions) == 0


def test_a_closed_trade_in_of_the_same_device_does_not_count(client, seeded):
    quote = client.post("/quotes", json={**quote_body(), "imei": JSON_PHONE})
    old = quote.json()["trade_in_id"]
    ok(client, old, "cancel")
    phone, laptop = inspected(client, imei=JSON_PHONE), inspected(client, serial=MACBOOK)
    r = send(client, "revalue-json")
    assert r.status_code == 200, r.text
    assert [o["trade_in_id"] for o in r.json()["records"]] == [phone, laptop]
    assert read(client, old)["state"] == "cancelled"


def test_a_device_the_lifecycle_refuses_is_a_problem_of_the_file(client, seeded, sessions):
    phone = accepted(client, pathway="in_store")
    ok(client, phone, "receive", {"identifiers": {"imei": JSON_PHONE}})  # not inspected yet
    laptop = inspected(client, serial=MACBOOK)
    before = snapshot(client, laptop)
    body = assert_error(send(client, "revalue-json"), 422, "erasure_report_invalid")
    [problem] = body["details"]["problems"]
    assert (problem["where"], problem["field"]) == ("reports[0]", "device")
    assert problem["message"].startswith(f"trade-in {phone}: cannot sanitize a trade-in that is")
    assert problem["message"].endswith("(illegal_transition)")
    assert records(sessions) == 0
    assert snapshot(client, laptop) == before  # recorded, then rolled back with the rest


def test_a_report_completed_after_now_is_refused(client, seeded, sessions):
    tid = inspected(client, imei=JSON_PHONE)
    doc = json.loads(FILES["revalue-json"])
    doc["reports"] = doc["reports"][:1]
    doc["reports"][0]["completed_at"] = "2026-06-15T12:00:01Z"  # the test clock: 12:00 UTC
    body = assert_error(
        send(client, "revalue-json", json.dumps(doc)), 422, "erasure_report_invalid"
    )
    [problem] = body["details"]["problems"]
    assert (problem["field"], problem["message"]) == (
        "completed_at",
        f"trade-in {tid}: completed_at is in the future (invalid_input)",
    )
    assert records(sessions) == 0


def test_malformed_rows_are_named_by_line_and_column(client, seeded, sessions):
    inspected(client, imei=CSV_PHONE)
    inspected(client, serial=MACBOOK)
    bad = FILES["revalue-csv"].replace("2026-06-14T07:58:05Z", "2026-06-14 07:58:05")
    bad = bad.replace(",clear,overwrite,", ",wiped,overwrite,")
    body = assert_error(send(client, "revalue-csv", bad), 422, "erasure_report_invalid")
    assert [(p["where"], p["field"]) for p in body["details"]["problems"]] == [
        ("line 3", "level"),
        ("line 4", "completed_at"),
    ]
    assert records(sessions) == 0


def test_a_report_may_name_its_trade_in(client, seeded):
    tid = inspected(client)
    doc = json.loads(FILES["revalue-json"])
    doc["reports"] = doc["reports"][:1]
    doc["reports"][0]["device"] = {"trade_in_id": tid}
    r = send(client, "revalue-json", json.dumps(doc))
    assert r.status_code == 200, r.text
    assert r.json()["records"] == [outcome("RW-2026-000101", tid, "erased", "sanitized")]
    doc["reports"][0].update(report_id="RW-2026-000199", device={"trade_in_id": "t_nope"})
    body = assert_error(
        send(client, "revalue-json", json.dumps(doc)), 422, "erasure_report_invalid"
    )
    assert body["details"]["problems"][0]["message"] == "no trade-in t_nope"


def test_a_technician_finds_only_their_programs_devices(client, anonymous, seeded, sessions):
    inspected(client, imei=JSON_PHONE)
    inspected(client, serial=MACBOOK)
    with sessions.begin() as s:
        factories.add_program(s, "rival")
        rival = auth.staff(s, "tech@rival.example", {"rival": [Role.TECHNICIAN]})
        ours = auth.staff(s, "tech@acme.example", {PROGRAM: [Role.TECHNICIAN]})
    refused = send(anonymous, "revalue-json", headers=auth.bearer(rival))
    problems = assert_error(refused, 422, "erasure_report_invalid")["details"]["problems"]
    assert [p["message"].split(":")[0] for p in problems] == [
        "no open trade-in has this device"
    ] * 2
    r = send(anonymous, "revalue-json", headers=auth.bearer(ours))
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, seeded, monkeypatch):
    monkeypatch.setattr(erasure_reports, "MAX_BYTES", 100)
    assert_error(send(client, "revalue-json"), 422, "erasure_report_too_large", "body")


@pytest.mark.usefixtures("cli_db")
def test_the_cli_imports_a_file_once_and_refuses_a_bad_one_whole(
    client, seeded, sessions, tmp_path
):
    phone, laptop = inspected(client, imei=CSV_PHONE), inspected(client, serial=MACBOOK)
    path = tmp_path / "reports.csv"
    path.write_text(FILES["revalue-csv"].replace(",clear,overwrite,", ",wiped,overwrite,"))
    before = snapshot(client, phone), snapshot(client, laptop)
    refused = invoke("sanitization", "import", str(path), "--format", "revalue-csv")
    assert refused.exit_code == 1
    assert "erasure_report_invalid: 1 problem(s) in the file; nothing was imported" in refused.text
    assert "line 3 (report RW-2026-000201), level: Input should be" in refused.text
    assert records(sessions) == 0
    assert (snapshot(client, phone), snapshot(client, laptop)) == before
    path.write_text(FILES["revalue-csv"])
    result = invoke("sanitization", "import", str(path), "--format", "revalue-csv")
    assert result.exit_code == 0, result.output
    assert "revalue-csv: 2 report(s): 2 imported, 0 already imported." in result.text
    assert read(client, laptop)["state"] == "sanitized"
    again = invoke("sanitization", "import", str(path), "--format", "revalue-csv")
    assert "2 report(s): 0 imported, 2 already imported." in again.text
    assert records(sessions) == 2
