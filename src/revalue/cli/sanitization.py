"""``revalue sanitization import FILE --format FORMAT``: erasure tools' reports as records."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.tradeins import erasure_reports
from revalue.tradeins.erasure_formats import ReportFormat

app = typer.Typer(help="Erasure records: import erasure tools' reports.", no_args_is_help=True)
SHOWN = 50  # records listed after an import; the counts cover the rest


@app.command("import")
def import_reports(
    path: Path = typer.Argument(..., metavar="FILE"),
    fmt: ReportFormat = typer.Option(
        ..., "--format", help="revalue-json, revalue-csv or blancco-xml"
    ),
) -> None:
    """Record the erasures of a report file, matching each report to an open trade-in by its
    id, IMEI or serial. Any problem: every problem is listed and nothing is written. Reports
    imported before are skipped."""
    common.require_schema()
    text = common.read_text(path)
    with (
        Progress(console=err_console, transient=True) as progress,
        common.unit_of_work() as session,
    ):
        task = progress.add_task(f"Importing {fmt} reports", total=None)
        try:
            result = erasure_reports.import_file(
                session, fmt, text, common.context(),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )  # fmt: skip
        except erasure_reports.InvalidErasureReport as exc:
            _problems(exc)
            raise typer.Exit(1) from None  # leaving the unit of work rolls everything back
    table = Table("report", "trade-in", "result", "state now", "imported")
    for r in result.records[:SHOWN]:
        table.add_row(escape(r.report_id), r.trade_in_id or "-", r.result or "-", r.state or "-",
                      "before" if r.already_imported else "now")  # fmt: skip
    if result.records:
        console.print(table)
    more = len(result.records) - SHOWN
    console.print(
        (f"… and {more} more.\n" if more > 0 else "")
        + f"{fmt}: {len(result.records)} report(s): {result.imported} imported, "
        f"{result.already_imported} already imported."
    )


def _problems(exc: erasure_reports.InvalidErasureReport) -> None:
    err_console.print(f"[red]{exc.code}[/red]: {exc.message}")
    for p in exc.details["problems"]:
        report = f" (report {p['report_id']})" if p["report_id"] else ""
        # The file's own text (ids, values) is printed as it is, never read as Rich markup.
        err_console.print(escape(f"  {p['where']}{report}, {p['field']}: {p['message']}"))
    hidden = exc.details["problem_count"] - len(exc.details["problems"])
    if hidden > 0:
        err_console.print(f"  … and {hidden} more problem(s)")
