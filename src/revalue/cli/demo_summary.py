"""What the demo prints at the end: its trade-ins by state, what was paid, where the devices
travelled (shipments, tracking, claims, store batches, receipts, the business lot), and whether
the custody log verifies."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revalue.cli.common import console
from revalue.domain.lifecycle import State
from revalue.domain.money import format_major
from revalue.logistics.models import Batch, Receipt, Shipment, TrackingEvent, TransitClaim
from revalue.recovery import environment, reports
from revalue.recovery.models import InventoryItem, WorkOrder
from revalue.tradeins import custody, repository


def trade_ins(session: Session, program_id: str, expired: int) -> None:
    counts = repository.state_counts(session, program_id)
    table = Table(title="Demo trade-ins by state")
    table.add_column("state")
    table.add_column("trade-ins", justify="right")
    for state in State:
        if counts.get(state):
            table.add_row(str(state), str(counts[state]))
    table.add_row("[bold]total[/bold]", f"[bold]{sum(counts.values())}[/bold]")
    console.print(table)
    paid = repository.paid_by_method(session, program_id)
    money = Table(title="Paid to customers")
    money.add_column("payout method")
    money.add_column("amount", justify="right")
    money.add_column("payments", justify="right")
    for method, (n, amount) in sorted(paid.items(), key=lambda kv: -kv[1][1]):
        money.add_row(method, f"{format_major(amount, 'USD')} USD", str(n))
    console.print(money)


def _counts(session: Session, column: Any, *where: Any) -> dict[str, int]:
    stmt = select(column, func.count()).where(*where).group_by(column)
    return {str(k): n for k, n in session.execute(stmt).all()}


def logistics(session: Session, program_id: str, lot_line: str) -> None:
    table = Table(title="Demo logistics")
    table.add_column("what")
    table.add_column("by status", overflow="fold")
    table.add_column("total", justify="right")

    def row(name: str, counts: dict[str, int]) -> None:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        table.add_row(name, shown or "-", str(sum(counts.values())))

    mine = Shipment.program_id == program_id
    row("inbound parcels", _counts(session, Shipment.status, mine, Shipment.direction == "inbound"))
    row("mailing kits", _counts(session, Shipment.status, mine, Shipment.direction == "kit"))
    events = session.scalar(select(func.count()).select_from(TrackingEvent)) or 0
    table.add_row("carrier tracking events", "", str(events))
    row(
        "transit claims",
        _counts(session, TransitClaim.status, TransitClaim.program_id == program_id),
    )
    row("store batches", _counts(session, Batch.status))
    row("receipts", _counts(session, Receipt.outcome))
    console.print(table)
    console.print(lot_line)


def custody_line(session: Session, program_id: str, expired: int) -> None:
    n_paid = sum(n for n, _ in repository.paid_by_method(session, program_id).values())
    report = custody.verify_all(session)
    console.print(
        f"{n_paid} paid; {expired} expired by the sweep; custody log: {report.events} events in "
        f"{report.chains} chains, {'all verified' if not report.breaks else 'BROKEN'}."
    )


def recovery(session: Session, program_id: str, tally: Any) -> None:
    """The weekly plans, where the devices went, what they sold for and what reuse avoided."""
    table = Table(title="Demo value recovery")
    table.add_column("what")
    table.add_column("figures", overflow="fold")
    usd = lambda amount: f"{format_major(amount, 'USD')} USD"  # noqa: E731
    table.add_row(
        "disposition plans",
        f"{tally.plans} weekly plans, {tally.planned} devices; expected net {usd(tally.recovery)}"
        f" (greedy heuristic: {usd(tally.greedy)})",
    )
    table.add_row("routes planned", ", ".join(f"{k} {v}" for k, v in sorted(tally.routes.items())))
    items = _counts(session, InventoryItem.status, InventoryItem.program_id == program_id)
    table.add_row("inventory", ", ".join(f"{k} {v}" for k, v in sorted(items.items())))
    orders = _counts(session, WorkOrder.status, WorkOrder.program_id == program_id)
    table.add_row("work orders", ", ".join(f"{k} {v}" for k, v in sorted(orders.items())))
    for row in reports.recovery_totals(reports.recovery(session, program_id)):
        table.add_row(
            "sales",
            f"{row.devices} sold for {usd(row.revenue)}, fees {usd(row.fees)}, repairs "
            f"{usd(row.repair_cost)}; paid to customers {usd(row.paid)}; margin "
            f"{usd(row.margin)} ({row.margin_bp / 100:.1f} % of revenue)",
        )
    for total in environment.version_totals(environment.totals(session, program_id)):
        table.add_row(
            "environment",
            f"{total.devices} receipts (factors {total.factor_version}): "
            f"{total.diverted_g / 1000:,.1f} kg kept in use, {total.recycled_g / 1000:,.1f} kg "
            f"recycled, {total.co2e_avoided_g / 1000:,.0f} kg CO2e avoided",
        )
    table.add_row(
        "market",
        f"{tally.feed_rows} feed prices imported, {tally.estimates} resale estimates; price "
        f"book proposal {tally.proposal} awaits review",
    )
    console.print(table)
