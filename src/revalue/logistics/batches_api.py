"""Store-to-site batches over HTTP: a store associate packs and dispatches, the processing
site scans each device in and closes the batch. Batches are the installation's; the devices
each caller sees and scans are those of their programs."""

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.logistics import batches
from revalue.schemas_common import Strict
from revalue.tradeins.models import TradeIn
from revalue.tradeins.service import TradeInNotFound

router = APIRouter(responses=ERROR_RESPONSES, tags=["batches"])
A, PM, R, SA, AU = (
    Role.ADMIN,
    Role.PROGRAM_MANAGER,
    Role.RECEIVER,
    Role.STORE_ASSOCIATE,
    Role.AUDITOR,
)


class BatchIn(Strict):
    from_site_id: str = Field(max_length=60, description="The store or kiosk")
    to_site_id: str = Field(max_length=60, description="The processing site")


class ScanOutIn(Strict):
    scan: str = Field(
        min_length=1, max_length=80, description="The trade-in id, IMEI or serial of the device"
    )


class DispatchIn(Strict):
    carrier: str | None = Field(None, max_length=40)
    tracking_number: str | None = Field(None, max_length=60)


class ScanInIn(ScanOutIn):
    site_id: str = Field(max_length=60, description="Where the device is scanned in")
    location_id: int | None = Field(None, description="Where at the site it is put")


class BatchItemOut(BaseModel):
    trade_in_id: str
    program_id: str
    state: str
    status: str = Field(description="packed, on_its_way, arrived or missing")
    scanned_out_at: datetime
    scanned_out_by: str
    scanned_in_at: datetime | None
    scanned_in_by: str | None


class BatchOut(BaseModel):
    id: str
    from_site_id: str
    to_site_id: str
    status: str = Field(description="open, dispatched or received")
    carrier: str | None
    tracking_number: str | None
    created_by: str
    created_at: datetime
    dispatched_at: datetime | None
    closed_at: datetime | None
    items: list[BatchItemOut]
    missing: list[str] = Field(description="Devices of a closed batch never scanned in")


def _out(session: Session, batch_id: str, grant: Grant) -> BatchOut:
    return BatchOut.model_validate(batches.view(session, batch_id, grant.programs()))


def _check(grant: Grant):  # type: ignore[no-untyped-def]
    """A device of a program the caller does not act in is refused as if unknown."""

    def check(trade_in: TradeIn) -> None:
        grant.require_program(
            trade_in.program_id,
            lambda: TradeInNotFound(f"no trade-in {trade_in.id!r}", field="trade_in_id"),
        )

    return check


@router.post("/batches", response_model=BatchOut, status_code=201)
def create_batch(body: BatchIn, request: Request, grant: Grant = Depends(allow(A, SA))):
    """Open a batch from a store or kiosk to a processing site."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        batch = batches.create(
            s, from_site_id=body.from_site_id, to_site_id=body.to_site_id, ctx=ctx
        )
        return _out(s, batch.id, grant)

    return perform(request, work, payload=body, status_code=201)


@router.post("/batches/{batch_id}/items", response_model=BatchOut)
def add_batch_item(
    batch_id: str, body: ScanOutIn, request: Request, grant: Grant = Depends(allow(A, SA))
):
    """Scan a device out of the store into the open batch: it must be at that store."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        batches.add_item(s, batch_id, body.scan, ctx, within=grant.programs(), check=_check(grant))
        return _out(s, batch_id, grant)

    return perform(request, work, payload=body)


@router.post("/batches/{batch_id}/dispatch", response_model=BatchOut)
def dispatch_batch(
    batch_id: str,
    request: Request,
    body: DispatchIn | None = None,
    grant: Grant = Depends(allow(A, SA)),
):
    """The batch leaves the store: every device's custody chain gets ``transfer_out``."""
    data = body or DispatchIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        batches.dispatch(
            s, batch_id, ctx, carrier=data.carrier, tracking_number=data.tracking_number
        )
        return _out(s, batch_id, grant)

    return perform(request, work, payload=data)


@router.post("/batches/{batch_id}/receive-item", response_model=BatchOut)
def receive_batch_item(
    batch_id: str, body: ScanInIn, request: Request, grant: Grant = Depends(allow(A, R))
):
    """Scan a device of the batch in at its processing site (``transfer_in``, placed there).
    A device not in the batch, or a scan at another site, is refused and nothing written."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        batches.receive_item(
            s,
            batch_id,
            body.site_id,
            body.scan,
            ctx,
            location_id=body.location_id,
            within=grant.programs(),
        )
        return _out(s, batch_id, grant)

    return perform(request, work, payload=body)


@router.post("/batches/{batch_id}/close", response_model=BatchOut)
def close_batch(batch_id: str, request: Request, grant: Grant = Depends(allow(A, R))):
    """The site has unpacked the batch. Devices never scanned in stay listed as missing."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        batches.close(s, batch_id, ctx)
        return _out(s, batch_id, grant)

    return perform(request, work)


@router.get("/batches/{batch_id}", response_model=BatchOut)
def get_batch(
    batch_id: str,
    grant: Grant = Depends(allow(A, PM, R, SA, AU)),
    session: Session = Depends(read_session),
):
    """The batch and its devices (of the caller's programs), each with its scans."""
    return _out(session, batch_id, grant)
