"""``revalue ledger``: check the ledger, settle instant credit, export entries and payouts as
CSV, a day's summary."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.payouts import exports, instant, ledger, redemption
from revalue.programs import service as programs

app = typer.Typer(help="The payouts ledger and accounting exports.", no_args_is_help=True)
DAY = ["%Y-%m-%d"]


class Export(StrEnum):
    ENTRIES = "entries"
    PAYOUTS = "payouts"


@app.command("check")
def check(
    program: str = typer.Option(None, help="Only this program's transactions; default: all"),
) -> None:
    """Check the ledger: every transaction balances, none is reversed twice, no trade-in is
    paid twice, each currency sums to zero. Exits 1 naming every problem."""
    common.require_schema()
    with common.unit_of_work() as session:
        if program is not None:
            programs.get(session, program)
        report = ledger.check(session, program_id=program)
    if not _report(report):
        raise typer.Exit(1)


@app.command("reconcile")
def reconcile() -> None:
    """Settle instant store credit whose offer is now final (a top-up onto the card, or a
    clawback from it and a receivable for what was spent) and move coupons that expired
    unused to breakage. Run it on a schedule."""
    common.require_schema()
    with common.unit_of_work() as session:
        ctx = common.context()
        settled = instant.reconcile(session, ctx)
        expired = redemption.expire_coupons(session, ctx)
    for a in settled:
        console.print(
            f"{a.trade_in_id}: paid {a.paid}, final {a.final}; from the card {a.from_card}, "
            f"owed back {a.receivable}"
        )
    console.print(
        f"[green]{len(settled)} instant payout(s) settled, {expired} coupon(s) expired[/green]"
    )


@app.command("export")
def export(
    what: Export = typer.Argument(..., help="entries (the ledger's) or payouts"),
    program: str = typer.Option(..., help="Program id"),
    start: datetime = typer.Option(..., "--from", formats=DAY, help="First UTC day"),
    end: datetime = typer.Option(..., "--to", formats=DAY, help="UTC day after the last"),
    out: Path = typer.Option(None, help="Write here; default: standard output"),
) -> None:
    """Export a program's ledger entries (posted) or payouts (requested) in [--from, --to) as
    CSV for spreadsheets."""
    common.require_schema()
    make = exports.entries_csv if what is Export.ENTRIES else exports.payouts_csv
    with common.unit_of_work() as session:
        programs.get(session, program)
        text = make(session, program_id=program, start=start.date(), end=end.date())
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_bytes(text.encode("utf-8"))  # bytes: the CRLF line ends stay as written
    rows = text.count("\r\n") - 1
    console.print(f"Wrote {rows} {what.value} row(s) to {out}")


@app.command("daily")
def daily(
    program: str = typer.Option(..., help="Program id"),
    day: datetime = typer.Option(..., "--date", formats=DAY, help="The UTC day"),
) -> None:
    """A day's payouts per method, its reversals, the accounts' closing balances, and whether
    the program's ledger checks out (exits 1 if not)."""
    common.require_schema()
    with common.unit_of_work() as session:
        programs.get(session, program)
        summary = exports.daily(session, program_id=program, day=day.date())
    _daily(summary)
    if not _report(summary.check):
        raise typer.Exit(1)


def _daily(summary: exports.DailySummary) -> None:
    console.print(f"[bold]{summary.program_id}[/bold], {summary.date:%Y-%m-%d} (UTC)")
    if summary.payouts:
        paid = Table(title="Paid", title_justify="left")
        paid.add_column("method")
        for name in ("count", "total", "points"):
            paid.add_column(name, justify="right")
        for m in summary.payouts:
            paid.add_row(m.method, str(m.count), f"{m.total} {m.currency}", str(m.points or ""))
        console.print(paid)
    else:
        console.print("No payouts.")
    if summary.reversals:
        undone = Table(title="Reversals", title_justify="left")
        for name in ("transaction", "reverses", "kind", "trade-in", "by", "reason"):
            # Ids are looked up by hand: wrapped when narrow, never cut short.
            undone.add_column(name, overflow="fold")
        for r in summary.reversals:
            undone.add_row(
                r.transaction_id, r.reverses, r.kind, r.trade_in_id or "", r.posted_by, r.memo
            )
        console.print(undone)
    else:
        console.print("No reversals.")
    closing = Table(title="Closing balances", title_justify="left")
    closing.add_column("account", overflow="fold")
    closing.add_column("balance", justify="right")
    for b in summary.balances:
        closing.add_row(b.account, f"{b.balance} {b.currency}")
    console.print(closing)


def _report(report: ledger.CheckReport) -> bool:
    for p in report.problems:
        err_console.print(f"[red]{p.kind}[/red] {p.subject}: {p.detail}", soft_wrap=True)
    if report.problems:
        err_console.print(f"{len(report.problems)} problem(s) in the ledger.")
        return False
    console.print(
        f"[green]OK[/green]: {report.transactions} transactions, {report.entries} entries, "
        f"{report.currencies} currenc{'y' if report.currencies == 1 else 'ies'}: balanced."
    )
    return True
