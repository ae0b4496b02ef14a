"""A device's environmental receipt as a one-page PDF, for the customer and the program: the
device, its route, its mass, the e-waste diverted or recycled, the CO2e avoided, and the
factor version with its method and sources, so anyone can see how the figures were made."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from revalue.certificates.pdf import HEADING, INK, LABEL, MARGIN, MONO, RULE, TITLE, VALUE

ROUTES = {
    "refurbish_resell": "Refurbished and resold",
    "marketplace": "Resold on a marketplace",
    "wholesale": "Sold on for reuse (wholesale)",
    "parts": "Harvested for parts",
    "recycle": "Recycled",
}


def kg(grams: int) -> str:
    return f"{grams / 1000:,.3f} kg"


def render(receipt: dict[str, Any]) -> bytes:
    """The PDF of a receipt as ``GET /trade-ins/{id}/environmental-receipt`` answers it."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Environmental receipt {receipt['trade_in_id']}",
        author="Revalue",
    )
    width = doc.width - 12
    reused = receipt["diverted_g"] > 0
    handled = (
        ("E-waste diverted (kept in use)", kg(receipt["diverted_g"]))
        if reused
        else ("E-waste recycled responsibly", kg(receipt["recycled_g"]))
    )
    figures = [
        ("Device", f"{receipt['device']} ({receipt['category']})"),
        ("Trade-in", receipt["trade_in_id"]),
        ("Route", ROUTES.get(receipt["route"], receipt["route"])),
        ("Mass", kg(receipt["mass_g"])),
        handled,
        ("CO2e avoided", kg(receipt["co2e_avoided_g"])),
        ("Issued", f"{receipt['issued_at']:%Y-%m-%d} (UTC)"),
    ]
    story: list[Flowable] = [
        _p("Environmental receipt", TITLE),
        Spacer(1, 2),
        _p(f"Program {receipt['program_id']}", LABEL),
        Spacer(1, 10),
        _rows(figures, width, VALUE),
        Spacer(1, 6),
        _p(f"Factors, version {receipt['factor_version']}", HEADING),
        _p(receipt["method"], VALUE),
        Spacer(1, 4),
        _p("Sources", HEADING),
        *[_p(f"• {s}", VALUE) for s in receipt["sources"]],
        Spacer(1, 8),
        _p(
            "Emissions avoided are reported apart from any greenhouse-gas inventory; only "
            "reuse avoids emissions. A receipt keeps the factor version it was issued with.",
            MONO,
        ),
    ]
    doc.build(story)
    return out.getvalue()


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    # Escaped: a value is never read as ReportLab markup.
    return Paragraph(escape(value), style)


def _rows(rows: list[tuple[str, str]], width: float, style: Any) -> Table:
    label_width = 62 * mm
    table = Table(
        [[_p(label, LABEL), _p(value, style)] for label, value in rows],
        colWidths=[label_width, width - label_width],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table
