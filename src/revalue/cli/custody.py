"""``revalue custody DEVICE``: a device's whole chain of custody, and whether it verifies."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from revalue.cli import common
from revalue.cli.common import console, err_console
from revalue.identity import identifiers
from revalue.identity.identifiers import InvalidIdentifier
from revalue.identity.models import DeviceIdentity
from revalue.tradeins import custody as chain
from revalue.tradeins import repository
from revalue.tradeins.models import TradeIn

# Shown in full elsewhere (the API): a table cell keeps the gist.
MAX_DATA = 160
# Piped or captured, a chain is printed wide rather than squeezed into 80 columns.
PIPED_WIDTH = 240


def find(session: Session, device: str) -> list[TradeIn]:
    """The trade-ins a trade-in id, IMEI or serial number names, oldest first."""
    text = device.strip()
    row = session.get(TradeIn, text)
    if row is not None:
        return [row]
    ids: set[str] = set()
    try:
        number = identifiers.normalize_imei(text)
        ids |= set(
            session.scalars(
                select(DeviceIdentity.trade_in_id).where(
                    or_(DeviceIdentity.imei == number, DeviceIdentity.imei2 == number)
                )
            )
        )
    except InvalidIdentifier:
        pass
    try:
        serial = identifiers.normalize_serial(text)
        ids |= set(
            session.scalars(
                select(DeviceIdentity.trade_in_id).where(DeviceIdentity.serial == serial)
            )
        )
    except InvalidIdentifier:
        pass
    if not ids:
        return []
    return list(
        session.scalars(
            select(TradeIn).where(TradeIn.id.in_(ids)).order_by(TradeIn.created_at, TradeIn.id)
        )
    )


def key_data(data: dict[str, Any]) -> str:
    """The event's data in one line: empty values left out, long ones cut."""
    shown = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    text = ", ".join(
        f"{k}={v if isinstance(v, str | int) else json.dumps(v, sort_keys=True)}"
        for k, v in shown.items()
    )
    return text if len(text) <= MAX_DATA else text[: MAX_DATA - 1] + "…"


def custody(
    device: str = typer.Argument(..., help="A trade-in id, IMEI or serial number"),
) -> None:
    """Print a device's whole chain of custody (every event, oldest first) and whether the
    chain verifies. Exits 1 if nothing matches or a chain is broken."""
    common.require_schema()
    out = console if console.is_terminal else Console(width=PIPED_WIDTH)
    broken = 0
    with common.unit_of_work() as session:
        found = find(session, device)
        if not found:
            err_console.print(f"[red]nothing matches {device!r}[/red]: not a trade-in id, IMEI "
                              "or serial number known here")  # fmt: skip
            raise typer.Exit(1)
        for trade_in in found:
            table = Table(
                title=f"Trade-in {trade_in.id} ({trade_in.program_id}, {trade_in.variant_sku}): "
                f"{trade_in.state}",
                title_justify="left",
            )
            for column in ("seq", "time (UTC)", "action", "from → to", "actor", "place"):
                # Short values, never broken across lines; the data folds instead.
                table.add_column(column, justify="right" if column == "seq" else "left",
                                 no_wrap=True)  # fmt: skip
            table.add_column("data", overflow="fold", min_width=20)
            for e in repository.events(session, trade_in.id):
                states = f"{e.from_state or '-'} → {e.to_state}"
                when = e.occurred_at.strftime("%Y-%m-%d %H:%M:%S")
                table.add_row(
                    str(e.seq), when, e.action, states, e.actor, e.place, key_data(e.data)
                )
            out.print(table)
            brk = chain.verify_one(session, trade_in)
            if brk is None:
                out.print(
                    f"[green]Chain verifies[/green]: {trade_in.last_seq} events, "
                    f"head {trade_in.last_hash[:16]}…"
                )
            else:
                broken += 1
                where = f"event {brk.event_id} (seq {brk.seq})" if brk.event_id else "its head"
                err_console.print(f"[red]Chain BROKEN[/red] at {where}: {brk.reason}")
    if broken:
        raise typer.Exit(1)
