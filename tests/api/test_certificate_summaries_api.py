"""Summary certificates of a batch or business lot: totals and a line per device, device
certificates issued on the way, idempotent per reference, all or nothing, tamper-evident."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revalue.certificates.models import Certificate
from revalue.cli.main import app as cli
from revalue.tradeins.models import CustodyEvent
from tests import factories
from tests.api.support import NOT_ERASED, PROGRAM, assert_error, post_quote, read, sanitized
from tests.api.test_certificates_api import pdf_text

SUMMARIES = f"/programs/{PROGRAM}/certificate-summaries"
CLEARED = {"level": "clear", "technique": "overwrite", "result": "erased"}


def written(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Certificates and custody events in the database: what a refusal must leave alone."""
    with sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Certificate)),
            s.scalar(select(func.count()).select_from(CustodyEvent)),
        )


def summarize(client, reference: str, trade_in_ids: list[str]):  # type: ignore[no-untyped-def]
    return client.post(SUMMARIES, json={"reference": reference, "trade_in_ids": trade_in_ids})


@pytest.fixture
def lot(client, seeded) -> list[str]:  # type: ignore[no-untyped-def]
    """Three erased devices: two purged, one cleared; the first already has its certificate."""
    ids = [sanitized(client), sanitized(client), sanitized(client, result=CLEARED)]
    assert client.post(f"/trade-ins/{ids[0]}/certificate").status_code == 201
    return ids


def test_a_summary_sums_up_the_lot_and_issues_the_missing_device_certificates(
    client, anonymous, lot
):
    first = client.get(f"/trade-ins/{lot[0]}/certificates").json()
    r = summarize(client, "LOT-42", lot)
    assert r.status_code == 201, r.text
    doc = r.json()
    cert = doc["certificate"]
    assert cert["kind"] == "summary" and cert["reference"] == "LOT-42"
    assert cert["program_id"] == PROGRAM and cert["program_name"] == "Acme Trade-In"
    assert cert["verification_url"] == f"/verify/{cert['certificate_id']}"
    assert cert["totals"] == {
        "devices": 3,
        "by_method_type": {"clear": 1, "purge": 2},
        "by_result": {"erased": 3},
    }
    lines = {line["trade_in_id"]: line for line in cert["devices"]}
    assert list(lines) == sorted(lot)
    # The device that had a certificate keeps it; the others got theirs now.
    assert lines[lot[0]]["certificate_id"] == first[0]["certificate"]["certificate_id"]
    for tid in lot:
        (device,) = client.get(f"/trade-ins/{tid}/certificates").json()
        d = device["certificate"]
        assert lines[tid] == {
            "certificate_id": d["certificate_id"],
            "trade_in_id": tid,
            "manufacturer": "Apple",
            "model": "iPhone 15",
            "serial_number": "not recorded",
            "imei": "not recorded",
            "method_type": d["sanitization"]["method_type"],
            "method": d["sanitization"]["method"],
            "result": "erased",
            "record_id": d["sanitization"]["record_id"],
        }
        custody = read(client, tid)["custody"]
        assert custody[-1]["action"] == "certify_summary"
        assert custody[-1]["data"]["certificate_id"] == cert["certificate_id"]
        assert custody[-1]["data"]["reference"] == "LOT-42"
    assert lines[lot[2]]["method_type"] == "clear"
    # Checkable by anyone, like a device certificate.
    public = anonymous.get(f"/certificates/{cert['certificate_id']}").json()
    assert public == {"document": doc, "verification": public["verification"]}
    assert public["verification"]["valid"] is True
    assert anonymous.post("/certificates/verify", json=doc).json()["valid"] is True
    listed = client.get(SUMMARIES).json()
    assert [(s["certificate_id"], s["reference"], s["totals"]) for s in listed] == [
        (cert["certificate_id"], "LOT-42", cert["totals"])
    ]


def test_the_same_reference_and_trade_ins_return_the_same_summary(client, sessions, lot):
    doc = summarize(client, "LOT-42", lot).json()
    before = written(sessions)
    again = summarize(client, "LOT-42", list(reversed(lot)))  # the same set, another order
    assert again.status_code == 201 and again.json() == doc
    assert written(sessions) == before


def test_the_same_reference_with_other_trade_ins_is_a_conflict(client, sessions, lot):
    summarize(client, "LOT-42", lot[:2])
    before = written(sessions)
    body = assert_error(summarize(client, "LOT-42", lot), 409, "summary_reference_conflict")
    assert body["details"]["field"] == "reference"
    assert body["details"]["not_covered"] == [lot[2]]
    assert written(sessions) == before
    assert client.get(f"/trade-ins/{lot[2]}/certificates").json() == []


def test_a_trade_in_that_cannot_be_certified_is_named_and_nothing_is_written(client, sessions, lot):
    failed = sanitized(client, result=NOT_ERASED)
    quoted = post_quote(client)["trade_in_id"]
    before = written(sessions)
    body = assert_error(
        summarize(client, "LOT-42", [*lot, failed, quoted]), 409, "trade_ins_not_certifiable"
    )
    assert failed in body["message"] and quoted in body["message"]
    refused = {r["trade_in_id"]: r["reason"] for r in body["details"]["refused"]}
    assert set(refused) == {failed, quoted}
    assert "last: not_erased" in refused[failed] and "last: none" in refused[quoted]
    # Not even the device certificates the good ones lacked.
    assert written(sessions) == before
    assert client.get(f"/trade-ins/{lot[1]}/certificates").json() == []
    assert client.get(SUMMARIES).json() == []


def test_a_record_awaiting_independent_verification_is_named(client, sessions, seeded):
    r = client.patch(f"/programs/{PROGRAM}", json={"erasure_verification_bp": 10000})
    assert r.status_code == 200, r.text
    sampled = sanitized(client)
    before = written(sessions)
    body = assert_error(summarize(client, "LOT-7", [sampled]), 409, "trade_ins_not_certifiable")
    (refused,) = body["details"]["refused"]
    assert refused["trade_in_id"] == sampled and "independent verification" in refused["reason"]
    assert written(sessions) == before


def test_another_programs_trade_in_reads_as_unknown_and_nothing_is_written(client, sessions, lot):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
    theirs = post_quote(client, program="rival")["trade_in_id"]
    before = written(sessions)
    body = assert_error(
        summarize(client, "LOT-42", [*lot, theirs, "t_missing"]),
        422,
        "unknown_trade_ins",
        field="trade_in_ids",
    )
    assert body["details"]["trade_in_ids"] == [theirs, "t_missing"]
    assert written(sessions) == before


@pytest.mark.parametrize(
    ("trade_in_ids", "words"),
    [
        ([], "at least one"),
        (["t_a", "t_b", "t_a"], "repeated t_a"),
        ([f"t_{n}" for n in range(10_001)], "at most 10,000"),
    ],
)
def test_empty_repeated_and_oversized_lists_are_refused(
    client, sessions, seeded, trade_in_ids, words
):
    before = written(sessions)
    body = assert_error(
        summarize(client, "LOT-1", trade_in_ids), 422, "invalid_trade_in_list", "trade_in_ids"
    )
    assert words in body["message"]
    assert written(sessions) == before


@pytest.mark.parametrize("reference", ["", " LOT", "x" * 121])
def test_a_blank_padded_or_long_reference_is_refused(client, seeded, reference):
    assert_error(summarize(client, reference, ["t_a"]), 422, "validation_error", "reference")


@pytest.mark.parametrize(
    "path",
    [
        ("totals", "devices"),
        ("devices", 1, "serial_number"),
        ("devices", 0, "result"),
        ("reference",),
    ],
)
def test_changing_any_field_of_a_summary_fails_verification(client, anonymous, lot, path):
    doc = summarize(client, "LOT-42", lot).json()
    tampered = copy.deepcopy(doc)
    target = tampered["certificate"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = 2 if path[-1] == "devices" else "changed"
    verdict = anonymous.post("/certificates/verify", json=tampered).json()
    assert verdict["valid"] is False and "changed after signing" in verdict["reason"]


def test_the_summary_pdf_shows_totals_and_every_device(client, anonymous, lot):
    cert = summarize(client, "LOT-42", lot).json()["certificate"]
    r = anonymous.get(f"/certificates/{cert['certificate_id']}.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    flat = pdf_text(r.content)
    assert "Summary Certificate of Sanitization" in flat and "LOT-42" in flat
    assert "clear: 1, purge: 2" in flat and "erased: 3" in flat
    assert f"http://testserver/verify/{cert['certificate_id']}" in flat
    for line in cert["devices"]:
        assert line["certificate_id"] in flat and line["trade_in_id"] in flat


def test_the_cli_sums_up_a_summary_in_one_line(client, anonymous, lot, tmp_path):
    doc = summarize(client, "LOT-42", lot).json()
    (tmp_path / "summary.json").write_text(json.dumps(doc))
    (tmp_path / "keys.json").write_text(
        anonymous.get("/.well-known/revalue-certificate-keys.json").text
    )
    out = CliRunner().invoke(cli, ["certificates", "verify", str(tmp_path / "summary.json"),
                                   "--keys", str(tmp_path / "keys.json")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1] == (
        f"summary certificate {doc['certificate']['certificate_id']} of program acme, "
        "reference LOT-42: 3 devices (clear 1, purge 2; erased 3)"
    )
