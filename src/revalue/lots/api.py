"""Business lots over HTTP: a manifest priced as one lot (program managers, or the partner's
own systems), accepted, received against the manifest at the site, and settled by finance."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from revalue.domain.access import Role
from revalue.domain.errors import InvalidInput
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.lots import manifest, receiving, repository, schemas, service, settlement
from revalue.lots.models import BusinessLot
from revalue.programs.api import PROGRAM

router = APIRouter(responses=ERROR_RESPONSES, tags=["business lots"])
A, PM, R, F, AU = (
    Role.ADMIN, Role.PROGRAM_MANAGER, Role.RECEIVER, Role.FINANCE, Role.AUDITOR,
)  # fmt: skip
READERS = (A, PM, R, F, AU)


def _lot(session: Session, lot_id: str) -> tuple[str, None] | None:
    program_id = repository.program_of(session, lot_id)
    return None if program_id is None else (program_id, None)


LOT = Scope("lot_id", _lot, lambda v: service.LotNotFound(f"no business lot {v!r}", field="lot_id"))


class InvalidUpload(InvalidInput):
    code = "invalid_upload"


def lot_out(session: Session, lot: BusinessLot) -> dict[str, Any]:
    return schemas.lot_out(
        lot, repository.status_counts(session, lot.id), repository.breakdown(session, lot.id)
    )


async def _lot_in(request: Request) -> schemas.LotIn:
    """The manifest and its fields, as JSON or as multipart/form-data (the CSV in the file
    field ``manifest``)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > manifest.MAX_BYTES + 64 * 1024:
        raise manifest.too_large()
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=8, max_part_size=manifest.MAX_BYTES)
            try:
                fields: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
                upload = fields.get("manifest")
                if isinstance(upload, UploadFile):
                    raw = await upload.read()
                    try:
                        fields["manifest"] = raw.decode("utf-8-sig")
                    except UnicodeDecodeError as exc:
                        raise InvalidUpload(
                            f"the manifest is not UTF-8 (byte {exc.start})", field="manifest"
                        ) from None
            finally:
                await form.close()
            return schemas.LotIn.model_validate(fields)
        return schemas.LotIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    except json.JSONDecodeError:
        raise InvalidUpload("the body is not JSON", field="body") from None


@router.post(
    "/programs/{program_id}/lots",
    status_code=201,
    response_model=schemas.LotOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schemas.LotIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["reference", "business_name", "manifest"],
                        "properties": {
                            "reference": {"type": "string"},
                            "business_name": {"type": "string"},
                            "payout_method": {"type": "string"},
                            "manifest": {"type": "string", "format": "binary"},
                        },
                    }
                },
            },
        }
    },
)
async def create_lot(
    program_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, PM, partner=True, scope=PROGRAM)),
) -> Any:
    """Price a business's manifest (CSV: docs/logistics.md) as one lot, with totals and a
    breakdown per variant. Any problem in the file refuses it whole, each named by line and
    column, and nothing is written."""
    body = await _lot_in(request)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        lot = service.create(
            s,
            program_id=program_id,
            reference=body.reference,
            business_name=body.business_name,
            text=body.manifest,
            payout_method=body.payout_method,
            ctx=ctx,
        )
        return schemas.LotOut.model_validate(lot_out(s, lot))

    return await run_in_threadpool(perform, request, work, payload=body, status_code=201)


@router.get("/programs/{program_id}/lots", response_model=list[schemas.LotOut])
def list_lots(
    program_id: str,
    grant: Grant = Depends(allow(*READERS, partner=True, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """The program's business lots, newest first."""
    return [lot_out(session, lot) for lot in service.of_program(session, program_id)]


@router.get("/lots/{lot_id}", response_model=schemas.LotDetailOut)
def get_lot(
    lot_id: str,
    status: str | None = Query(None, description="Only lines in this status"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(*READERS, partner=True, scope=LOT)),
    session: Session = Depends(read_session),
) -> Any:
    """The lot, its totals and summary, and a page of its lines."""
    if status is not None and status not in service.LINE_STATUSES:
        raise InvalidInput(f"status is one of {', '.join(service.LINE_STATUSES)}", field="status")
    lot = service.get(session, lot_id)
    lines = repository.lines(session, lot.id, status=status, limit=limit, offset=offset)
    return {
        **lot_out(session, lot),
        "total_lines": repository.count_lines(session, lot.id, status),
        "lines": [schemas.LineOut.of(line) for line in lines],
    }


EXPORT_COLUMNS = ("line", "imei", "serial", "model", "asset_tag", "quoted", "status",
                  "trade_in_id")  # fmt: skip


@router.get("/lots/{lot_id}/lines.csv", response_class=Response)
def export_lines(
    lot_id: str,
    grant: Grant = Depends(allow(*READERS, partner=True, scope=LOT)),
    session: Session = Depends(read_session),
) -> Response:
    """Every line of the lot as CSV (quoted in minor units), for the business's spreadsheet."""
    lot = service.get(session, lot_id)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for ln in repository.lines(session, lot.id):
        row = (ln.line_no, ln.imei, ln.serial, ln.variant_sku, ln.asset_tag, ln.quoted, ln.status,
               ln.trade_in_id)  # fmt: skip
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{lot.id}-lines.csv"'},
    )


@router.post("/lots/{lot_id}/accept", response_model=schemas.LotOut)
def accept_lot(
    lot_id: str,
    request: Request,
    body: schemas.AcceptLotIn | None = Body(None),
    grant: Grant = Depends(allow(A, PM, partner=True, scope=LOT)),
) -> Any:
    """The business accepts the lot's quote, before it expires; its contact is kept apart as
    personal data."""
    data = body or schemas.AcceptLotIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return schemas.LotOut.model_validate(
            lot_out(s, service.accept(s, lot_id, data.contact, ctx))
        )

    return perform(request, work, payload=data)


@router.post("/lots/{lot_id}/receive", response_model=schemas.ReceiveOut)
def receive_lot(
    lot_id: str,
    body: schemas.ReceiveIn,
    request: Request,
    grant: Grant = Depends(allow(A, R, scope=LOT)),
) -> Any:
    """Scans of one receiving session (several calls may follow): each IMEI or serial on the
    manifest matches its line and opens the device's trade-in, received; one not on it is an
    extra; a scan recorded before changes nothing."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        done = receiving.receive(s, lot_id, body.scans, ctx)
        lot = service.get(s, lot_id)
        return schemas.ReceiveOut(
            lot_id=lot.id,
            status=lot.status,
            scanned=done.scanned,
            matched=len(done.matched),
            extras=done.extras,
            again=done.again,
            counts=repository.status_counts(s, lot.id),
        )

    return perform(request, work, payload=body)


@router.post("/lots/{lot_id}/close-receiving", response_model=schemas.ReceivingReportOut)
def close_receiving(
    lot_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, R, scope=LOT)),
) -> Any:
    """End receiving: lines never scanned are missing. Returns the receiving report."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return receiving.report(s, receiving.close(s, lot_id, ctx))

    return perform(request, work)


@router.post("/lots/{lot_id}/settle", response_model=schemas.LotOut)
def settle_lot(
    lot_id: str,
    request: Request,
    body: schemas.SettleIn | None = Body(None),
    grant: Grant = Depends(allow(A, F, scope=LOT)),
) -> Any:
    """Settle the lot exactly once: the summary of devices quoted, received, missing and
    extra, each inspection's adjustment, and the total owed."""
    data = body or schemas.SettleIn()

    def work(s, ctx):  # type: ignore[no-untyped-def]
        lot = settlement.settle(s, lot_id, force=data.force, ctx=ctx)
        return schemas.LotOut.model_validate(lot_out(s, lot))

    return perform(request, work, payload=data)
