"""``revalue identify IMEI`` and ``revalue tac import|stats``: what the TAC tables say."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.identity import identifiers, tac

app = typer.Typer(help="TAC tables: which device an IMEI's first 8 digits name.")


class Format(StrEnum):
    OSMOCOM = "osmocom"
    SAMSUNG = "samsung"
    APPLE = "apple"


def identify(imei: str = typer.Argument(..., help="An IMEI (15 digits) or a TAC (8)")) -> None:
    """Say what the TAC tables know of a device, from which source, and how sure that is."""
    common.require_schema()
    with common.unit_of_work() as session:  # an invalid IMEI: its error, exit status 1
        found = tac.identify(session, imei)
    if found.imei:
        console.print(f"IMEI  {identifiers.format_imei(found.imei)}")
    console.print(f"TAC   {found.tac}")
    if not found.candidates:
        console.print("[yellow]unidentified[/yellow]: no source knows this TAC")
        return
    table = Table("source", "brand", "name", "model code", "catalog model")
    for c in found.candidates:
        table.add_row(c.source, c.brand or "", c.name or "", c.model_code or "",
                      c.catalog_model_id or "-")  # fmt: skip
    console.print(table)
    console.print(f"catalog model: {found.catalog_model_id or '-'}"
                  f"{f'  ({found.name})' if found.catalog_model_id else ''}")  # fmt: skip
    console.print(f"confidence: [bold]{found.confidence}[/bold] ({found.reason})")


@app.command("import")
def tac_import(
    fmt: Format = typer.Argument(..., metavar="FORMAT", help="osmocom, samsung or apple"),
    path: Path = typer.Argument(..., metavar="FILE"),
    strict: bool = typer.Option(False, "--strict", help="Any malformed row: import nothing"),
) -> None:
    """Replace one source's TAC rows with a file's, linking them to catalog models; report
    skipped rows by line. Apple maps (no TACs) are checked against the catalog instead."""
    common.require_schema()
    text = common.read_text(path)
    if fmt is Format.APPLE:
        _check_apple(text)
        return
    with (
        Progress(console=err_console, transient=True) as progress,
        common.unit_of_work() as session,
    ):
        task = progress.add_task(f"Importing {fmt} TACs", total=None)
        report = tac.import_file(
            session, str(fmt), text, common.context(), strict=strict,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )  # fmt: skip
    for issue in report.skipped:
        err_console.print(
            f"[yellow]skipped[/yellow] line {issue.line} ({issue.tac}): {issue.reason}"
        )
    for issue in report.merged:
        err_console.print(f"merged  line {issue.line} ({issue.tac}): {issue.reason}")
    console.print(
        f"{fmt}: {report.rows_read} rows read, {report.imported} imported "
        f"({report.linked} linked to catalog models), {len(report.skipped)} skipped, "
        f"{len(report.merged)} merged; {report.replaced} previous rows replaced."
    )


def _check_apple(text: str) -> None:
    with common.unit_of_work() as session:
        report = tac.check_apple(session, text)
    for issue in report.skipped:
        err_console.print(
            f"[yellow]skipped[/yellow] entry {issue.line} ({issue.tac}): {issue.reason}"
        )
    for identifier, name, model_id in report.linked:
        console.print(f"{identifier:<16} {name:<40} -> {model_id}")
    for identifier in report.unknown_to_apple:
        err_console.print(f"[yellow]catalog identifier {identifier} is not in Apple's map[/yellow]")
    console.print(
        f"apple: {report.rows_read} identifiers read, {len(report.linked)} name catalog models, "
        f"{report.not_in_catalog} not in the catalog; nothing written (identification uses the "
        "catalog's apple: identifiers)."
    )


@app.command("stats")
def tac_stats() -> None:
    """Rows per source, and how many link to a catalog model."""
    common.require_schema()
    with common.unit_of_work() as session:
        counts = tac.stats(session)
    table = Table("source", "rows", "linked to catalog")
    for source, (rows, linked) in counts.items():
        table.add_row(source, str(rows), str(linked))
    console.print(table if counts else "No TAC tables imported: run revalue tac import.")
