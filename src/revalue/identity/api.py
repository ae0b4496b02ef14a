"""Identification over HTTP: what an IMEI's TAC names, and the import of TAC tables."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import Role
from revalue.http.auth import Grant, allow
from revalue.http.body import text_body
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.identity import identifiers, tac

router = APIRouter(tags=["identity"], responses=ERROR_RESPONSES)

IDENTIFIERS = (
    Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, Role.RECEIVER, Role.INSPECTOR,
    Role.AUDITOR,
)  # fmt: skip


class TacFormat(StrEnum):
    OSMOCOM = "osmocom"
    SAMSUNG = "samsung"
    APPLE = "apple"


class CandidateOut(BaseModel):
    source: str
    brand: str | None
    name: str | None
    model_code: str | None
    catalog_model_id: str | None


class IdentificationOut(BaseModel):
    imei: str | None  # canonical 15 digits; None when a bare TAC was asked about
    imei_formatted: str | None
    tac: str
    candidates: list[CandidateOut]
    catalog_model_id: str | None
    name: str | None
    source: str | None
    confidence: tac.Confidence
    reason: str


class RowIssueOut(BaseModel):
    line: int
    tac: str
    reason: str


class TacImportOut(BaseModel):
    source: str
    rows_read: int
    imported: int
    linked: int
    replaced: int
    skipped: list[RowIssueOut]
    merged: list[RowIssueOut]


class AppleCheckOut(BaseModel):
    source: str
    rows_read: int
    linked: list[tuple[str, str, str]]  # (identifier, Apple's name, catalog model)
    not_in_catalog: int
    unknown_to_apple: list[str]
    skipped: list[RowIssueOut]


@router.get("/identify/{imei}", response_model=IdentificationOut)
def identify(
    imei: str,
    grant: Grant = Depends(allow(*IDENTIFIERS, partner=True)),
    session: Session = Depends(read_session),
) -> IdentificationOut:
    """What the TAC tables say an IMEI (or an 8-digit TAC) is: each source's answer, the
    catalog model and the confidence. An unknown TAC answers ``confidence: none``."""
    found = tac.identify(session, imei)
    return IdentificationOut(
        imei=found.imei,
        imei_formatted=found.imei and identifiers.format_imei(found.imei),
        tac=found.tac,
        candidates=[CandidateOut.model_validate(asdict(c)) for c in found.candidates],
        catalog_model_id=found.catalog_model_id,
        name=found.name,
        source=found.source,
        confidence=found.confidence,
        reason=found.reason,
    )


@router.post(
    "/tac/import",
    response_model=TacImportOut | AppleCheckOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
            "required": True,
        }
    },
)
async def import_tacs(
    request: Request,
    format: TacFormat = Query(..., description="osmocom or samsung (CSV), apple (JSON)"),
    strict: bool = Query(False, description="Any malformed row: import nothing"),
    grant: Grant = Depends(allow(Role.ADMIN)),
):
    """Replace one source's TAC rows with the file's, linking them to catalog models. An
    Apple identifier map (no TACs) is checked against the catalog and nothing is written."""
    raw, text = await text_body(request)

    def work(session, ctx):  # type: ignore[no-untyped-def]
        if format is TacFormat.APPLE:
            return asdict(tac.check_apple(session, text))
        return asdict(tac.import_file(session, str(format), text, ctx, strict=strict))

    return await run_in_threadpool(perform, request, work, payload=raw)
