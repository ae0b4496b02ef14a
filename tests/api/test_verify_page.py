"""The public verification page a certificate's QR code opens: the verdict checked on every
visit, what the certificate says, and a 404 page for an id nobody issued."""

from __future__ import annotations

import copy
import io
import re
from html.parser import HTMLParser

from pypdf import PdfReader
from sqlalchemy import update

from revalue.certificates.models import Certificate
from tests.api.support import sanitized
from tests.api.test_certificates_api import TWO_MEDIA, verified_two_media


class Text(HTMLParser):
    """The page's visible text (markup and styles left out) and its h1."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.h1: list[str] = []
        self.skip = self.in_h1 = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.skip = tag in ("style", "title")
        self.in_h1 = self.in_h1 or tag == "h1"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self.skip = False
        self.in_h1 = self.in_h1 and tag != "h1"

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self.skip:
            self.parts.append(data)
            if self.in_h1:
                self.h1.append(data)


def page(response) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(the h1, all visible text), whitespace collapsed."""
    parser = Text()
    parser.feed(response.text)
    return " ".join("".join(parser.h1).split()), " ".join(" ".join(parser.parts).split())


def test_a_valid_certificate_reads_valid_with_everything_it_certifies(
    client, anonymous, seeded, sessions
):
    tid = verified_two_media(client, anonymous, sessions)
    doc = client.post(f"/trade-ins/{tid}/certificate").json()
    cert = doc["certificate"]
    r = anonymous.get(f"/verify/{cert['certificate_id']}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"]
    assert "<script" not in r.text
    h1, text = page(r)
    assert h1 == "✓ VALID"
    for value in (
        "iPhone 15",
        cert["device"]["serial_number"],
        cert["device"]["imei"],
        cert["device"]["imei2"],
        "NAND-7731",
        "128 GB",
        "SD-0042",
        "overwrite",
        "Revalue Wipe",
        cert["verified_by"]["verifier"],
        "sampled sector read-back",
        "refurbishment, site LDN-1",
        doc["signature"]["key_id"],
        f"signed with key {doc['signature']['key_id']}",
        "revalue certificates verify certificate.json --keys keys.json",
        f"http://testserver/certificates/{cert['certificate_id']}",
    ):
        assert value in text, value
    assert f'href="/certificates/{cert["certificate_id"]}"' in r.text
    assert f'href="/certificates/{cert["certificate_id"]}.pdf"' in r.text
    assert 'href="/.well-known/revalue-certificate-keys.json"' in r.text


def test_a_certificate_altered_in_the_database_reads_not_valid_with_the_reason(
    client, anonymous, seeded, sessions
):
    tid = sanitized(client)
    doc = client.post(f"/trade-ins/{tid}/certificate").json()
    cert_id = doc["certificate"]["certificate_id"]
    altered = copy.deepcopy(doc)
    altered["certificate"]["device"]["model"] = "iPhone 15 Pro Max"
    with sessions.begin() as s:
        s.execute(update(Certificate).where(Certificate.id == cert_id).values(document=altered))
    r = anonymous.get(f"/verify/{cert_id}")
    assert r.status_code == 200
    h1, text = page(r)
    assert h1 == "✗ NOT VALID"
    assert "the certificate was changed after signing" in text
    assert "Do not rely on the details below" in text
    assert "iPhone 15 Pro Max" in text  # shown, and flagged as not what was signed


def test_an_unknown_certificate_is_an_html_404(anonymous, seeded):
    r = anonymous.get("/verify/cert_nobody_issued_this")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    h1, text = page(r)
    assert h1 == "Certificate not found"
    assert "No certificate cert_nobody_issued_this was issued here" in text


def test_values_people_typed_are_shown_as_text_never_as_markup(client, anonymous, seeded, sessions):
    tid = sanitized(client, result={**TWO_MEDIA, "destination": "<b>lot 7</b> & co"})
    cert_id = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]["certificate_id"]
    r = anonymous.get(f"/verify/{cert_id}")
    assert "&lt;b&gt;lot 7&lt;/b&gt; &amp; co" in r.text and "<b>lot 7" not in r.text


def test_a_summary_page_shows_its_totals_and_links_every_device(client, anonymous, seeded):
    ids = [sanitized(client), sanitized(client)]
    r = client.post(
        "/programs/acme/certificate-summaries", json={"reference": "LOT-9", "trade_in_ids": ids}
    )
    cert = r.json()["certificate"]
    r = anonymous.get(f"/verify/{cert['certificate_id']}")
    assert r.status_code == 200
    h1, text = page(r)
    assert h1 == "✓ VALID"
    assert "Summary certificate of sanitization" in text and "LOT-9" in text
    assert re.search(r"Devices\s+2\b", text) and "purge: 2" in text and "erased: 2" in text
    for line in cert["devices"]:
        assert line["trade_in_id"] in text
        assert f'href="/verify/{line["certificate_id"]}"' in r.text


def test_behind_a_proxy_links_use_the_configured_public_address(app, client, anonymous, seeded):
    settings = app.app.state.revalue.settings
    app.app.state.revalue.settings = settings.model_copy(
        update={"public_url": "https://tradein.example.com/"}
    )
    tid = sanitized(client)
    cert = client.post(f"/trade-ins/{tid}/certificate").json()["certificate"]
    pdf = anonymous.get(f"/certificates/{cert['certificate_id']}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"https://tradein.example.com/verify/{cert['certificate_id']}" in text
    assert "testserver" not in text
