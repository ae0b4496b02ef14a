"""The shipping label (a 4 x 6 in page, the size thermal label printers take) and the
packing slip that goes in the box, as one PDF. Drawn on request from the shipment, the
site and the customer's contact, so no label with a customer's address is ever stored."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from revalue.certificates import pdf as certificate_pdf

PAGE = (4 * inch, 6 * inch)
PAD = 5 * mm
INK, MUTED, RULE = HexColor("#111111"), HexColor("#555555"), HexColor("#999999")

INSTRUCTIONS = (
    "Remove your SIM and memory cards.",
    "Sign out of every account on the device (Apple ID / Find My, Google, Samsung) and "
    "turn off activation lock; then reset it to factory settings.",
    "Do not include chargers, cables, cases or other accessories unless we asked for them: "
    "they cannot be returned.",
    "Pad the device, seal the box, and stick the label on the outside. Keep this slip's "
    "reference: it is your trade-in's.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelDocument:
    carrier: str
    service: str
    tracking_number: str
    shipment_id: str
    reference: str  # the trade-in's id
    sender: list[str]
    recipient: list[str]
    tracking_url: str  # the customer's tracking page: their trade-in
    weight_g: int | None
    direction: str = "inbound"
    device: str = ""
    condition: list[str] = field(default_factory=list)


def render(doc: LabelDocument) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1)
    canvas.setTitle(f"Shipping label {doc.tracking_number}")
    canvas.setAuthor("Revalue")
    _label(canvas, doc)
    canvas.showPage()
    if doc.direction == "inbound":
        _packing_slip(canvas, doc)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _label(c: Canvas, doc: LabelDocument) -> None:
    """Laid out from both ends: the barcodes and the QR code at fixed places at the foot
    (scanners and people find them where they expect), the addresses in the space left, in
    a smaller type when a long address needs it; nothing overlaps, nothing is cut off."""
    width, height = PAGE
    inner = width - 2 * PAD
    c.setStrokeColor(INK)
    c.setLineWidth(1.2)
    c.rect(PAD / 2, PAD / 2, width - PAD, height - PAD)

    # The carrier band.
    band = 11 * mm
    top = height - PAD / 2
    c.setFillColor(INK)
    c.rect(PAD / 2, top - band, width - PAD, band, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(PAD, top - band + 3.6 * mm, doc.carrier.upper())
    c.setFont("Helvetica", 8)
    weight = f"{doc.weight_g} g" if doc.weight_g else ""
    right = "  ·  ".join(x for x in (doc.service or "standard", weight) if x)
    c.drawRightString(width - PAD, top - band + 3.9 * mm, right)

    # The foot: our shipment barcode across the width (the receiving site scans it), then
    # the reference and the QR code to the customer's tracking page.
    qr = 22 * mm
    bottom = PAD / 2 + 3 * mm
    _caption(c, "TRADE-IN REFERENCE", PAD, bottom + 5 * mm)
    c.setFillColor(INK)
    c.setFont("Courier-Bold", 8.5)
    c.drawString(PAD, bottom + 1.5 * mm, doc.reference)
    _caption(c, "SHIPMENT", PAD, bottom + 14 * mm)
    c.setFillColor(INK)
    c.setFont("Courier", 8)
    c.drawString(PAD, bottom + 10.5 * mm, doc.shipment_id)
    _caption(c, "Scan the code to track the parcel", PAD, bottom + 19 * mm)
    drawing = certificate_pdf.qr_code(doc.tracking_url, qr)  # one QR helper for every PDF
    renderPDF.draw(drawing, c, width - PAD - qr, bottom)
    # Inset: a scanner needs a quiet margin of ten bars' width either side.
    _barcode(c, doc.shipment_id, PAD + 2 * mm, bottom + 24 * mm, inner - 4 * mm, 10 * mm)
    foot = bottom + 37 * mm
    _rule(c, foot)

    # The tracking number: the carrier's scanners read this one.
    c.setFillColor(INK)
    c.setFont("Courier-Bold", 13)
    c.drawCentredString(width / 2, foot + 3.5 * mm, _spaced(doc.tracking_number))
    _barcode(c, doc.tracking_number, PAD, foot + 8 * mm, inner, 18 * mm)
    _caption(c, "TRACKING NUMBER", PAD, foot + 27.5 * mm)
    tracking_top = foot + 30.5 * mm
    _rule(c, tracking_top)

    # The addresses, in what is left.
    y = top - band - 4 * mm
    y = _block(c, "FROM", doc.sender, PAD, y, inner, size=7.5, leading=9)
    y -= 1.5 * mm
    _rule(c, y)
    y -= 4 * mm
    room = y - tracking_top - 3 * mm
    size = _fit(doc.recipient, inner, room)
    _block(c, "SHIP TO", doc.recipient, PAD, y, inner, size=size, leading=size * 1.2, bold=True)


def _fit(lines: list[str], width: float, room: float) -> float:
    """The largest type (12 pt down to 7) in which the address fits the room."""
    for size in (12, 11, 10, 9, 8, 7):
        wrapped = sum(
            len(simpleSplit(line, "Helvetica-Bold", size, width) or [""]) for line in lines
        )
        if 9 + wrapped * size * 1.2 <= room:
            return size
    return 7


def _caption(c: Canvas, text: str, x: float, y: float) -> None:
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 7)
    c.drawString(x, y, text)


def _packing_slip(c: Canvas, doc: LabelDocument) -> None:
    width, height = PAGE
    inner = width - 2 * PAD
    y = height - PAD - 5 * mm
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(PAD, y, "Packing slip")
    c.setFont("Helvetica", 7.5)
    c.setFillColor(MUTED)
    c.drawRightString(width - PAD, y, "Put this slip in the box")
    y -= 4 * mm
    _rule(c, y)
    y -= 5 * mm
    rows = [
        ("Trade-in", doc.reference),
        ("Device", doc.device or "-"),
        ("Tracking", f"{doc.carrier} {doc.tracking_number}"),
    ]
    for label, value in rows:
        y = _pair(c, label, value, y, inner)
    y -= 1 * mm
    y = _block(
        c, "AS YOU DESCRIBED IT", doc.condition or ["-"], PAD, y, inner, size=8.5, leading=10.5
    )
    y -= 2 * mm
    _rule(c, y)
    y -= 5 * mm
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(PAD, y, "Before you seal the box")
    y -= 5 * mm
    c.setFont("Helvetica", 8.5)
    for n, text in enumerate(INSTRUCTIONS, 1):
        lines = simpleSplit(text, "Helvetica", 8.5, inner - 5 * mm)
        c.drawString(PAD, y, f"{n}.")
        for line in lines:
            c.drawString(PAD + 5 * mm, y, line)
            y -= 10.5
        y -= 2
    # The same shipment barcode, so a receiver can scan the slip if the label is torn.
    bar_h = 11 * mm
    _barcode(c, doc.shipment_id, PAD + 2 * mm, PAD + 4 * mm, inner - 4 * mm, bar_h)
    c.setFont("Courier", 7)
    c.drawCentredString(width / 2, PAD + 1 * mm, doc.shipment_id)


def _block(
    c: Canvas,
    title: str,
    lines: list[str],
    x: float,
    y: float,
    width: float,
    *,
    size: float,
    leading: float,
    bold: bool = False,
) -> float:
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 7)
    c.drawString(x, y, title)
    y -= leading
    font = "Helvetica-Bold" if bold else "Helvetica"
    c.setFillColor(INK)
    c.setFont(font, size)
    for line in lines:
        # People's addresses are long sometimes: wrapped, never cut off.
        for part in simpleSplit(line, font, size, width) or [""]:
            c.drawString(x, y, part)
            y -= leading
    return y + leading - size * 0.4


def _pair(c: Canvas, label: str, value: str, y: float, width: float) -> float:
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 7.5)
    c.drawString(PAD, y, label)
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 9)
    for part in simpleSplit(value, "Helvetica-Bold", 9, width - 20 * mm) or [""]:
        c.drawString(PAD + 20 * mm, y, part)
        y -= 11
    return y - 1


def _rule(c: Canvas, y: float) -> None:
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(PAD, y, PAGE[0] - PAD, y)


def _barcode(c: Canvas, value: str, x: float, y: float, width: float, height: float) -> None:
    """A Code 128 barcode scaled to the width (bars no thinner than a printer resolves)."""
    probe = Code128(value, barWidth=1, barHeight=height, quiet=False)
    bar = max(min(width / probe.width, 1.6), 0.6)
    code = Code128(value, barWidth=bar, barHeight=height, quiet=False)
    c.setFillColor(INK)
    code.drawOn(c, x + (width - code.width) / 2, y)


def _spaced(tracking_number: str) -> str:
    return " ".join(tracking_number[i : i + 4] for i in range(0, len(tracking_number), 4))
