"""``revalue retention``: erase customers' personal data after the retention period."""

from __future__ import annotations

import typer
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console
from revalue.tradeins import retention

app = typer.Typer(help="Personal data retention.", no_args_is_help=True)


@app.command("run")
def run(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Count what would be erased; erase nothing"
    ),
) -> None:
    """Erase the contact details of trade-ins closed longer ago than their program's retention
    period. Trade-ins, payments and the custody log stay (and still verify). Run it daily."""
    common.require_schema()
    with common.unit_of_work() as session:
        report = retention.run(session, common.context(), dry_run=dry_run)
    table = Table("program", "would erase" if dry_run else "erased")
    for program_id, count in sorted(report.erased.items()):
        table.add_row(program_id, str(count))
    console.print(table)
    verb = "would be erased" if dry_run else "erased"
    console.print(f"{report.total} customers' personal data {verb}.")
