"""``revalue reports``: a program's recovery report (as a table or CSV), every report at once,
and its environmental totals, read through the same functions as the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console
from revalue.domain.money import format_major
from revalue.payouts.exports import table_csv
from revalue.programs import service as programs
from revalue.recovery import report_schemas as schemas
from revalue.recovery import reports, reports_summary

app = typer.Typer(help="Program reports: recovery, flow, objectives, environment.",
                  no_args_is_help=True)  # fmt: skip
DAY = ["%Y-%m-%d"]
MONEY = ("revenue", "fees", "repair_cost", "paid", "net", "margin")
FROM = typer.Option(None, "--from", formats=DAY, help="First UTC day; default: the start")
TO = typer.Option(None, "--to", formats=DAY, help="UTC day after the last; default: now")


def _period(start: datetime | None, end: datetime | None) -> reports.Period:
    return reports.Period(start.date() if start else None, end.date() if end else None)


@app.command("recovery")
def recovery(
    program: str = typer.Argument(..., metavar="PROGRAM"),
    by: reports.GroupBy = typer.Option(reports.GroupBy.CHANNEL, help="Group sales by"),
    start: datetime = FROM,
    end: datetime = TO,
    out: Path = typer.Option(None, "--csv", metavar="FILE", help="Write the rows as CSV here"),
) -> None:
    """Value recovered against what customers were paid, for sales in [--from, --to), grouped
    by channel, model, grade or month."""
    common.require_schema()
    with common.unit_of_work() as session:
        programs.get(session, program)
        report = reports_summary.recovery_out(session, program, by=by, period=_period(start, end))
    if out is not None:
        columns = reports.RECOVERY_COLUMNS
        text = table_csv(columns, ([getattr(r, c) for c in columns] for r in report.rows))
        out.write_bytes(text.encode("utf-8"))
        console.print(f"Wrote {len(report.rows)} row(s) to {out}")
        return
    _recovery(report)


@app.command("program")
def program(
    program_id: str = typer.Argument(..., metavar="PROGRAM"),
    by: reports.GroupBy = typer.Option(reports.GroupBy.CHANNEL, help="Group sales by"),
    start: datetime = FROM,
    end: datetime = TO,
) -> None:
    """Every report of the program: recovery, disposition mix, days to sell, re-quotes, time
    in each stage, objectives and environmental totals."""
    common.require_schema()
    with common.unit_of_work() as session:
        summary = reports_summary.summary(session, program_id, by=by, period=_period(start, end))
    _recovery(summary.recovery)
    _table("Disposition mix", summary.disposition_mix)
    _table("Days to sell", summary.days_to_sell)
    _table("Re-quotes by month of inspection", summary.requotes)
    _table("Hours in each state", summary.stages)
    _table("Objectives", summary.objectives)
    _environment(summary.environment)


@app.command("environment")
def environment(program_id: str = typer.Argument(..., metavar="PROGRAM")) -> None:
    """The program's environmental receipts added up per factor version, category and route."""
    common.require_schema()
    with common.unit_of_work() as session:
        programs.get(session, program_id)
        out = reports_summary.environment_out(session, program_id)
    _environment(out)


def _recovery(report: schemas.RecoveryOut) -> None:
    table = Table(title=f"Recovery by {report.by}", title_justify="left")
    columns = list(schemas.RecoveryRowOut.model_fields)
    for name in columns:
        justify = "left" if name in ("group", "currency") else "right"
        table.add_column(_heading(name), justify=justify)
    for row in [*report.rows, *report.totals]:
        table.add_row(*(_cell(row, name) for name in columns), end_section=row.group == "total")
    console.print(table if report.rows else f"{table.title}: no sales.")


def _heading(name: str) -> str:
    return name.removesuffix("_bp") + " %" if name.endswith("_bp") else name


def _cell(row: BaseModel, name: str) -> str:
    value: Any = getattr(row, name)
    if name in MONEY:
        return format_major(value, row.currency)  # type: ignore[attr-defined]
    if name.endswith("_bp"):
        return f"{value / 100:.2f} %"
    return str(value)


def _table(title: str, rows: Sequence[BaseModel]) -> None:
    if not rows:
        console.print(f"{title}: none.")
        return
    table = Table(title=title, title_justify="left")
    columns = list(type(rows[0]).model_fields)
    for name in columns:
        number = isinstance(getattr(rows[0], name), int | float)
        table.add_column(_heading(name), justify="right" if number else "left")
    for row in rows:
        table.add_row(*(_cell(row, name) for name in columns))
    console.print(table)


def _environment(out: schemas.EnvironmentOut) -> None:
    table = Table(title="Environmental receipts", title_justify="left")
    for name in ("version", "category", "route", "devices"):
        table.add_column(name)
    for name in ("mass kg", "diverted kg", "recycled kg", "CO2e avoided kg"):
        table.add_column(name, justify="right")
    for t in [*out.lines, *out.versions]:
        table.add_row(
            t.factor_version, t.category, t.route, str(t.devices), f"{t.mass_kg:,.3f}",
            f"{t.diverted_kg:,.3f}", f"{t.recycled_kg:,.3f}", f"{t.co2e_avoided_kg:,.3f}",
        )  # fmt: skip
    console.print(table if out.lines else "Environmental receipts: none issued yet.")
