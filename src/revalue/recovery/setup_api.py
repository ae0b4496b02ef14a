"""A program's recovery set-up over HTTP: settings, channels with their price lists and
demand, and repair actions. Program managers write it; finance and auditors read it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from revalue.domain.access import Role
from revalue.domain.errors import InvalidInput
from revalue.http.auth import Grant, Scope, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.programs.api import PROGRAM
from revalue.recovery import repository, setup
from revalue.recovery.models import Channel, RecoverySettings
from revalue.recovery.setup_schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    DemandIn,
    DemandOut,
    PriceIn,
    PriceListOut,
    PriceOut,
    RepairActionOut,
    RepairActionsIn,
    SettingsIn,
    SettingsOut,
)

router = APIRouter(responses=ERROR_RESPONSES, tags=["recovery set-up"])
A, PM, T, F, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.TECHNICIAN, Role.FINANCE, Role.AUDITOR
WRITERS = (A, PM)
READERS = (A, PM, F, AU)
MAX_UPLOAD = 8 * 2**20
PRICES = TypeAdapter(list[PriceIn])


def _channel(session: Session, channel_id: str) -> tuple[str, None] | None:
    program_id = repository.program_of(session, Channel, channel_id)
    return None if program_id is None else (program_id, None)


CHANNEL = Scope(
    "channel_id",
    _channel,
    lambda v: setup.ChannelNotFound(f"no channel {v!r}", field="channel_id"),
)


class InvalidUpload(InvalidInput):
    code = "invalid_upload"


def settings_out(row: RecoverySettings) -> SettingsOut:
    return SettingsOut(
        program_id=row.program_id,
        saved=row.updated_at is not None,
        updated_at=row.updated_at,
        **{name: getattr(row, name) for name in SettingsIn.model_fields},
    )


def channel_out(row: Channel) -> ChannelOut:
    return ChannelOut.model_validate(row, from_attributes=True)


@router.get("/programs/{program_id}/recovery/settings", response_model=SettingsOut)
def get_settings(
    program_id: str,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    """The program's recovery economics (the defaults until a manager saves them)."""
    return settings_out(setup.settings(session, program_id))


@router.put("/programs/{program_id}/recovery/settings", response_model=SettingsOut)
def put_settings(
    program_id: str,
    body: SettingsIn,
    request: Request,
    grant: Grant = Depends(allow(*WRITERS, scope=PROGRAM)),
) -> Any:
    """Labour rate, technician hours a week, holding cost, speed weight, plan horizon and the
    price-book margin, all at once."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return settings_out(setup.put_settings(s, program_id, body, ctx))

    return perform(request, work, payload=body)


@router.post("/programs/{program_id}/channels", response_model=ChannelOut, status_code=201)
def create_channel(
    program_id: str,
    body: ChannelIn,
    request: Request,
    grant: Grant = Depends(allow(*WRITERS, scope=PROGRAM)),
) -> Any:
    """A channel the program sells through, on one route, in the program's currency."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return channel_out(setup.create_channel(s, program_id, body, ctx))

    return perform(request, work, payload=body, status_code=201)


@router.get("/programs/{program_id}/channels", response_model=list[ChannelOut])
def list_channels(
    program_id: str,
    active: bool | None = None,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    return [channel_out(c) for c in repository.channels(session, program_id, active=active)]


@router.patch("/channels/{channel_id}", response_model=ChannelOut)
def update_channel(
    channel_id: str,
    body: ChannelPatch,
    request: Request,
    grant: Grant = Depends(allow(*WRITERS, scope=CHANNEL)),
) -> Any:
    """Fees, logistics cost, days to sell, weekly capacity (null: unlimited), or active."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return channel_out(setup.update_channel(s, channel_id, body, ctx))

    return perform(request, work, payload=body)


async def _price_lines(request: Request) -> tuple[list[setup.PriceLine], bytes]:
    """The price list as JSON, as a CSV body (text/csv), or a CSV file in the multipart field
    ``file``; and the bytes that fingerprint it."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD:
        raise InvalidUpload(f"a price list is at most {MAX_UPLOAD // 2**20} MB", field="prices")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidUpload("send the CSV in the form field 'file'", field="file")
            raw = await upload.read()
        finally:
            await form.close()
        return setup.price_lines_from_csv(_text(raw)), raw
    raw = await request.body()
    if content_type.startswith("text/csv"):
        return setup.price_lines_from_csv(_text(raw)), raw
    try:
        return setup.price_lines_from_json(PRICES.validate_json(raw)), raw
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidUpload(f"the file is not UTF-8 (byte {exc.start})", field="file") from None


@router.put(
    "/channels/{channel_id}/prices",
    response_model=PriceListOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": PRICES.json_schema()},
                "text/csv": {"schema": {"type": "string", "example": "variant_sku,grade,amount"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
async def put_prices(
    channel_id: str, request: Request, grant: Grant = Depends(allow(*WRITERS, scope=CHANNEL))
) -> Any:
    """Replace the channel's price list: JSON, or CSV with the header variant_sku,grade,amount
    (grade A-D, or * for any grade). Any bad line refuses the whole list, every problem named
    by line and column, and nothing is written."""
    lines, raw = await _price_lines(request)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        setup.put_prices(s, channel_id, lines, ctx)
        return _price_list(s, channel_id)

    return await run_in_threadpool(perform, request, work, payload=raw)


def _price_list(session: Session, channel_id: str) -> PriceListOut:
    channel = setup.get_channel(session, channel_id)
    rows = repository.prices(session, [channel.id])
    return PriceListOut(
        channel_id=channel.id,
        currency=channel.currency,
        prices=[PriceOut(variant_sku=p.variant_sku, grade=p.grade, amount=p.amount) for p in rows],
    )


@router.get("/channels/{channel_id}/prices", response_model=PriceListOut)
def get_prices(
    channel_id: str,
    format: str = Query("json", pattern="^(json|csv)$", description="csv: the upload's format"),
    grant: Grant = Depends(allow(*READERS, scope=CHANNEL)),
    session: Session = Depends(read_session),
) -> Any:
    """The channel's price list, as JSON or as the CSV it can be uploaded from again."""
    prices = _price_list(session, channel_id)
    if format == "json":
        return prices
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(setup.PRICE_COLUMNS)
    writer.writerows((p.variant_sku, p.grade, p.amount) for p in prices.prices)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{channel_id}-prices.csv"'},
    )


@router.put("/channels/{channel_id}/demand", response_model=DemandOut)
def put_demand(
    channel_id: str,
    body: list[DemandIn],
    request: Request,
    grant: Grant = Depends(allow(*WRITERS, scope=CHANNEL)),
) -> Any:
    """Replace how many devices of each model the channel takes a week."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        setup.put_demand(s, channel_id, body, ctx)
        return demand_out(s, channel_id)

    return perform(request, work, payload=json.dumps([d.model_dump() for d in body]).encode())


@router.get("/channels/{channel_id}/demand", response_model=DemandOut)
def get_demand(
    channel_id: str,
    grant: Grant = Depends(allow(*READERS, scope=CHANNEL)),
    session: Session = Depends(read_session),
) -> Any:
    """How many devices of each model the channel takes a week."""
    return demand_out(session, channel_id)


def demand_out(session: Session, channel_id: str) -> DemandOut:
    rows = repository.demand(session, [channel_id])
    return DemandOut(
        channel_id=channel_id,
        demand=[DemandIn(model_id=d.model_id, units_per_week=d.units_per_week) for d in rows],
    )


def action_out(row: Any) -> RepairActionOut:
    return RepairActionOut.model_validate(row, from_attributes=True)


@router.put("/programs/{program_id}/repair-actions", response_model=list[RepairActionOut])
def put_repair_actions(
    program_id: str,
    body: RepairActionsIn,
    request: Request,
    grant: Grant = Depends(allow(*WRITERS, scope=PROGRAM)),
) -> Any:
    """Replace the repair actions the program's technicians do, per category: what each fixes
    ("screen_cracked", a fault, or "cosmetic" with the grade after), its parts and minutes."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return [action_out(r) for r in setup.put_repair_actions(s, program_id, body.actions)]

    return perform(request, work, payload=body)


@router.get("/programs/{program_id}/repair-actions", response_model=list[RepairActionOut])
def list_repair_actions(
    program_id: str,
    grant: Grant = Depends(allow(A, PM, T, F, AU, scope=PROGRAM)),
    session: Session = Depends(read_session),
) -> Any:
    return [action_out(r) for r in repository.repair_actions(session, program_id)]
