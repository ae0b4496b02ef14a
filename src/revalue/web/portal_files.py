"""The files a customer's page links to, each behind the same secret link: the shipping label,
the hand-over QR code, the photos a re-quote rests on, the certificate of erasure and the
environmental receipt. Each is the document the API serves the customer, made by the same
code; a browser cannot send the link as a bearer token, so the link is in the address."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from reportlab.graphics import renderSVG
from sqlalchemy.orm import Session

from revalue.certificates import pdf as certificate_pdf
from revalue.certificates import service as certificates
from revalue.domain.errors import NotFound
from revalue.evidence import service as evidence
from revalue.http.auth import Grant, allow
from revalue.http.deps import public_base, read_session
from revalue.logistics import repository as logistics
from revalue.logistics import shipments
from revalue.recovery import environment_api
from revalue.tradeins import photos_api
from revalue.web import portal_kit as kit
from revalue.web.portal_track import resolve

router = kit.portal_router()
SVG = {200: {"description": "An SVG image", "content": {"image/svg+xml": {}}}}
QR_SIZE = 240  # px: scanned from a phone held up at the desk


class NoLabel(NotFound):
    code = "label_not_found"


def _pdf(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/t/{token}/label.pdf", response_class=Response, responses=kit.PDF)
def label(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """The mail-in parcel's label and packing slip, as ``GET /shipments/{id}/label.pdf``."""
    trade_in = resolve(request, session, grant, token)
    inbound = [s for s in logistics.shipments_of(session, trade_in.id) if s.direction == "inbound"]
    if not inbound:
        raise NoLabel("this trade-in has no shipping label yet")
    shipment = inbound[-1]
    return _pdf(
        shipments.label_pdf(session, shipment.id, public_base(request)), f"label-{shipment.id}.pdf"
    )


@router.get("/t/{token}/handover.svg", response_class=Response, responses=SVG)
def handover(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """A QR code of the trade-in's id, for the store associate to scan at the hand-over."""
    trade_in = resolve(request, session, grant, token)
    drawing = certificate_pdf.qr_code(trade_in.id, QR_SIZE)  # the QR helper of every PDF
    return Response(
        renderSVG.drawToString(drawing),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/t/{token}/photos/{sha256}", response_class=Response)
def photo(
    token: str,
    sha256: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """A photo of the trade-in's evidence, as ``GET /trade-ins/{id}/photos/{sha256}``."""
    trade_in = resolve(request, session, grant, token)
    row = evidence.get(session, trade_in.id, sha256)
    return Response(
        photos_api.store(request).read(row.sha256),
        media_type=row.content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/t/{token}/certificate.pdf", response_class=Response, responses=kit.PDF)
def certificate(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """The device's certificate of data erasure, as ``GET /certificates/{id}.pdf``."""
    trade_in = resolve(request, session, grant, token)
    issued = certificates.of_trade_in(session, trade_in.id)
    if not issued:
        raise certificates.CertificateNotFound("no certificate has been issued for it yet")
    latest = issued[-1]
    url = f"{public_base(request)}/verify/{latest.id}"
    return _pdf(certificate_pdf.render(latest.document, url), f"certificate-{latest.id}.pdf")


@router.get("/t/{token}/receipt.pdf", response_class=Response, responses=kit.PDF)
def receipt(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """The device's environmental receipt, as ``GET /trade-ins/{id}/environmental-receipt.pdf``
    serves it to the customer (the same function makes it)."""
    trade_in = resolve(request, session, grant, token)
    return environment_api.environmental_receipt_pdf(trade_in.id, grant, session)
