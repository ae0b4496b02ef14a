"""The screening queue (open flags by severity and age; clear or confirm), a trade-in's
screening, and the operator's blocklist."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import Role
from revalue.http.auth import Grant, Scope, allow
from revalue.http.body import text_body
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.identity import blocklist
from revalue.identity.identifiers import format_imei
from revalue.identity.models import DeviceCheck, DeviceIdentity, ScreeningFlag
from revalue.schemas_common import Strict
from revalue.tradeins import repository, screening, service
from revalue.tradeins.models import TradeIn
from revalue.tradeins.schemas import FlagOut, ResolveIn, ScreeningOut
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["screening"])
A, PM, R, INS, AU = (
    Role.ADMIN,
    Role.PROGRAM_MANAGER,
    Role.RECEIVER,
    Role.INSPECTOR,
    Role.AUDITOR,
)


def _flag(session: Session, flag_id: str) -> tuple[str, str] | None:
    row = session.get(ScreeningFlag, int(flag_id)) if flag_id.isdigit() else None
    program_id = repository.program_of(session, row.trade_in_id) if row else None
    return None if row is None or program_id is None else (program_id, row.trade_in_id)


FLAG = Scope("flag_id", _flag, lambda f: screening.FlagNotFound(f"no flag {f}", field="flag_id"))


@router.get("/screening/flags", response_model=list[FlagOut])
def screening_queue(
    status: str = Query("open", pattern="^(open|cleared|confirmed)$"),
    severity: str | None = Query(None, pattern="^(critical|high|medium|low)$"),
    program_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    grant: Grant = Depends(allow(A, PM, R, INS, AU)),
    session: Session = Depends(read_session),
):
    """Flags of the caller's programs: the most severe first, then the oldest."""
    stmt = (
        select(ScreeningFlag)
        .join(TradeIn, TradeIn.id == ScreeningFlag.trade_in_id)
        .where(ScreeningFlag.status == status)
    )
    within = grant.programs()
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    if program_id is not None:
        stmt = stmt.where(TradeIn.program_id == program_id)
    if severity is not None:
        stmt = stmt.where(ScreeningFlag.severity == severity)
    rows = session.scalars(stmt.order_by(ScreeningFlag.raised_at, ScreeningFlag.id)).all()
    rank = screening.SEVERITY_ORDER.index
    ordered = sorted(rows, key=lambda f: (rank(f.severity), f.raised_at, f.id))[:limit]
    return [FlagOut.model_validate(f, from_attributes=True) for f in ordered]


def _resolve(request: Request, flag_id: int, body: ResolveIn, *, confirm: bool):  # type: ignore[no-untyped-def]
    def work(s, ctx):  # type: ignore[no-untyped-def]
        flag = screening.resolve(s, flag_id, confirm=confirm, reason=body.reason, ctx=ctx)
        return FlagOut.model_validate(flag, from_attributes=True)

    return perform(request, work, payload=body)


@router.post("/screening/flags/{flag_id}/clear", response_model=FlagOut)
def clear_flag(
    flag_id: int,
    body: ResolveIn,
    request: Request,
    grant: Grant = Depends(allow(A, PM, scope=FLAG)),
):
    """Nothing wrong after all (a lock removed, a duplicate explained): say why."""
    return _resolve(request, flag_id, body, confirm=False)


@router.post("/screening/flags/{flag_id}/confirm", response_model=FlagOut)
def confirm_flag(
    flag_id: int,
    body: ResolveIn,
    request: Request,
    grant: Grant = Depends(allow(A, PM, scope=FLAG)),
):
    """The flag holds (a blocklisted device stays held): say why."""
    return _resolve(request, flag_id, body, confirm=True)


@router.get("/trade-ins/{trade_in_id}/screening", response_model=ScreeningOut)
def trade_in_screening(
    trade_in_id: str,
    grant: Grant = Depends(allow(A, PM, Role.STORE_ASSOCIATE, R, INS, AU, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The device's identifiers and identification, every check and every flag."""
    service.get(session, trade_in_id)
    identity = session.get(DeviceIdentity, trade_in_id)
    checks = session.scalars(
        select(DeviceCheck).where(DeviceCheck.trade_in_id == trade_in_id).order_by(DeviceCheck.id)
    ).all()
    flags = session.scalars(
        select(ScreeningFlag)
        .where(ScreeningFlag.trade_in_id == trade_in_id)
        .order_by(ScreeningFlag.id)
    ).all()
    return ScreeningOut(
        trade_in_id=trade_in_id,
        identity=None if identity is None else _identity(identity),
        checks=[
            {
                "kind": c.kind,
                "outcome": c.outcome,
                "source": c.source,
                "checked_at": c.checked_at,
                "checked_by": c.checked_by,
                "detail": c.detail,
            }
            for c in checks
        ],
        flags=[FlagOut.model_validate(f, from_attributes=True) for f in flags],
        held=screening.blocked(session, trade_in_id),
    )


def _identity(row: DeviceIdentity) -> dict[str, Any]:
    return {
        "imei": row.imei and format_imei(row.imei),
        "imei2": row.imei2 and format_imei(row.imei2),
        "meid": row.meid,
        "serial": row.serial,
        "identified_model_id": row.identified_model_id,
        "identified_name": row.identified_name,
        "source": row.source,
        "confidence": row.confidence,
        "stage": row.stage,
        "recorded_at": row.recorded_at,
        "recorded_by": row.recorded_by,
    }


class BlocklistIn(Strict):
    imei: str = Field(max_length=40)
    reason: blocklist.Reason
    note: str = Field("", max_length=400)
    source: str = Field("operator", max_length=60, description="Who reported it")


class BlocklistOut(BaseModel):
    id: int
    imei: str
    reason: str
    note: str
    source: str
    listed_at: datetime
    listed_by: str
    removed_at: datetime | None
    removed_by: str | None


@router.get("/blocklist", response_model=list[BlocklistOut])
def list_blocklist(
    imei: str | None = None,
    grant: Grant = Depends(allow(A, PM, AU)),
    session: Session = Depends(read_session),
):
    """The operator's blocklist (installation-wide), or the entries of one IMEI."""
    rows = blocklist.entries(session, imei)
    return [BlocklistOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/blocklist", response_model=BlocklistOut, status_code=201)
def add_to_blocklist(body: BlocklistIn, request: Request, grant: Grant = Depends(allow(A, PM))):
    def work(s, ctx):  # type: ignore[no-untyped-def]
        entry = blocklist.add(
            s, imei=body.imei, reason=body.reason, note=body.note, source=body.source, ctx=ctx
        )
        return BlocklistOut.model_validate(entry, from_attributes=True)

    return perform(request, work, payload=body, status_code=201)


@router.post("/blocklist/{entry_id}/remove", response_model=BlocklistOut)
def remove_from_blocklist(entry_id: int, request: Request, grant: Grant = Depends(allow(A))):
    """Take a device off the list (found, paid up); its history stays."""
    return perform(
        request,
        lambda s, ctx: BlocklistOut.model_validate(
            blocklist.remove(s, entry_id, ctx), from_attributes=True
        ),
    )


@router.post(
    "/blocklist/import",
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_blocklist(
    request: Request,
    source: str = Query("operator", max_length=60, description="Who reported these devices"),
    grant: Grant = Depends(allow(A)),
) -> Any:
    """Add devices from CSV (columns imei,reason[,note]); one bad row refuses the file."""
    raw, text = await text_body(request)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return {"imported": blocklist.import_csv(s, text, source=source, ctx=ctx)}

    return await run_in_threadpool(perform, request, work, payload=raw)
