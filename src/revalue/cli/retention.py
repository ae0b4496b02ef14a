"""``revalue retention``: erase customers' personal data after the retention period."""

from __future__ import annotations

import typer
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console
from revalue.lots import retention as lot_retention
from revalue.tradeins import retention

app = typer.Typer(help="Personal data retention.", no_args_is_help=True)


@app.command("run")
def run(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Count what would be erased; erase nothing"
    ),
) -> None:
    """Erase the contact details of trade-ins closed (and business lots settled) longer ago
    than their program's retention period. Trade-ins, payments and the custody log stay (and
    still verify). Run it daily."""
    common.require_schema()
    with common.unit_of_work() as session:
        report = retention.run(session, common.context(), dry_run=dry_run)
        lots = lot_retention.run(session, common.context(), dry_run=dry_run)
    table = Table("program", "would erase" if dry_run else "erased", "business lots' contacts")
    for program_id in sorted(report.erased.keys() | lots.keys()):
        table.add_row(
            program_id, str(report.erased.get(program_id, 0)), str(lots.get(program_id, 0))
        )
    console.print(table)
    verb = "would be erased" if dry_run else "erased"
    console.print(f"{report.total} customers' personal data {verb}.")
    console.print(f"{sum(lots.values())} business lots' contacts {verb}.")
