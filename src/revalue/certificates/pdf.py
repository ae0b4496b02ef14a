"""The certificate as a PDF: the NIST SP 800-88 Rev.1 Appendix G sections (or a summary's
totals and devices), the signature, and a QR code to the public verification page. The signed
JSON is the certificate; the PDF shows it to people, over as many pages as it takes."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from revalue.certificates import present

INK, MUTED, RULE, BAND = (
    HexColor("#1b2a3a"),
    HexColor("#5b6b7b"),
    HexColor("#c9d3dd"),
    HexColor("#eef2f6"),
)
MARGIN = 18 * mm
QR_SIZE = 32 * mm
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=18, leading=22, textColor=INK)
HEADING = ParagraphStyle(
    "heading", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=INK, spaceBefore=8
)
LABEL = ParagraphStyle("label", fontName="Helvetica", fontSize=8.5, leading=11, textColor=MUTED)
VALUE = ParagraphStyle("value", fontName="Helvetica", fontSize=9.5, leading=12, textColor=INK)
MONO = ParagraphStyle("mono", fontName="Courier", fontSize=8, leading=10, textColor=INK)
CELL_FONT, CELL_SIZE, CELL_LEADING, CELL_PAD = "Helvetica", 7, 8.5, 2
# Column widths of the summary's device table, in parts of the page width.
SUMMARY_WIDTHS = (15, 14, 8, 13, 10, 11, 6, 10, 6, 5)


def _p(value: Any, style: ParagraphStyle) -> Paragraph:
    # Values come from records people typed: escaped, so they are never read as markup.
    return Paragraph(escape(str(value)), style)


def render(document: dict[str, Any], verification_url: str) -> bytes:
    """The PDF of a signed certificate, device or summary; ``verification_url`` is the
    absolute address of its public verification page (printed and in the QR code)."""
    cert, signature = document["certificate"], document["signature"]
    summary = cert.get("kind") == "summary"
    pagesize = landscape(A4) if summary else A4
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"Certificate of sanitization {cert['certificate_id']}",
        author="Revalue",
        pageCompression=1,
    )
    width = doc.width - 12  # inside the frame, which pads 6 pt a side
    story: list[Flowable] = [_masthead(cert, verification_url, width, summary)]
    if summary:
        story += _section("Totals", present.totals(cert), width)
        story += _devices(cert.get("devices") or [], width)
    else:
        for title, rows in present.device_sections(cert):
            story += _section(title, rows, width)
    story += _signature(signature, verification_url, width)

    def footer(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, MARGIN, f"Certificate {cert['certificate_id']}")
        canvas.drawRightString(
            pagesize[0] - MARGIN, MARGIN, f"Page {canvas.getPageNumber()}  ·  {verification_url}"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _masthead(cert: dict[str, Any], url: str, width: float, summary: bool) -> Table:
    title = "Summary Certificate of Sanitization" if summary else "Certificate of Sanitization"
    facts = Table(
        [[_p(label, LABEL), _p(value, VALUE)] for label, value in present.header(cert)],
        colWidths=[40 * mm, None],
        style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0.5),
               ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)],
    )  # fmt: skip
    left = [
        _p(title, TITLE),
        Spacer(1, 3 * mm),
        facts,
        Spacer(1, 3 * mm),
        _p("Verify it, without an account, at:", LABEL),
        _p(url, MONO),
    ]
    table = Table([[left, qr_code(url, QR_SIZE)]], colWidths=[width - QR_SIZE - 4 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _section(title: str, rows: present.Rows, width: float) -> list[Flowable]:
    label_width = 48 * mm
    table = Table(
        [[_p(label, LABEL), _p(value, VALUE)] for label, value in rows],
        colWidths=[label_width, width - label_width],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    # A heading is never left alone at the foot of a page; a long section may still split.
    return [CondPageBreak(30 * mm), _Rule(width), _p(title, HEADING), Spacer(1, 1 * mm), table]


def _devices(lines: list[dict[str, Any]], width: float) -> list[Flowable]:
    unit = width / sum(SUMMARY_WIDTHS)
    rows = [[present.cell(line, f) for _, f in present.SUMMARY_COLUMNS] for line in lines]
    table = _DeviceTable.of(rows, [w * unit for w in SUMMARY_WIDTHS])
    title = f"Devices ({len(lines)})"
    return [CondPageBreak(30 * mm), _Rule(width), _p(title, HEADING), Spacer(1, 1 * mm), table]


def _signature(signature: dict[str, Any], url: str, width: float) -> list[Flowable]:
    rows = [
        ("Algorithm", signature.get("alg", "")),
        ("Key id", signature.get("key_id", "")),
        ("Signature", signature.get("value", "")),
    ]
    checks = [
        _p("Anyone can check this certificate, without an account, at", LABEL),
        _p(url, MONO),
        _p(
            "or offline, with the certificate's JSON and the published key list "
            f"({present.KEYS_PATH}):",
            LABEL,
        ),
        _p(present.OFFLINE, MONO),
    ]
    section = _section("Signature", rows, width)
    return [*section[:-1], KeepTogether([section[-1], Spacer(1, 3 * mm), *checks])]


def qr_code(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


class _Rule(Flowable):
    """A thin line above each section."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 2 * mm

    def draw(self) -> None:
        self.canv.setStrokeColor(RULE)
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0, self.width, 0)


class _DeviceTable(Flowable):
    """A summary's device lines, column headings on every page. Drawn directly rather than
    as a platypus table, which measures every remaining row again at each page break: a lot
    of 10,000 devices renders in seconds, not minutes. Cells wrap; nothing is cut off."""

    def __init__(
        self,
        head: list[list[str]],
        rows: list[list[list[str]]],
        heights: list[float],
        widths: list[float],
    ) -> None:
        super().__init__()
        self.head, self.rows, self.heights, self.widths = head, rows, heights, widths
        self.head_height = _row_height(head)
        self.width = sum(widths)
        self.height = self.head_height + sum(heights)

    @classmethod
    def of(cls, rows: list[list[str]], widths: list[float]) -> _DeviceTable:
        head = [heading for heading, _ in present.SUMMARY_COLUMNS]
        cells = [_cells(row, widths) for row in rows]
        return cls(_cells(head, widths), cells, [_row_height(r) for r in cells], widths)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room, fits = avail_height - self.head_height, 0
        for height in self.heights:
            if height > room:
                break
            room -= height
            fits += 1
        if fits == 0:
            return []  # not even one line here: the whole table moves to the next page
        return [
            _DeviceTable(self.head, self.rows[:fits], self.heights[:fits], self.widths),
            _DeviceTable(self.head, self.rows[fits:], self.heights[fits:], self.widths),
        ]

    def draw(self) -> None:
        canvas, y = self.canv, self.height
        self._row(self.head, y, self.head_height, bold=True)
        y -= self.head_height
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.line(0, y, self.width, y)
        for number, (row, height) in enumerate(zip(self.rows, self.heights, strict=True)):
            if number % 2:
                canvas.setFillColor(BAND)
                canvas.rect(0, y - height, self.width, height, stroke=0, fill=1)
            self._row(row, y, height, bold=False)
            y -= height

    def _row(self, row: list[list[str]], top: float, height: float, *, bold: bool) -> None:
        canvas = self.canv
        canvas.setFillColor(INK)
        canvas.setFont(CELL_FONT + ("-Bold" if bold else ""), CELL_SIZE)
        x = 0.0
        for lines, width in zip(row, self.widths, strict=True):
            y = top - CELL_PAD - CELL_SIZE
            for line in lines:
                canvas.drawString(x + CELL_PAD, y, line)
                y -= CELL_LEADING
            x += width


def _cells(values: list[str], widths: list[float]) -> list[list[str]]:
    # Headings are measured in the regular face: bold runs a little wider, within the padding.
    return [
        simpleSplit(value, CELL_FONT, CELL_SIZE, width - 2 * CELL_PAD) or [""]
        for value, width in zip(values, widths, strict=True)
    ]


def _row_height(row: list[list[str]]) -> float:
    return max(len(lines) for lines in row) * CELL_LEADING + 2 * CELL_PAD
