"""``revalue logistics``: enforce the shipping SLAs and list what is overdue."""

from __future__ import annotations

import typer
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console
from revalue.logistics import sla
from revalue.programs import service as programs

app = typer.Typer(help="Shipments, transit claims and logistics SLAs.", no_args_is_help=True)


@app.command("sweep")
def sweep(
    program: str = typer.Option(None, help="Only this program; default: every program"),
) -> None:
    """Expire or reprice mail-in acceptances not shipped in the program's days, and open
    transit claims for parcels in transit too long. Run it on a schedule (daily)."""
    common.require_schema()
    with common.unit_of_work() as session:
        ctx = common.context()
        ids = [program] if program else [p.id for p in programs.list_all(session)]
        results = [sla.sweep(session, pid, ctx) for pid in ids]
    for r in results:
        console.print(
            f"{r.program_id}: {len(r.expired)} expired, {len(r.repriced)} repriced, "
            f"{len(r.claims_opened)} claim(s) opened"
        )


@app.command("overdue")
def overdue(program: str = typer.Option(..., help="The program")) -> None:
    """Every breach of the program's logistics SLAs, with the days late."""
    common.require_schema()
    with common.unit_of_work() as session:
        breaches = sla.overdue(session, program, common.context().now)
    table = Table()
    for name in ("kind", "trade-in", "reference", "since", "due", "days late"):
        # Ids in full, never cut off: they are what people copy into the next command.
        table.add_column(name, no_wrap=True, justify="right" if name == "days late" else "left")
    for b in breaches:
        table.add_row(
            b.kind,
            b.trade_in_id,
            b.reference or "",
            b.since.date().isoformat(),
            b.due.date().isoformat(),
            str(b.days_late),
        )
    console.print(table)
    console.print(f"{len(breaches)} breach(es)")
