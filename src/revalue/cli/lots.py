"""``revalue lots price FILE`` and ``revalue lots receive LOT FILE``: a business's manifest
priced as one lot, and a file of scanned identifiers received against it."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.domain.money import format_major
from revalue.domain.program import PayoutMethod
from revalue.lots import manifest, receiving, repository, service

app = typer.Typer(help="Business lots: price a manifest, receive against it.", no_args_is_help=True)
SHOWN = 50  # mismatches listed; the counts cover the rest


def _money(amount: int, currency: str) -> str:
    return f"{format_major(amount, currency)} {currency}"


@app.command("price")
def price(
    path: Path = typer.Argument(..., metavar="FILE", help="The manifest CSV"),
    program: str = typer.Option(..., "--program", help="The program the lot is priced in"),
    reference: str = typer.Option(..., "--reference", help="The business's reference"),
    business: str = typer.Option(..., "--business", help="The business's name"),
    method: PayoutMethod = typer.Option(PayoutMethod.CASH, "--payout-method"),
) -> None:
    """Price a manifest as one lot and store it (status quoted). Any problem in the file lists
    every problem by line and column, and nothing is written."""
    common.require_schema()
    text = common.read_text(path)
    started = time.perf_counter()
    with (
        Progress(console=err_console, transient=True) as progress,
        common.unit_of_work() as session,
    ):
        task = progress.add_task("Pricing the manifest", total=None)
        try:
            lot = service.create(
                session, program_id=program, reference=reference, business_name=business,
                text=text, payout_method=method, ctx=common.context(),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )  # fmt: skip
        except manifest.InvalidManifest as exc:
            common.print_problems(
                exc.code, exc.message, exc.details["problems"], exc.details["problem_count"]
            )
            raise typer.Exit(1) from None
        breakdown = repository.breakdown(session, lot.id)
        lot_id, devices, total, cur = lot.id, lot.devices, lot.quoted_total, lot.currency
    elapsed = time.perf_counter() - started
    table = Table("variant", "devices", "quoted")
    for sku, _model, n, amount in breakdown[:SHOWN]:
        table.add_row(sku, f"{n:,}", _money(amount, cur))
    console.print(table)
    console.print(
        f"Lot {lot_id}: {devices:,} devices, {len(breakdown)} variants, quoted "
        f"{_money(total, cur)} ({method}); priced and stored in {elapsed:.2f} s."
    )


@app.command("accept")
def accept(lot_id: str = typer.Argument(..., metavar="LOT")) -> None:
    """Record that the business accepted the lot's quote (its contact is given through the
    API, which keeps it apart as personal data)."""
    common.require_schema()
    with common.unit_of_work() as session:
        lot = service.accept(session, lot_id, None, common.context())
        status = lot.status
    console.print(f"Lot {lot_id} is {status}: receive it with revalue lots receive.")


@app.command("receive")
def receive(
    lot_id: str = typer.Argument(..., metavar="LOT"),
    path: Path = typer.Argument(..., metavar="FILE", help="Scanned IMEIs or serials, one a line"),
    close: bool = typer.Option(
        True, "--close/--keep-open", help="Close receiving after these scans (missing = unscanned)"
    ),
) -> None:
    """Receive the scanned identifiers of a file against the lot's manifest: each match opens
    the device's trade-in, received; unknown scans are extras. Prints the mismatch report."""
    common.require_schema()
    scans = [s.strip() for s in common.read_text(path).splitlines() if s.strip()]
    started = time.perf_counter()
    with (
        Progress(console=err_console, transient=True) as progress,
        common.unit_of_work() as session,
    ):
        task = progress.add_task("Receiving", total=None)
        try:
            done = receiving.receive(
                session, lot_id, scans, common.context(),
                progress=lambda n, total: progress.update(task, completed=n, total=total),
            )  # fmt: skip
        except receiving.InvalidScans as exc:
            problems = [
                {"line": p["index"] + 1, "column": "scan", "message": p["message"]}
                for p in exc.details["problems"]
            ]
            common.print_problems(exc.code, exc.message, problems, len(problems))
            raise typer.Exit(1) from None
        lot = service.get(session, lot_id)
        if close:
            lot = receiving.close(session, lot_id, common.context())
        report = receiving.report(session, lot)
    elapsed = time.perf_counter() - started
    counts = report.counts
    console.print(
        f"Lot {lot_id} ({report.status}): {len(scans):,} scans, {len(done.matched):,} matched "
        f"now, {len(done.extras):,} extra now, {done.again:,} scanned before; in {elapsed:.2f} s."
    )
    console.print(
        f"Matched {counts['matched']:,}, missing {counts['missing']:,}, extra "
        f"{counts['extra']:,}, still expected {counts['expected']:,}."
    )
    for title, rows in (("missing", report.missing), ("extra", report.extra)):
        if not rows:
            continue
        table = Table("line", "imei", "serial", title=f"{title} ({len(rows):,})")
        for r in rows[:SHOWN]:
            table.add_row(str(r.line_no), r.imei or "-", r.serial or "-")
        console.print(table)
        if len(rows) > SHOWN:
            console.print(f"… and {len(rows) - SHOWN:,} more {title}.")
