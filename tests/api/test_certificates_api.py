"""Certificates through the API: issued only for a passing record, public verification of
the stored and of a presented document, the key list, offline verification by the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from revalue.cli.main import app as cli
from tests.api.support import NOT_ERASED, SANITIZED, act, assert_error, read, sanitized

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


def test_the_pdf_shows_every_field_and_links_to_its_verification(client, anonymous, seeded):
    import io

    from pypdf import PdfReader

    tid = sanitized(client)
    doc = client.post(f"/trade-ins/{tid}/certificate").json()
    cert = doc["certificate"]
    r = anonymous.get(f"/certificates/{cert['certificate_id']}.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    flat = " ".join(text.split())
    for value in (
        cert["certificate_id"],
        cert["standard"],
        cert["media"]["manufacturer"],
        cert["media"]["model"],
        "purge",
        "cryptographic erase",
        "erased",
        cert["performed_by"]["operator"],
        doc["signature"]["key_id"],
        f"/certificates/{cert['certificate_id']}",
    ):
        assert value in flat, value
