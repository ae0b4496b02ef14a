"""Erasure tools' reports imported over HTTP: the file is the body, all or nothing."""

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from revalue.domain.access import Role
from revalue.domain.lifecycle import State
from revalue.domain.records import SanitizationResult
from revalue.http.auth import Grant, allow
from revalue.http.body import text_body
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.tradeins import erasure_reports
from revalue.tradeins.erasure_formats import ReportFormat

router = APIRouter(responses=ERROR_RESPONSES, tags=["sanitization"])
MEDIA_TYPES = ("application/json", "text/csv", "application/xml")


class RecordOut(BaseModel):
    report_id: str
    already_imported: bool = Field(description="Imported by an earlier file: left as it was")
    trade_in_id: str | None = Field(
        description="None only for a report imported earlier for another program's trade-in"
    )
    result: SanitizationResult | None
    state: State | None = Field(description="The trade-in's state now")


class ImportOut(BaseModel):
    format: ReportFormat
    imported: int
    already_imported: int
    records: list[RecordOut] = Field(description="One per report, in the file's order")


@router.post(
    "/sanitization-reports",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {
            "content": {t: {"schema": {"type": "string"}} for t in MEDIA_TYPES},
            "required": True,
        }
    },
)
async def import_sanitization_reports(
    request: Request,
    fmt: ReportFormat = Query(
        alias="format", description="How the file is written: docs/sanitization.md"
    ),
    grant: Grant = Depends(allow(Role.ADMIN, Role.TECHNICIAN)),
) -> Any:
    """Record erasures from an erasure tool's report file (revalue-json, revalue-csv or
    blancco-xml), matching each report to an open trade-in by its id, IMEI or serial. Any
    problem refuses the whole file, listing every problem; reports already imported are
    skipped. Each record's operator is the report's, or the caller."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > erasure_reports.MAX_BYTES:
        raise erasure_reports.too_large()  # refused before the body is taken in
    raw, text = await text_body(request)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        result = erasure_reports.import_file(s, fmt, text, ctx, within=grant.programs())
        return ImportOut(
            format=result.format,
            imported=result.imported,
            already_imported=result.already_imported,
            records=[RecordOut.model_validate(r, from_attributes=True) for r in result.records],
        )

    return await run_in_threadpool(perform, request, work, payload=raw)
