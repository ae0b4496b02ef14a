"""``revalue``: serve, migrate, import the catalog, quote, verify the custody log, run the demo."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from revalue import migrate
from revalue.catalog import service as catalog
from revalue.cli import (
    certificates,
    common,
    grading,
    identity,
    ledger,
    logistics,
    lots,
    market,
    recovery,
    reports,
    retention,
    sanitization,
    users,
    worker,
)
from revalue.cli import custody as custody_cli
from revalue.cli.common import console, err_console
from revalue.config import get_settings
from revalue.domain.condition import Cosmetic, Fault
from revalue.domain.money import format_major
from revalue.quotes import service as quotes
from revalue.quotes.schemas import ConditionIn, QuoteRequest
from revalue.tradeins import custody, inspection, repository, screening
from revalue.tradeins import service as tradeins

app = typer.Typer(help="Revalue: run a device trade-in program end to end.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
catalog_app = typer.Typer(help="The device catalog.", no_args_is_help=True)
audit_app = typer.Typer(help="The custody log.", no_args_is_help=True)
tradeins_app = typer.Typer(help="Trade-ins.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(audit_app, name="audit")
app.add_typer(tradeins_app, name="trade-ins")
app.add_typer(users.app, name="users")
app.add_typer(retention.app, name="retention")
app.add_typer(certificates.app, name="certificates")
app.add_typer(grading.app, name="grading")
app.command("worker")(worker.worker)
app.command("identify")(identity.identify)
app.command("custody")(custody_cli.custody)
app.add_typer(identity.app, name="tac")
app.add_typer(sanitization.app, name="sanitization")
app.add_typer(ledger.app, name="ledger")
app.add_typer(lots.app, name="lots")
app.add_typer(market.app, name="market")
app.add_typer(logistics.app, name="logistics")
app.add_typer(reports.app, name="reports")
app.add_typer(recovery.app, name="recovery")

DEFAULT_CATALOG = (
    Path(__file__).resolve().parent.parent / "catalog" / "data" / "default_catalog.csv"
)


@app.command()
def serve(
    host: str = typer.Option(None, help="Default: REVALUE_HOST"),
    port: int = typer.Option(None, help="Default: REVALUE_PORT"),
    workers: int = typer.Option(None, help="Default: REVALUE_WORKERS"),
) -> None:
    """Serve the API (docs at /docs, OpenAPI at /openapi.json)."""
    import uvicorn

    settings = get_settings()
    common.require_schema()
    host, port = host or settings.host, port or settings.port
    console.print(f"Revalue on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "revalue.web.app:asgi", factory=True, host=host, port=port,
        workers=workers or settings.workers, log_level=settings.log_level,
    )  # fmt: skip


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or migrate the schema to the latest revision."""
    url = get_settings().database_url
    migrate.upgrade(url, revision=revision)
    console.print(f"Database {migrate.redacted(url)} at revision {migrate.current(url)}.")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the latest one."""
    url = get_settings().database_url
    console.print(f"current: {migrate.current(url)}  head: {migrate.head()}")


@catalog_app.command("import")
def catalog_import(
    path: Path = typer.Argument(DEFAULT_CATALOG, help="CSV file; default: the shipped catalog"),
    skip_invalid: bool = typer.Option(False, help="Import the good rows, report the bad ones"),
) -> None:
    """Import (upsert) models and variants from CSV. Any bad row: nothing is written."""
    common.require_schema()
    text = common.read_text(path)
    with common.unit_of_work() as session:
        report = catalog.import_csv(session, text, skip_invalid=skip_invalid)
    for e in report.errors:
        err_console.print(f"[yellow]skipped[/yellow] line {e.line}, {e.field}: {e.reason}")
    console.print(
        f"{report.rows} rows: {report.models_created} models created, "
        f"{report.models_updated} updated; {report.variants_created} variants created, "
        f"{report.variants_updated} updated; {len(report.errors)} problem(s)."
    )


@catalog_app.command("export")
def catalog_export(
    path: Path = typer.Argument(None, help="Write here; default: standard output"),
) -> None:
    """Export the catalog as CSV (the import format)."""
    common.require_schema()
    with common.unit_of_work() as session:
        text = catalog.export_csv(session)
    if path is None:
        typer.echo(text, nl=False)
    else:
        path.write_text(text, encoding="utf-8")
        console.print(f"Wrote {path}")


@app.command()
def quote(
    program: str = typer.Option(..., help="Program id"),
    variant: str = typer.Option(..., help="Variant SKU, e.g. apple-iphone-15-128gb"),
    cosmetic: Cosmetic = typer.Option(Cosmetic.GOOD),
    cracked: bool = typer.Option(False, "--cracked", help="The screen is cracked"),
    dead: bool = typer.Option(False, "--dead", help="It does not power on"),
    locked: bool = typer.Option(False, "--locked", help="Activation lock / Find My is on"),
    fault: list[Fault] = typer.Option([], help="A known fault; repeat for several"),
) -> None:
    """Make an instant quote (it opens a trade-in) and print the itemized offers."""
    common.require_schema()
    request = QuoteRequest(
        program_id=program, variant_sku=variant,
        answers=ConditionIn(powers_on=not dead, screen_cracked=cracked, cosmetic=cosmetic,
                            faults=fault, activation_lock_off=not locked),
    )  # fmt: skip
    with common.unit_of_work() as session:
        trade_in, row = tradeins.start(session, request, common.context())
        out = quotes.to_out(row)
    console.print(f"Quote [bold]{out.id}[/bold] for trade-in {trade_in.id}, "
                  f"valid until {out.expires_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    for offer in out.offers:
        table = Table(title=f"{offer.method}: {offer.amount.formatted}", title_justify="left")
        table.add_column("line")
        table.add_column("amount", justify="right")
        for line in offer.lines:
            table.add_row(line.label, format_major(line.amount, row.currency))
        console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute every custody chain; name the first broken event of each broken chain."""
    common.require_schema()
    with common.unit_of_work() as session:
        total = repository.count_trade_ins(session)
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("Verifying custody chains", total=total)
            report = custody.verify_all(session, lambda n: progress.advance(task, n))
    if not report.breaks:
        console.print(
            f"[green]OK[/green]: {report.chains} chains, {report.events} events verified."
        )
        return
    for brk in report.breaks:
        where = f"event {brk.event_id} (seq {brk.seq})" if brk.event_id else f"after seq {brk.seq}"
        err_console.print(f"[red]BROKEN[/red] trade-in {brk.trade_in_id}: {where}: {brk.reason}")
    err_console.print(f"{len(report.breaks)} of {report.chains} chains broken.")
    raise typer.Exit(1)


@tradeins_app.command("expire-due")
def expire_due() -> None:
    """Expire quotes whose price lock has ended, and close re-quotes whose answer window has
    ended as their program says (run on a schedule)."""
    common.require_schema()
    with common.unit_of_work() as session:
        ctx = common.context()
        n = tradeins.expire_due(session, ctx)
        lapsed = inspection.lapse_due(session, ctx)
        locked = screening.lapse_locks(session, ctx)
    console.print(
        f"{n} trade-in(s) expired; {lapsed} unanswered re-quote(s) closed; "
        f"{locked} device(s) still locked after the grace period rejected."
    )


@app.command()
def demo(
    count: int = typer.Option(2000, min=1, help="How many trade-ins to push through"),
    seed: int = typer.Option(7, help="Seed of the simulation: same seed, same story"),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if trade-ins exist"),
) -> None:
    """Create the demo program and push a realistic population of trade-ins through."""
    from revalue.cli import demo as demo_module

    common.require_schema()
    demo_module.run(count=count, seed=seed, if_empty=if_empty, catalog_path=DEFAULT_CATALOG)


if __name__ == "__main__":  # pragma: no cover
    app()
