"""Receiving at a site, for a receiver at a workstation with a barcode scanner.

The receiver picks their site once (remembered in a cookie). A scan (the scanner types the
code and presses Enter) finds the trade-in the way ``POST /sites/{id}/receive`` does: shipment
id, tracking number, trade-in id, IMEI or serial. The page shows the device, its declared
condition and pathway; the receiver says what was in the box and records the receipt with the
same service as the API. A device already received (handed over in store, or scanned twice)
shows its state and the next step instead; nothing is recorded twice.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.domain.errors import RevalueError
from revalue.domain.lifecycle import State
from revalue.domain.logistics import Contents, SiteKind
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import STATUS
from revalue.logistics import receiving, scans, sites
from revalue.logistics.models import Receipt, Site
from revalue.logistics.receiving_api import ScanIn, receivers
from revalue.tradeins import service
from revalue.web import console, console_tradein

router = console.pages_router()
A, R, SA = Role.ADMIN, Role.RECEIVER, Role.STORE_ASSOCIATE
SITE_COOKIE = "revalue_site"
PAGE = "/console/receiving"
CONTENTS = (
    (Contents.DEVICE, "The device", "The device the customer declared"),
    (Contents.DIFFERENT_DEVICE, "A different device", "Another device: give its IMEI or serial"),
    (
        Contents.ACCESSORIES_ONLY,
        "Accessories only",
        "No device: held until the program resolves it",
    ),
    (Contents.EMPTY, "Empty", "Nothing in the box: held until the program resolves it"),
)
OUTCOME_WORDS = {
    receiving.RECEIVED: "Received",
    receiving.RECEIVED_DIFFERENT: "Received a different device (flagged for inspection)",
    receiving.HELD_EMPTY: "Held: the box came without the device",
}


def site_choices(session: Session, staff: console.Staff) -> list[Site]:
    """Active sites the staff member receives at: processing sites for receivers (their
    programs' receiving sites first), stores and kiosks for store associates."""
    kinds: set[str] = set()
    if staff.holds((A, R)):
        kinds.add(str(SiteKind.PROCESSING))
    if staff.holds((A, SA)):
        kinds |= {str(SiteKind.STORE), str(SiteKind.KIOSK)}
    mine = {p.receiving_site_id for p in staff.programs if p.receiving_site_id}
    found = [s for s in sites.list_sites(session, active=True) if s.kind in kinds]
    return sorted(found, key=lambda s: (s.id not in mine, s.kind, s.name))


def _lookup(session: Session, scan: str, grant: Grant) -> dict[str, Any]:
    """What a scan names: one trade-in to receive, several to choose from, or those already
    past receiving (their state and next step). A scan naming nothing is refused."""
    found = scans.candidates(session, scan, grant.programs())
    if not found:
        scans.one_of(found, scan, bool, "")  # the API's refusal: ScanNotFound, naming the scan
    waiting = [t for t in found if State(t.state) in receiving.RECEIVABLE]
    if len(waiting) == 1:
        return {"receive": console_tradein.summary(session, waiting[0])}
    if len(waiting) > 1:
        return {"choose": [console_tradein.summary(session, t) for t in waiting]}
    return {"done": [console_tradein.summary(session, t) for t in found]}


def _page(
    request: Request,
    grant: Grant,
    session: Session,
    *,
    site_id: str | None,
    scan: str = "",
    values: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
):
    staff = console.staff_of(request, grant, session)
    choices = site_choices(session, staff)
    site = next((s for s in choices if s.id == site_id), None)
    found: dict[str, Any] = {}
    if site is not None and scan and not error:
        try:
            found = _lookup(session, scan, grant)
        except RevalueError as exc:
            error, status = exc.message, STATUS[exc.kind]
    elif scan and error:
        try:
            found = _lookup(session, scan, grant)
        except RevalueError:
            found = {}
    received = request.query_params.get("received")
    receipt = session.get(Receipt, int(received)) if received and received.isdigit() else None
    response = console.show(
        request,
        "console/receiving.html",
        staff,
        section="Receiving",
        status=status,
        sites=choices,
        site=site,
        scan=scan,
        found=found,
        values=values or {"contents": str(Contents.DEVICE)},
        contents=CONTENTS,
        error=error,
        receipt=_receipt_words(session, receipt) if receipt and site else None,
    )
    if site is not None:
        response.set_cookie(
            SITE_COOKIE, site.id, secure=True, httponly=True, samesite="strict", path="/console"
        )
    return response


def _receipt_words(session: Session, receipt: Receipt) -> dict[str, Any] | None:
    if receipt.trade_in_id is None:
        return None
    trade_in = service.get(session, receipt.trade_in_id)
    return {
        "outcome": OUTCOME_WORDS.get(receipt.outcome, receipt.outcome),
        "trade_in": console_tradein.summary(session, trade_in),
        "at": receipt.received_at,
    }


@router.get(PAGE, response_class=HTMLResponse)
def receiving_page(
    request: Request,
    grant: Grant = Depends(allow(A, R, SA)),
    session: Session = Depends(read_session),
):
    """Pick the site once, then scan: the trade-in found, what was in the box, "Record
    receipt". ``?site=`` picks the site (remembered), ``?scan=`` looks a barcode up."""
    site_id = request.query_params.get("site") or request.cookies.get(SITE_COOKIE)
    scan = request.query_params.get("scan", "").strip()[:80]
    return _page(request, grant, session, site_id=site_id, scan=scan)


@router.post(PAGE, response_class=HTMLResponse)
def record_receipt(
    request: Request,
    grant: Grant = Depends(allow(A, R, SA)),
    session: Session = Depends(read_session),
    form: dict[str, Any] = Depends(console.form_of),
):
    """Record the receipt with the same service as ``POST /sites/{id}/receive``; 303 back to
    the scan box with what was recorded. A refusal shows why, with the form as it was."""
    site_id = str(form.get("site", ""))
    scan = str(form.get("scan", "")).strip()
    try:
        body = _body(form)
        if not site_id:
            raise sites.SiteNotFound("pick your site first", field="site_id")

        def work(s, ctx):  # type: ignore[no-untyped-def]
            found = body.to_found(None)
            return receiving.receive(
                s,
                site_id,
                body.scan,
                found,
                ctx,
                within=grant.programs(),
                may_receive=receivers(grant),
            )

        done = console.write(request, work)
    except ValidationError as exc:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        status = 422
    except RevalueError as exc:
        if exc.kind in ("unauthenticated", "forbidden"):
            raise
        message, status = exc.message, STATUS[exc.kind]
        if isinstance(exc, scans.NotReceivable):
            message = f"Nothing recorded: {exc.message}"
    else:
        return RedirectResponse(
            f"{PAGE}?site={site_id}&received={done.receipt.id}", status_code=303
        )
    # Refused: the page again, with why and the form as it was.
    return _page(
        request, grant, session, site_id=site_id, scan=scan, values=form, error=message,
        status=status,
    )  # fmt: skip


def _body(form: dict[str, Any]) -> ScanIn:
    """The API's body from the form: the scan, the contents, identifiers typed, accessories."""
    imei, serial = str(form.get("imei", "")).strip(), str(form.get("serial", "")).strip()
    accessories = form.get("accessories", [])
    if isinstance(accessories, str):
        accessories = [accessories] if accessories else []
    doc: dict[str, Any] = {
        "scan": str(form.get("scan", "")).strip(),
        "contents": str(form.get("contents", Contents.DEVICE)),
        "accessories": accessories,
        "note": str(form.get("note", "")).strip() or None,
    }
    if imei or serial:
        doc["identifiers"] = {"imei": imei or None, "serial": serial or None}
    return ScanIn.model_validate(doc)
