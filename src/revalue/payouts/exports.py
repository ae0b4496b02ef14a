"""Accounting exports: ledger entries and payouts as CSV for spreadsheets, and a program's
daily summary (payouts per method, reversals, closing balances, whether the ledger holds).

The CSV is what a spreadsheet opens without asking: UTF-8 with a byte-order mark (else Excel
guesses a legacy code page), CRLF line ends, a header row, times in ISO 8601 UTC, and every
amount twice: in minor units (exact, for machines) and as a decimal (for people). A text cell
that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from revalue.domain.errors import InvalidInput
from revalue.domain.money import format_major
from revalue.payouts import ledger
from revalue.payouts.models import LedgerEntry, LedgerTransaction
from revalue.tradeins.models import Payment, TradeIn

BOM = "\ufeff"
# Characters that make Excel, LibreOffice and Google Sheets read a cell as a formula (tab and
# carriage return too, which some of them skip before looking).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ENTRY_COLUMNS = (
    "transaction_id", "posted_at", "posted_by", "kind", "reference", "reverses", "trade_in_id",
    "account", "currency", "amount_minor", "debit", "credit", "memo",
)  # fmt: skip
PAYOUT_COLUMNS = (
    "reference", "trade_in_id", "method", "status", "currency", "amount_minor", "amount",
    "points", "requested_at", "requested_by", "approved_by", "paid_at",
)  # fmt: skip


class InvalidRange(InvalidInput):
    code = "invalid_date_range"


def utc_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end) as UTC instants: whole days, the end day excluded."""
    if end <= start:
        raise InvalidRange(f"the range must end after it starts: {start} to {end}", field="to")
    return _midnight(start), _midnight(end)


def entries_csv(session: Session, *, program_id: str, start: date, end: date) -> str:
    """The program's ledger entries posted in [start, end), one row per entry."""
    since, until = utc_range(start, end)
    tx = LedgerTransaction
    columns = (
        tx.id, tx.posted_at, tx.posted_by, tx.kind, tx.reference, tx.reverses, tx.trade_in_id,
        LedgerEntry.account, LedgerEntry.currency, LedgerEntry.amount, tx.memo,
    )  # fmt: skip
    rows = session.execute(
        select(*columns)
        .join(tx, tx.id == LedgerEntry.transaction_id)
        .where(tx.program_id == program_id, tx.posted_at >= since, tx.posted_at < until)
        .order_by(tx.posted_at, tx.id, LedgerEntry.id)
    )
    lines = []
    for tid, at, by, kind, reference, reverses, trade_in_id, account, cur, amount, memo in rows:
        amount = int(amount)
        debit = decimal_amount(amount, cur) if amount > 0 else ""
        credit = decimal_amount(-amount, cur) if amount < 0 else ""
        lines.append(
            [tid, utc_time(at), by, kind, reference, reverses, trade_in_id, account, cur, amount,
             debit, credit, memo]
        )  # fmt: skip
    return table_csv(ENTRY_COLUMNS, lines)


def payouts_csv(session: Session, *, program_id: str, start: date, end: date) -> str:
    """The program's payouts requested in [start, end) (paid, for those from before payouts
    were requested and approved), whatever their status now."""
    since, until = utc_range(start, end)
    when = func.coalesce(Payment.requested_at, Payment.paid_at)
    rows = session.scalars(
        select(Payment)
        .join(TradeIn, TradeIn.id == Payment.trade_in_id)
        .where(TradeIn.program_id == program_id, when >= since, when < until)
        .order_by(when, Payment.id)
    )
    lines = [
        [p.reference, p.trade_in_id, p.method, p.status, p.currency, p.amount,
         decimal_amount(p.amount, p.currency), p.points, utc_time(p.requested_at), p.requested_by,
         p.approved_by, utc_time(p.paid_at)]
        for p in rows
    ]  # fmt: skip
    return table_csv(PAYOUT_COLUMNS, lines)


@dataclass(frozen=True, slots=True)
class MethodTotal:
    method: str
    currency: str
    count: int
    total_minor: int
    points: int  # loyalty points credited; 0 for other methods

    @property
    def total(self) -> str:
        return format_major(self.total_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Reversal:
    transaction_id: str
    reverses: str
    kind: str  # the kind of the transaction reversed
    trade_in_id: str | None
    memo: str
    posted_at: datetime
    posted_by: str


@dataclass(frozen=True, slots=True)
class Balance:
    account: str
    currency: str
    balance_minor: int

    @property
    def balance(self) -> str:
        return format_major(self.balance_minor, self.currency)


@dataclass(frozen=True, slots=True)
class DailySummary:
    program_id: str
    date: date
    payouts: tuple[MethodTotal, ...]  # paid that day
    reversals: tuple[Reversal, ...]  # posted that day
    balances: tuple[Balance, ...]  # at the end of the day
    check: ledger.CheckReport  # the program's ledger now, not as it was that day


def daily(session: Session, *, program_id: str, day: date) -> DailySummary:
    since, until = utc_range(day, day + timedelta(days=1))
    payouts = session.execute(
        select(
            Payment.method,
            Payment.currency,
            func.count(Payment.id),
            func.sum(Payment.amount),
            func.coalesce(func.sum(Payment.points), 0),
        )
        .join(TradeIn, TradeIn.id == Payment.trade_in_id)
        .where(TradeIn.program_id == program_id, Payment.paid_at >= since, Payment.paid_at < until)
        .group_by(Payment.method, Payment.currency)
        .order_by(Payment.method, Payment.currency)
    )
    reversal, original = LedgerTransaction, aliased(LedgerTransaction)
    reversals = session.execute(
        select(reversal, original.kind)
        .join(original, original.id == reversal.reverses)
        .where(
            reversal.program_id == program_id,
            reversal.posted_at >= since,
            reversal.posted_at < until,
        )
        .order_by(reversal.posted_at, reversal.id)
    )
    closing = ledger.balances(session, program_id=program_id, before=until)
    return DailySummary(
        program_id=program_id,
        date=day,
        payouts=tuple(
            MethodTotal(method, currency, n, int(total), int(points))
            for method, currency, n, total, points in payouts
        ),
        reversals=tuple(
            Reversal(r.id, r.reverses or "", kind, r.trade_in_id, r.memo, r.posted_at, r.posted_by)
            for r, kind in reversals
        ),
        balances=tuple(Balance(a, c, total) for (a, c), total in closing.items()),
        check=ledger.check(session, program_id=program_id),
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def decimal_amount(amount: int, currency: str) -> Decimal:
    # A number, not text: a negative amount is a number, and no formula to neutralise.
    return Decimal(format_major(amount, currency))


def utc_time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value: object) -> object:
    """Text a spreadsheet shows as text, never runs as a formula; numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def table_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # the excel dialect: quoted as needed, CRLF line ends
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return BOM + out.getvalue()
