"""Shipments, carrier tracking events, transit claims and logistics SLAs over HTTP.

The label route is the documented way to send a mail-in device: it books the parcel with the
carrier and moves the trade-in to awaiting_shipment. (``POST /trade-ins/{id}/await-shipment``
and ``/ship`` with a carrier and tracking number typed by hand still work, for parcels booked
elsewhere.) Carriers post their events to ``/carriers/{carrier}/events`` with a partner key
scoped to that operation and to their programs, or staff do for them."""

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import ALL_STAFF, Role
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import public_base, read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.logistics import carriers, claims, repository, shipments, sla, tracking
from revalue.logistics.models import Shipment, TransitClaim
from revalue.logistics.schemas import (
    BreachOut,
    ClaimOut,
    IngestedOut,
    IngestOut,
    LabelIn,
    LabelOut,
    ResolveClaimIn,
    ShipmentOut,
    SweepOut,
    TrackingEventOut,
)
from revalue.programs.api import PROGRAM
from revalue.tradeins import service as tradeins
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["logistics"])
A, PM, SA, R = Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, Role.RECEIVER
F, AU = Role.FINANCE, Role.AUDITOR


def _shipment_scope(session: Session, shipment_id: str) -> tuple[str, str | None] | None:
    row = repository.shipment(session, shipment_id)
    return None if row is None else (row.program_id, row.trade_in_id)


def _claim_scope(session: Session, claim_id: str) -> tuple[str, str | None] | None:
    row = repository.claim(session, claim_id)
    return None if row is None else (row.program_id, row.trade_in_id)


SHIPMENT = Scope(
    "shipment_id",
    _shipment_scope,
    lambda s: shipments.ShipmentNotFound(f"no shipment {s!r}", field="shipment_id"),
)
CLAIM = Scope(
    "claim_id",
    _claim_scope,
    lambda c: claims.ClaimNotFound(f"no transit claim {c!r}", field="claim_id"),
)
PDF = {200: {"description": "The label and packing slip", "content": {"application/pdf": {}}}}
EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object"},
                "example": {
                    "events": [
                        {
                            "event_id": "ev-000123",
                            "tracking_number": "RV12345678903",
                            "status": "in_transit",
                            "occurred_at": "2026-06-16T09:30:00Z",
                            "location": "Leeds hub",
                        }
                    ]
                },
            }
        },
    }
}


def _event_out(row: Any) -> TrackingEventOut:
    return TrackingEventOut.model_validate(row, from_attributes=True)


def _shipment_out(row: Shipment, events: list[Any]) -> ShipmentOut:
    out = ShipmentOut.model_validate(
        {
            **{k: getattr(row, k) for k in ShipmentOut.model_fields if hasattr(row, k)},
            "label_url": f"/shipments/{row.id}/label.pdf",
            "events": [_event_out(e) for e in events],
        }
    )
    return out


def _claim_out(row: TransitClaim) -> ClaimOut:
    return ClaimOut.model_validate(row, from_attributes=True)


@router.post("/trade-ins/{trade_in_id}/shipments", response_model=LabelOut, status_code=201)
def create_shipment(
    trade_in_id: str,
    request: Request,
    body: LabelIn | None = Body(None),
    grant: Grant = Depends(allow(A, SA, partner=True, customer=True, scope=TRADE_IN)),
):
    """Make the shipping label for an accepted mail-in trade-in, addressed to its program's
    receiving site, and move it to awaiting_shipment; a mailing kit to the customer too when
    the program sends kits (always, or on request with ``kit``). The first shipment is the
    inbound parcel; its label and packing slip are at its ``label_url``."""
    data = body or LabelIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        rows = shipments.create_label(
            s, trade_in_id, ctx, carrier=data.carrier, service=data.service,
            weight_g=data.weight_g, kit=data.kit,
        )  # fmt: skip
        events = repository.events_of(s, [r.id for r in rows])
        return LabelOut(
            trade_in_id=trade_in_id,
            state=tradeins.get(s, trade_in_id).state,
            shipments=[_shipment_out(r, events[r.id]) for r in rows],
        )

    return perform(request, work, payload=data, status_code=201)


@router.get("/trade-ins/{trade_in_id}/shipments", response_model=list[ShipmentOut])
def trade_in_shipments(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The trade-in's parcels, oldest first, each with its carrier's events as they happened:
    the customer's tracking view."""
    tradeins.get(session, trade_in_id)
    rows = repository.shipments_of(session, trade_in_id)
    events = repository.events_of(session, [r.id for r in rows])
    return [_shipment_out(r, events[r.id]) for r in rows]


@router.get("/shipments/{shipment_id}/label.pdf", response_class=Response, responses=PDF)
def shipment_label(
    shipment_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, PM, SA, R, partner=True, customer=True, scope=SHIPMENT)),
    session: Session = Depends(read_session),
) -> Response:
    """The label (4 x 6 in) and, for an inbound parcel, the packing slip, as PDF. Drawn on
    each request: the customer's address is never stored on a label."""
    pdf = shipments.label_pdf(session, shipment_id, public_base(request))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="label-{shipment_id}.pdf"'},
    )


@router.post("/carriers/{carrier}/events", response_model=IngestOut, openapi_extra=EVENTS_BODY)
async def carrier_events(
    carrier: str,
    request: Request,
    grant: Grant = Depends(allow(A, R, partner=True)),
) -> Any:
    """Tracking events from a carrier, in its own format (the built-in ``revalue-post``'s
    JSON: docs/logistics.md). A malformed body is refused whole, naming the field. Each event
    is kept once per carrier event id (a repeat is answered ``duplicate`` and changes
    nothing); an unknown parcel, or one of a program the caller does not hold, is kept as an
    orphan and adopted when its shipment is made."""
    carriers.get(carrier)  # an unknown carrier is a 404 before the body is read
    raw = await request.body()
    try:
        payload = json.loads(raw or b"null")
    except ValueError:
        raise carriers.MalformedEvents("the body is not JSON", field="body") from None
    within = grant.programs()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        done = tracking.ingest_payload(s, carrier, payload, ctx, within=within)
        return IngestOut(
            carrier=carrier,
            events=[IngestedOut.model_validate(d, from_attributes=True) for d in done],
        )

    return await run_in_threadpool(perform, request, work, payload=raw)


@router.get("/tracking/orphans", response_model=list[TrackingEventOut])
def tracking_orphans(
    grant: Grant = Depends(allow(A)),
    session: Session = Depends(read_session),
):
    """Carrier events no shipment claimed (yet), newest first: kept, never dropped."""
    return [_event_out(e) for e in repository.orphans(session)]


@router.post("/programs/{program_id}/logistics/sweep", response_model=SweepOut)
def logistics_sweep(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, PM, scope=PROGRAM)),
):
    """Enforce the program's ship-by and transit-loss rules now: expire or reprice unshipped
    acceptances, open claims for parcels in transit too long (run it on a schedule)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        done = sla.sweep(s, program_id, ctx)
        return SweepOut(
            program_id=done.program_id,
            expired=done.expired,
            repriced=done.repriced,
            claims_opened=done.claims_opened,
        )

    return perform(request, work)


@router.get("/programs/{program_id}/logistics/overdue", response_model=list[BreachOut])
def logistics_overdue(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, PM, AU, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    """Every breach of the program's logistics SLAs: not shipped in time, in transit too
    long, store batches not arrived, received and not paid; with the days late."""
    now = state(request).clock()
    return [
        BreachOut(
            kind=b.kind,  # type: ignore[arg-type]
            trade_in_id=b.trade_in_id,
            reference=b.reference,
            since=b.since,
            due=b.due,
            days_late=b.days_late,
        )
        for b in sla.overdue(session, program_id, now)
    ]


@router.get("/programs/{program_id}/claims", response_model=list[ClaimOut])
def program_claims(
    program_id: str,
    grant: Grant = Depends(allow(A, PM, F, AU, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    """The program's transit claims, oldest first (open, review, found, lost)."""
    return [_claim_out(c) for c in repository.claims_of(session, program_id)]


@router.post("/claims/{claim_id}/resolve", response_model=ClaimOut)
def resolve_claim(
    claim_id: str,
    body: ResolveClaimIn,
    request: Request,
    grant: Grant = Depends(allow(A, PM, scope=CLAIM)),
):
    """Close a transit claim: ``lost`` (the trade-in is declared lost, paid as quoted) or
    ``found`` (the parcel continues)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        row = claims.resolve(
            s, claim_id, body.outcome, ctx, note=body.note, carrier_reference=body.carrier_reference
        )
        return _claim_out(row)

    return perform(request, work, payload=body)
