"""Certificates through the API: issued only for a passing record, public verification of
the stored and of a presented document, the key list, offline verification by the CLI."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from revalue.cli.main import app as cli
from revalue.domain.access import Role
from revalue.events.models import OutboxEvent, WebhookDelivery
from tests import auth, factories
from tests.api.support import (
    NOT_ERASED,
    PROGRAM,
    SANITIZED,
    accepted,
    act,
    assert_error,
    ok,
    read,
    sanitized,
)
from tests.api.test_screening_api import imei

runner = CliRunner()


def test_a_certificate_is_issued_verified_publicly_and_offline(client, anonymous, seeded, tmp_path):
    tid = sanitized(client)
    r = client.post(f"/trade-ins/{tid}/certificate")
    assert r.status_code == 201, r.text
    doc = r.json()
    cert = doc["certificate"]
    assert cert["sanitization"]["method_type"] == "purge" and cert["trade_in_id"] == tid
    assert cert["standard"] == "NIST SP 800-88 Rev.1"
    # Again: the same certificate, not a second one.
    assert client.post(f"/trade-ins/{tid}/certificate").json() == doc
    assert read(client, tid)["custody"][-1]["action"] == "certify"
    # Anyone can check it: no login.
    public = anonymous.get(f"/certificates/{cert['certificate_id']}").json()
    assert public["verification"]["valid"] is True and public["document"] == doc
    assert anonymous.post("/certificates/verify", json=doc).json()["valid"] is True
    tampered = json.loads(json.dumps(doc))
    tampered["certificate"]["sanitization"]["result"] = "erased_with_exceptions"
    verdict = anonymous.post("/certificates/verify", json=tampered).json()
    assert verdict["valid"] is False and "changed after signing" in verdict["reason"]
    # Offline: the document and the published key list, nothing else.
    keys = anonymous.get("/.well-known/revalue-certificate-keys.json").json()
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    (tmp_path / "good.json").write_text(json.dumps(doc))
    (tmp_path / "bad.json").write_text(json.dumps(tampered))
    good = runner.invoke(cli, ["certificates", "verify", str(tmp_path / "good.json"),
                               "--keys", str(tmp_path / "keys.json")])  # fmt: skip
    assert good.exit_code == 0 and "VALID" in good.output
    bad = runner.invoke(cli, ["certificates", "verify", str(tmp_path / "bad.json"),
                              "--keys", str(tmp_path / "keys.json")])  # fmt: skip
    assert bad.exit_code == 1 and "changed after signing" in " ".join(bad.output.split())


def test_no_certificate_without_a_passing_record_and_nothing_is_written(client, seeded):
    tid = sanitized(client, result=NOT_ERASED)
    before = read(client, tid)["custody"]
    assert_error(act(client, tid, "certificate"), 409, "sanitization_not_passing")
    assert read(client, tid)["custody"] == before
    assert client.get(f"/trade-ins/{tid}/certificates").json() == []
    assert SANITIZED["result"] == "erased"


def test_an_unknown_certificate_is_a_404(anonymous, seeded):
    assert_error(anonymous.get("/certificates/cert_nope"), 404, "certificate_not_found")


TWO_MEDIA = {
    "media": [
        {
            "kind": "internal_storage",
            "identifier": "NAND-7731",
            "capacity_bytes": 128_000_000_000,
            "level": "purge",
            "technique": "cryptographic_erase",
            "result": "erased",
        },
        {
            "kind": "removable_card",
            "identifier": "SD-0042",
            "capacity_bytes": 64_000_000_000,
            "level": "clear",
            "technique": "overwrite",
            "result": "erased",
        },
    ],
    "tool": "Revalue Wipe",
    "tool_version": "4.2.1",
    "verification_method": "full read-back of every block",
    "destination": "refurbishment, site LDN-1",
}


def verified_two_media(client, anonymous, sessions) -> str:  # type: ignore[no-untyped-def]
    """A dual-SIM device received with its identifiers, erased medium by medium with a tool,
    and its record checked by a technician other than the operator."""
    tid = accepted(client, pathway="in_store")
    identifiers = {"imei": imei(176148), "imei2": imei(176149), "serial": "F2LXK0000042"}
    ok(client, tid, "receive", {"identifiers": identifiers})
    ok(client, tid, "inspect", {"condition": factories.answers()})
    ok(client, tid, "sanitize", TWO_MEDIA)
    with sessions.begin() as s:
        verifier = auth.staff(s, "verifier@test.example", {PROGRAM: [Role.TECHNICIAN]})
    r = anonymous.post(
        f"/trade-ins/{tid}/sanitizations/verify",
        json={"passed": True, "method": "sampled sector read-back"},
        headers=auth.bearer(verifier),
    )
    assert r.status_code == 200, r.text
    return tid


def test_the_certificate_names_the_device_each_medium_and_the_verifier(
    client, anonymous, seeded, sessions
):
    tid = verified_two_media(client, anonymous, sessions)
    cert = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]
    assert cert["kind"] == "device" and cert["verification_url"].startswith("/verify/cert_")
    assert cert["device"]["imei"] == "35 209900 176148 " + imei(176148)[-1]
    assert cert["device"]["imei2"] == "35 209900 176149 " + imei(176149)[-1]
    assert cert["device"]["serial_number"] == "F2LXK0000042"
    assert [(m["type"], m["identifier"], m["method_type"]) for m in cert["media"]] == [
        ("internal_storage", "NAND-7731", "purge"),
        ("removable_card", "SD-0042", "clear"),
    ]
    # The record sums its media up by the weakest level.
    assert cert["sanitization"]["method_type"] == "clear"
    assert cert["sanitization"]["method"] == "mixed"
    assert cert["verified_by"]["method"] == "sampled sector read-back"
    assert cert["verified_by"]["result"] == "passed"
    assert cert["destination"] == "refurbishment, site LDN-1"


def test_the_pdf_shows_every_field_and_links_to_the_verification_page(
    client, anonymous, seeded, sessions
):
    tid = verified_two_media(client, anonymous, sessions)
    doc = client.post(f"/trade-ins/{tid}/certificate").json()
    cert = doc["certificate"]
    r = anonymous.get(f"/certificates/{cert['certificate_id']}.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    flat = pdf_text(r.content)
    device, san = cert["device"], cert["sanitization"]
    for value in (
        cert["certificate_id"],
        cert["standard"],
        device["manufacturer"],
        device["model"],
        device["serial_number"],
        device["imei"],
        device["imei2"],
        device["asset_number"],
        "Storage medium 1 of 2",
        "NAND-7731",
        "128 GB",
        "cryptographic erase",
        "Storage medium 2 of 2",
        "SD-0042",
        "64 GB",
        "overwrite",
        "Revalue Wipe",
        "4.2.1",
        "full read-back of every block",
        f"Sanitization record {san['record_id']}",
        cert["performed_by"]["operator"],
        cert["verified_by"]["verifier"],
        "sampled sector read-back",
        "refurbishment, site LDN-1",
        doc["signature"]["key_id"],
        # The QR code and the printed address: the absolute public page.
        f"http://testserver/verify/{cert['certificate_id']}",
    ):
        assert value in flat, value


def test_without_independent_verification_the_pdf_says_not_sampled(client, anonymous, seeded):
    tid = sanitized(client)
    cert = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]
    assert cert["verified_by"] is None
    flat = pdf_text(anonymous.get(f"/certificates/{cert['certificate_id']}.pdf").content)
    assert "not sampled for independent verification" in flat


def test_the_cli_sums_up_a_device_certificate_in_one_line(client, anonymous, seeded, tmp_path):
    tid = sanitized(client)
    cert_id = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]["certificate_id"]
    # Saved as the public JSON serves it: the document beside the server's own verdict.
    (tmp_path / "cert.json").write_text(anonymous.get(f"/certificates/{cert_id}").text)
    (tmp_path / "keys.json").write_text(
        anonymous.get("/.well-known/revalue-certificate-keys.json").text
    )
    out = runner.invoke(cli, ["certificates", "verify", str(tmp_path / "cert.json"),
                              "--keys", str(tmp_path / "keys.json")])  # fmt: skip
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert len(lines) == 2 and lines[0].startswith("VALID")
    assert lines[1] == (
        f"certificate {cert_id} for trade-in {tid}: Apple iPhone 15, serial not recorded, "
        "purge (cryptographic erase), erased"
    )


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_partners_hear_of_a_certificate_through_their_webhook(client, seeded, sessions):
    r = client.post(
        "/programs/acme/webhooks",
        json={"url": "https://partner.example/hooks", "event_types": ["certificate.issued"]},
    )
    assert r.status_code == 201, r.text
    tid = sanitized(client)
    cert = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]
    client.post(f"/trade-ins/{tid}/certificate")  # the same record again: no second event
    with sessions() as s:
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.type == "certificate.issued"))
        [event] = list(events)
        deliveries = s.scalars(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id))
        assert len(list(deliveries)) == 1
    assert event.trade_in_id == tid
    assert event.payload["certificate_id"] == cert["certificate_id"]
    assert event.payload["method_type"] == "purge"
