"""``revalue market import FILE --program P`` and ``revalue market estimate PROGRAM``: market
price feeds and the resale estimates made from them."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.domain import market as estimator
from revalue.domain.money import format_major
from revalue.recovery import market

app = typer.Typer(help="Market prices and resale estimates.", no_args_is_help=True)
SHOWN = 50


@app.command("import")
def import_feed(
    path: Path = typer.Argument(..., metavar="FILE", help="The feed (CSV)"),
    program: str = typer.Option(..., "--program", help="The program the prices are for"),
    source: str = typer.Option("feed", "--source", help="The feed's name"),
) -> None:
    """Import a market price feed (variant_sku,grade,price,currency,observed_at,reference).
    Any bad line lists every problem by line and column, and nothing is written; rows imported
    before from this source are skipped."""
    common.require_schema()
    text = common.read_text(path)
    started = time.perf_counter()
    with (
        Progress(console=err_console, transient=True) as progress,
        common.unit_of_work() as session,
    ):
        task = progress.add_task("Importing prices", total=None)
        try:
            done = market.import_feed(
                session, program, source=source, text=text, ctx=common.context(),
                progress=lambda n, total: progress.update(task, completed=n, total=total),
            )  # fmt: skip
        except market.InvalidFeed as exc:
            problems = exc.details["problems"][:SHOWN]
            common.print_problems(exc.code, exc.message, problems, exc.details["problem_count"])
            raise typer.Exit(1) from None
    console.print(
        f"{done.source}: {done.rows:,} rows, {done.imported:,} imported, {done.skipped:,} "
        f"imported before; in {time.perf_counter() - started:.2f} s."
    )


@app.command("estimate")
def estimate(
    program: str = typer.Argument(..., metavar="PROGRAM"),
    half_life: int = typer.Option(estimator.DEFAULT_HALF_LIFE_DAYS, "--half-life-days", min=1),
    minimum: int = typer.Option(estimator.DEFAULT_MIN_OBSERVATIONS, "--min-observations", min=1),
) -> None:
    """Recompute the program's resale estimates from every observed price (recent ones weigh
    more, outliers set aside) and print them."""
    common.require_schema()
    with common.unit_of_work() as session:
        rows = market.refresh(
            session, program, common.context(), half_life_days=half_life,
            min_observations=minimum,
        )  # fmt: skip
        shown = [(r.variant_sku, r.grade, r.value, r.currency, r.observations, r.outliers)
                 for r in rows]  # fmt: skip
    table = Table("variant", "grade", "value", "used", "outliers")
    for sku, grade, value, cur, used, outliers in shown:
        table.add_row(sku, grade, f"{format_major(value, cur)} {cur}", str(used), str(outliers))
    console.print(table)
    console.print(f"{len(shown)} estimate(s) for {program}.")
