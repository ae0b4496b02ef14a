"""Erasure records over HTTP: a trade-in's records with their media, the queue of records
sampled for independent verification, and the verification itself."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.tradeins import sanitization, schemas, service
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["sanitization"])
A, PM, T, AU = Role.ADMIN, Role.PROGRAM_MANAGER, Role.TECHNICIAN, Role.AUDITOR


@router.get("/trade-ins/{trade_in_id}/sanitizations", response_model=list[schemas.SanitizationOut])
def trade_in_sanitizations(
    trade_in_id: str,
    grant: Grant = Depends(allow(A, PM, T, AU, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """Every erasure of the device, oldest first, each with its storage media."""
    service.get(session, trade_in_id)
    return [
        schemas.SanitizationOut.from_row(row, media)
        for row, media in sanitization.records(session, trade_in_id)
    ]


@router.get("/sanitizations/awaiting-verification", response_model=list[schemas.SanitizationOut])
def awaiting_verification(
    grant: Grant = Depends(allow(A, PM, T, AU)),
    session: Session = Depends(read_session),
):
    """Records sampled for independent verification that nobody has verified yet: their
    devices wait for it before payment, certificates and disposal."""
    rows = sanitization.awaiting_verification(session, grant.programs())
    media = sanitization.media_of(session, [r.id for r in rows])
    return [schemas.SanitizationOut.from_row(r, media.get(r.id, [])) for r in rows]


@router.post(
    "/trade-ins/{trade_in_id}/sanitizations/verify", response_model=schemas.SanitizationOut
)
def verify_sanitization(
    trade_in_id: str,
    body: schemas.VerifyErasureIn,
    request: Request,
    grant: Grant = Depends(allow(A, T, scope=TRADE_IN)),
):
    """Independently verify the device's latest record: someone other than its operator.
    Failing sends the device back to sanitization."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        row = sanitization.verify(s, trade_in_id, body, ctx)
        return schemas.SanitizationOut.from_row(row, sanitization.media_of(s, [row.id])[row.id])

    return perform(request, work, payload=body)
