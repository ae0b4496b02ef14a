"""Server-rendered pages: one Jinja2 environment for the customer portal and the staff
console, the security headers every page carries, and each program's look.

Pages use no inline script or style (the Content-Security-Policy forbids them): behaviour comes
from htmx attributes and ``/static/app.js``, colours from the program's stylesheet
``/programs/{id}/theme.css``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from revalue.domain import branding
from revalue.domain.money import format_major
from revalue.programs.models import Program

TEMPLATES = Environment(
    loader=PackageLoader("revalue.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
HTMX = "/static/htmx-2.0.11.min.js"  # vendored from npm htmx.org 2.0.11 (0BSD licence)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the customer's secret link never leaks to a logo host
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def look(program: Program | None) -> branding.Branding:
    """The program's branding, defaults filled in; the installation's own without a program."""
    if program is None:
        return branding.DEFAULT
    stored = {k: v for k, v in (program.branding or {}).items() if v is not None}
    return dataclasses.replace(branding.DEFAULT, **stored)


def page(
    request: Request,
    template: str,
    *,
    program: Program | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Render ``template`` with the program's look; an htmx request gets the same template
    (a fragment template renders only its block)."""
    html = TEMPLATES.get_template(template).render(
        request=request,
        program=program,
        look=look(program),
        htmx=HTMX,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def when(moment: datetime | None) -> str:
    """A time as people read it: 26 Nov 2026, 14:05 UTC (times are UTC throughout)."""
    return "" if moment is None else f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else f"{format_major(amount, currency)} {currency}"


def theme_css(program: Program | None) -> str:
    """The program's colours as CSS custom properties (checked readable when they were set)."""
    b = look(program)
    return f":root {{ --primary: {b.primary}; --accent: {b.accent}; }}\n"
