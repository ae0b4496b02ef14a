"""Receiving over HTTP: scan at a site and say what was in the box; the receipts of a site or
a trade-in; resolving a box that came without its device.

Receivers (and admins) receive at processing sites; store associates receive the devices
handed over at their store or kiosk. Unboxing photos are uploaded first with
``POST /trade-ins/{id}/photos`` (caption ``unboxing``) and named here by their SHA-256."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from revalue.domain.access import Kind, Role
from revalue.domain.errors import Forbidden
from revalue.domain.logistics import Contents, SiteKind
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.logistics import receipts, receiving, sites
from revalue.logistics.models import Receipt, Shipment, Site
from revalue.logistics.sites_api import PlacementOut, placement_out
from revalue.schemas_common import Strict
from revalue.tradeins import repository, service
from revalue.tradeins.models import TradeIn
from revalue.tradeins.schemas import IdentifiersIn
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["receiving"])
A, PM, R, INS, SA, AU = (
    Role.ADMIN,
    Role.PROGRAM_MANAGER,
    Role.RECEIVER,
    Role.INSPECTOR,
    Role.STORE_ASSOCIATE,
    Role.AUDITOR,
)
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _receipt(session: Session, receipt_id: str) -> tuple[str, str] | None:
    row = session.get(Receipt, int(receipt_id)) if receipt_id.isdigit() else None
    if row is None or row.trade_in_id is None:
        return None
    program_id = repository.program_of(session, row.trade_in_id)
    return None if program_id is None else (program_id, row.trade_in_id)


RECEIPT = Scope(
    "receipt_id",
    _receipt,
    lambda r: receipts.ReceiptNotFound(f"no receipt {r}", field="receipt_id"),
)


class FoundIn(Strict):
    contents: Contents = Field(Contents.DEVICE, description="What was in the box")
    location_id: int | None = Field(None, description="Where at the site it is put")
    identifiers: IdentifiersIn | None = Field(
        None,
        description="The device's identifiers as read from it (required for a different "
        "device); a scanned IMEI counts as given",
    )
    accessories: list[str] = Field(
        default_factory=list, max_length=20, examples=[["charger", "cable"]]
    )
    photos: list[Sha256] = Field(
        default_factory=list,
        max_length=20,
        description="SHA-256 of unboxing photos already uploaded to the trade-in",
    )
    note: str | None = Field(None, max_length=2000, description="Kept with the receipt only")

    def to_found(self, weighed: int | None = None) -> receiving.Found:
        return receiving.Found(
            contents=self.contents,
            location_id=self.location_id,
            weighed_weight_g=weighed,
            identifiers=self.identifiers,
            accessories=tuple(a[:40] for a in self.accessories),
            photos=tuple(self.photos),
            note=self.note,
        )


class ScanIn(FoundIn):
    scan: str = Field(
        min_length=1,
        max_length=80,
        description="A shipment id, tracking number, trade-in id, IMEI or serial number",
    )
    weighed_weight_g: int | None = Field(None, ge=0, le=100_000, description="The parcel")


class ResolveReceiptIn(FoundIn):
    resolution: Literal["return_to_sender", "device_found"]
    reason: str = Field("", max_length=400)


class ReceiptOut(BaseModel):
    id: int
    site_id: str
    trade_in_id: str | None
    shipment_id: str | None
    scanned: str
    contents: str
    outcome: str = Field(description="received, received_different, held_empty, ...")
    found: dict[str, Any]
    receiver: str
    received_at: datetime
    trade_in_state: str | None
    weight_flag: str | None = Field(description="The weighed parcel differs from its declared")
    placement: PlacementOut | None


class ResolvedOut(BaseModel):
    receipt: ReceiptOut
    received: ReceiptOut | None = Field(description="The new receipt of a device found")


def receipt_out(session: Session, row: Receipt) -> ReceiptOut:
    trade_in = session.get(TradeIn, row.trade_in_id) if row.trade_in_id else None
    shipment = session.get(Shipment, row.shipment_id) if row.shipment_id else None
    placement = sites.placement_of(session, row.trade_in_id) if row.trade_in_id else None
    return ReceiptOut(
        id=row.id,
        site_id=row.site_id,
        trade_in_id=row.trade_in_id,
        shipment_id=row.shipment_id,
        scanned=row.scanned,
        contents=row.contents,
        outcome=row.outcome,
        found=row.found,
        receiver=row.receiver,
        received_at=row.received_at,
        trade_in_state=trade_in.state if trade_in else None,
        weight_flag=shipment.weight_flag if shipment else None,
        placement=placement_out(session, placement) if placement else None,
    )


def receivers(grant: Grant):  # type: ignore[no-untyped-def]
    """Store associates receive at stores and kiosks only; receivers and admins anywhere."""

    def check(trade_in: TradeIn, site: Site) -> None:
        who = grant.who
        if who is None or who.kind is not Kind.STAFF or site.kind != str(SiteKind.PROCESSING):
            return
        if not who.roles_in(trade_in.program_id) & {A, R}:
            raise Forbidden("receiving at a processing site needs the receiver role")

    return check


@router.post("/sites/{site_id}/receive", response_model=ReceiptOut, status_code=201)
def receive_at_site(
    site_id: str, body: ScanIn, request: Request, grant: Grant = Depends(allow(A, R, SA))
):
    """Scan a parcel or a device at a site and record what was in the box. A device sent to
    another site is refused (``wrong_site``, naming the expected one) and nothing is written;
    an unknown scan is a 404 naming it; one that fits several trade-ins a 409 listing them."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        done = receiving.receive(
            s,
            site_id,
            body.scan,
            body.to_found(body.weighed_weight_g),
            ctx,
            within=grant.programs(),
            may_receive=receivers(grant),
        )
        return receipt_out(s, done.receipt)

    return perform(request, work, payload=body, status_code=201)


@router.get("/sites/{site_id}/receipts", response_model=list[ReceiptOut])
def site_receipts(
    site_id: str,
    limit: int = Query(500, ge=1, le=5000),
    grant: Grant = Depends(allow(A, PM, R, SA, AU)),
    session: Session = Depends(read_session),
):
    """The site's receipts of the caller's programs, oldest first."""
    sites.get_site(session, site_id)
    rows = receipts.search(session, site_id=site_id, within=grant.programs(), limit=limit)
    return [receipt_out(session, r) for r in rows]


@router.get("/trade-ins/{trade_in_id}/receipts", response_model=list[ReceiptOut])
def trade_in_receipts(
    trade_in_id: str,
    grant: Grant = Depends(allow(A, PM, R, SA, INS, AU, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    service.get(session, trade_in_id)
    return [receipt_out(session, r) for r in receipts.search(session, trade_in_id=trade_in_id)]


@router.post("/receipts/{receipt_id}/resolve", response_model=ResolvedOut)
def resolve_receipt(
    receipt_id: int,
    body: ResolveReceiptIn,
    request: Request,
    grant: Grant = Depends(allow(A, PM, R, scope=RECEIPT)),
):
    """Close a box that came without its device: ``return_to_sender`` (the accessories go
    back, the trade-in stays unpaid while the program follows up with the customer) or
    ``device_found`` (received after all, at the receipt's site)."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        held, outcome = receipts.resolve(
            s, receipt_id, body.resolution, ctx, found=body.to_found(), reason=body.reason
        )
        return ResolvedOut(
            receipt=receipt_out(s, held),
            received=receipt_out(s, outcome.receipt) if outcome else None,
        )

    return perform(request, work, payload=body)
