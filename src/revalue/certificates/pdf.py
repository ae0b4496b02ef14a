"""The certificate as a PDF: the NIST SP 800-88 Rev.1 Appendix G sections, the signature's
key id, and a QR code to the public verification page. The signed JSON is the certificate;
the PDF shows it to people."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

INK, MUTED, RULE = HexColor("#1b2a3a"), HexColor("#5b6b7b"), HexColor("#c9d3dd")
LABELS = {
    "manufacturer": "Manufacturer",
    "model": "Model",
    "serial_number": "Serial number",
    "imei": "IMEI",
    "media_type": "Media type",
    "source": "Media source",
    "method_type": "Method type (NIST)",
    "method": "Method used",
    "result": "Result",
    "tool": "Tool used (version)",
    "verification_method": "Verification method",
    "completed_at": "Completed (UTC)",
    "record_id": "Record",
    "operator": "Performed by",
    "location": "Location",
}


# Values that are codes (purge, cryptographic_erase): shown as words. Ids stay as they are.
CODED = frozenset({"method_type", "method", "result", "destination", "verification_method"})


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def render(document: dict[str, Any], verification_url: str) -> bytes:
    cert, signature = document["certificate"], document["signature"]
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Certificate of sanitization {cert['certificate_id']}")
    pdf.setAuthor("Revalue")
    width, height = A4
    left, y = 20 * mm, height - 25 * mm

    pdf.setFillColor(INK)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, y, "Certificate of Sanitization")
    pdf.setFont("Helvetica", 10)
    pdf.setFillColor(MUTED)
    y -= 7 * mm
    pdf.drawString(left, y, f"{cert['standard']}  ·  certificate {cert['certificate_id']}")
    y -= 5 * mm
    pdf.drawString(left, y, f"Issued {cert['issued_at']}  ·  trade-in {cert['trade_in_id']}")
    _qr(pdf, verification_url, width - 20 * mm - 30 * mm, height - 50 * mm, 30 * mm)
    y -= 14 * mm  # below the QR code

    def section(title: str, rows: dict[str, Any]) -> None:
        nonlocal y
        y -= 11 * mm
        pdf.setStrokeColor(RULE)
        pdf.line(left, y + 4 * mm, width - 20 * mm, y + 4 * mm)
        pdf.setFillColor(INK)
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(left, y, title)
        for key, value in rows.items():
            y -= 6 * mm
            pdf.setFont("Helvetica", 9)
            pdf.setFillColor(MUTED)
            pdf.drawString(left + 2 * mm, y, LABELS.get(key, _words(key).capitalize()))
            pdf.setFillColor(INK)
            pdf.setFont("Helvetica", 10)
            shown = _words(value) if key in CODED else str(value)
            pdf.drawString(left + 50 * mm, y, shown)

    section("Media information", cert["media"])
    section("Sanitization details", cert["sanitization"])
    section("Person performing sanitization", cert["performed_by"])
    section("Media destination", {"destination": cert["destination"]})
    section(
        "Signature",
        {
            "algorithm": signature["alg"],
            "key id": signature["key_id"],
            "value": signature["value"][:44] + "…",
        },
    )
    y -= 12 * mm
    pdf.setFont("Helvetica", 9)
    pdf.setFillColor(MUTED)
    pdf.drawString(left, y, "Anyone can check this certificate, without an account, at:")
    y -= 5 * mm
    pdf.setFillColor(INK)
    pdf.drawString(left, y, verification_url)
    y -= 5 * mm
    pdf.setFillColor(MUTED)
    pdf.drawString(
        left, y, "or offline: revalue certificates verify CERTIFICATE.json --keys KEYS.json"
    )
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _qr(pdf: Canvas, url: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)
