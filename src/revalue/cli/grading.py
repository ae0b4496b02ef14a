"""``revalue grading``: grading scales, a trade-in's grades explained, inspector calibration."""

from __future__ import annotations

import typer
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console
from revalue.grading import library
from revalue.tradeins import calibration, repository
from revalue.tradeins import service as tradeins

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


@app.command("explain")
def explain(trade_in_id: str = typer.Argument(..., help="The trade-in's id")) -> None:
    """Each inspection of a trade-in: its grade on every scale and the rules that decided it."""
    common.require_schema()
    with common.unit_of_work() as session:
        trade_in = tradeins.get(session, trade_in_id)
        rows = repository.inspections(session, trade_in.id)
    if not rows:
        console.print(f"Trade-in {trade_in_id} has not been inspected.")
        return
    for row in rows:
        console.print(
            f"[bold]{row.kind}[/bold] by {row.inspector} at {row.inspected_at:%Y-%m-%d %H:%M} UTC"
            f": priced as {row.condition['cosmetic']}"
            + (f", faults {', '.join(row.condition['faults'])}" if row.condition["faults"] else "")
        )
        if not row.grades:
            console.print("  a quick check: condition only, no record to grade")
            continue
        for scale_id, grade in sorted(row.grades.items()):
            mark = " (the program's scale)" if scale_id == row.scale_id else ""
            console.print(f"  {scale_id} v{grade['version']}: [bold]{grade['label']}[/bold]{mark}")
            for axis, result in grade["axes"].items():
                for refusal in result["refused"]:
                    for failed in refusal["failed"]:
                        console.print(
                            f"    {axis} not {refusal['grade']}: {failed['text']} "
                            f"(found: {failed['found']})"
                        )


@app.command("calibration")
def calibration_report(
    program: str = typer.Option(None, help="One program; default: every program"),
) -> None:
    """Per inspector: agreement with second opinions (Cohen's kappa), re-quote rate and
    average adjustment, so operators see who grades harshly."""
    common.require_schema()
    with common.unit_of_work() as session:
        stats = calibration.report(session, frozenset({program}) if program else None)
    table = Table(title="Inspector calibration", title_justify="left")
    table.add_column("inspector", no_wrap=True)
    for name in ("inspections", "2nd opinions", "agree", "kappa", "re-quotes", "avg adj."):
        table.add_column(name, justify="right")
    for s in stats:
        table.add_row(
            s.inspector,
            str(s.inspections),
            str(len(s.pairs)),
            _share(s.agreement),
            "" if s.kappa is None else f"{float(s.kappa):.2f}",
            _share(s.requote_rate),
            "" if s.average_adjustment is None else f"{float(s.average_adjustment) / 100:+.2f}",
        )
    console.print(table)


def _share(value) -> str:  # type: ignore[no-untyped-def]
    return "" if value is None else f"{float(value):.0%}"
