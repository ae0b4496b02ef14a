"""``revalue recovery plan PROGRAM [--strategy S] [--apply]``: plan a route for every sanitized
device of the program waiting for one, print what the optimizer found against the greedy
baseline, and apply the plan when asked."""

from __future__ import annotations

import time

import typer
from rich.progress import Progress
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.domain.money import format_major
from revalue.domain.program import ResaleStrategy
from revalue.recovery import planning, repository

app = typer.Typer(help="Value recovery: disposition plans.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Value recovery: disposition plans."""


def _money(amount: int | None, currency: str) -> str:
    return "-" if amount is None else f"{format_major(amount, currency)} {currency}"


@app.command("plan")
def plan(
    program: str = typer.Argument(..., metavar="PROGRAM"),
    strategy: ResaleStrategy | None = typer.Option(
        None, "--strategy", help="Default: the program's"
    ),
    horizon: int | None = typer.Option(None, "--horizon-days", min=1, max=365),
    time_limit: float = typer.Option(30.0, "--time-limit", min=0.1, max=120.0),
    apply: bool = typer.Option(False, "--apply", help="Apply the plan once made"),
) -> None:
    """Plan (and with --apply, carry out) the routes of the program's waiting devices."""
    common.require_schema()
    started = time.perf_counter()
    with (
        Progress(console=err_console, transient=True) as progress,
        common.unit_of_work() as session,
    ):
        progress.add_task("Planning: reading devices and solving", total=None)
        made = planning.make(
            session,
            program,
            strategy=strategy,
            horizon_days=horizon,
            time_limit_s=time_limit,
            ctx=common.context(),
        )
        if apply:
            progress.add_task("Applying: disposing, stocking, planning repairs", total=None)
            planning.apply(session, made.id, common.context())
        plan_id, status, cur, summary = made.id, made.status, made.currency, dict(made.summary)
        totals = repository.totals(session, made.id)
    elapsed = time.perf_counter() - started
    table = Table("route", "channel", "devices", "expected net")
    for route, channel_id, n, net in totals:
        table.add_row(route, channel_id, f"{n:,}", _money(net, cur))
    console.print(table)
    figures = Table("", "optimizer", "greedy")
    figures.add_row(
        "recovery", _money(summary["recovery"], cur), _money(summary["greedy_recovery"], cur)
    )
    figures.add_row("score", _money(summary["score"], cur), _money(summary["greedy_score"], cur))
    figures.add_row("seconds", f"{summary['seconds']}", f"{summary['greedy_seconds']}")
    console.print(figures)
    console.print(
        f"Plan {plan_id} ({status}): {summary['devices']:,} devices in {summary['classes']:,} "
        f"classes, solver {summary['status']}, gap {float(summary['gap']):.4%}; "
        f"{elapsed:.2f} s in all."
        + ("" if apply else f" Apply it with POST /plans/{plan_id}/apply or --apply.")
    )
