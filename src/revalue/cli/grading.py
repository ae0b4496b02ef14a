"""``revalue grading``: grading scales."""

from __future__ import annotations

import typer
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console
from revalue.grading import library

app = typer.Typer(help="Grading scales and grades.", no_args_is_help=True)


@app.command("scales")
def scales() -> None:
    """List the grading scales: shipped, and every version loaded by operators."""
    common.require_schema()
    with common.unit_of_work() as session:
        entries = library.list_scales(session)
    table = Table(title="Grading scales", title_justify="left")
    for name in ("id", "version", "name", "source", "program", "grades (best first)"):
        table.add_column(name)
    for e in entries:
        axes = "; ".join(f"{a.name}: {' '.join(a.labels)}" for a in e.scale.axes)
        table.add_row(e.scale.id, e.scale.version, e.scale.name, e.source, e.program_id or "", axes)
    console.print(table)
