"""A program's reports over HTTP, read-only: JSON, or CSV for spreadsheets with
``?format=csv`` (one header row, columns in a fixed order). Periods are UTC days [from, to)."""

from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.payouts.exports import table_csv
from revalue.programs.api import PROGRAM
from revalue.recovery import report_schemas as schemas
from revalue.recovery import reports, reports_flow, reports_summary
from revalue.recovery.environment_api import REPORT_READERS

router = APIRouter(responses=ERROR_RESPONSES, tags=["reports"])
REPORTS = "/programs/{program_id}/reports"
FROM = Query(None, alias="from", description="First UTC day, YYYY-MM-DD; default: the start")
TO = Query(None, alias="to", description="UTC day after the last (excluded); default: now")
BY = Query(reports.GroupBy.CHANNEL, description="Group sales by channel, model, grade or month")
CSV = {
    200: {
        "description": "JSON, or with format=csv UTF-8 CSV (byte-order mark) with a header row",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


FORMAT = Query(Format.JSON, alias="format", description="json, or csv for spreadsheets")
readers = allow(*REPORT_READERS, partner=True, scope=PROGRAM)


def in_period(start: date | None = FROM, end: date | None = TO) -> reports.Period:
    return reports.Period(start, end)


def _answer(
    fmt: Format, rows: Sequence[Any], columns: Sequence[str], name: str, out: Callable[[], Any]
) -> Any:
    if fmt is Format.JSON:
        return out()
    text = table_csv(columns, ([getattr(r, c) for c in columns] for r in rows))
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(f"{REPORTS}/recovery", response_model=schemas.RecoveryOut, responses=CSV)
def recovery_report(
    program_id: str,
    by: reports.GroupBy = BY,
    period: reports.Period = Depends(in_period),
    fmt: Format = FORMAT,
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """Value recovered against what customers were paid, for sales in the period, grouped:
    devices sold, revenue, fees, repair cost, paid out, net recovered (revenue - fees -
    repair), margin (net - paid) and margin in basis points of revenue; totals per currency
    (CSV: the groups only)."""
    out = reports_summary.recovery_out(session, program_id, by=by, period=period)
    return _answer(fmt, out.rows, reports.RECOVERY_COLUMNS, f"recovery-{program_id}", lambda: out)


@router.get(f"{REPORTS}/disposition-mix", response_model=list[schemas.MixRowOut], responses=CSV)
def disposition_mix_report(
    program_id: str,
    period: reports.Period = Depends(in_period),
    fmt: Format = FORMAT,
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """Devices disposed in the period by route and channel, with their share of all."""
    rows = reports.disposition_mix(session, program_id, period=period)
    return _answer(fmt, rows, reports.MIX_COLUMNS, f"disposition-mix-{program_id}", lambda: rows)


@router.get(f"{REPORTS}/days-to-sell", response_model=list[schemas.SpeedRowOut], responses=CSV)
def days_to_sell_report(
    program_id: str,
    period: reports.Period = Depends(in_period),
    fmt: Format = FORMAT,
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """Per channel, the days from disposal to sale of devices sold in the period: count,
    mean, median and 90th percentile."""
    rows = reports.days_to_sell(session, program_id, period=period)
    return _answer(fmt, rows, reports.SPEED_COLUMNS, f"days-to-sell-{program_id}", lambda: rows)


@router.get(f"{REPORTS}/requotes", response_model=list[schemas.RequoteRowOut], responses=CSV)
def requotes_report(
    program_id: str,
    period: reports.Period = Depends(in_period),
    fmt: Format = FORMAT,
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """Trade-ins inspected in the period by month: how many were re-quoted, and how many
    re-quotes were accepted, declined or are still open."""
    rows = reports_flow.requotes(session, program_id, period=period)
    name = f"requotes-{program_id}"
    return _answer(fmt, rows, reports_flow.REQUOTE_COLUMNS, name, lambda: rows)


@router.get(f"{REPORTS}/stages", response_model=list[schemas.StageRowOut], responses=CSV)
def stages_report(
    program_id: str,
    period: reports.Period = Depends(in_period),
    fmt: Format = FORMAT,
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """Per lifecycle state, the devices that left it in the period and the hours they spent
    there (mean, median, 90th percentile), from their custody chains."""
    rows = reports_flow.stages(session, program_id, period=period)
    return _answer(fmt, rows, reports_flow.STAGE_COLUMNS, f"stages-{program_id}", lambda: rows)


@router.get(f"{REPORTS}/objectives", response_model=list[schemas.ObjectiveRowOut], responses=CSV)
def objectives_report(
    program_id: str,
    period: reports.Period = Depends(in_period),
    fmt: Format = FORMAT,
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """The program's objectives against the period's actual values, and whether each is met:
    devices disposed a calendar month, the reuse routes' share and the sales' margin."""
    rows = reports.objectives(session, program_id, period=period)
    name = f"objectives-{program_id}"
    return _answer(fmt, rows, reports.OBJECTIVE_COLUMNS, name, lambda: rows)


@router.get(f"{REPORTS}/summary", response_model=schemas.SummaryOut)
def summary_report(
    program_id: str,
    by: reports.GroupBy = BY,
    period: reports.Period = Depends(in_period),
    grant: Grant = Depends(readers),
    session: Session = Depends(read_session),
) -> Any:
    """Every report at once (recovery grouped as ``by`` says), and the environmental totals."""
    return reports_summary.summary(session, program_id, by=by, period=period)
