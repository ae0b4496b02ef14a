"""The ledger: post balanced transactions, reverse them, sum balances, and check that it holds.

Nothing here commits: the request or command that calls it owns the transaction, so a posting
lands together with the change it records, or not at all. Entries are never edited or deleted;
a mistake is undone by a reversal, a new transaction of the negated entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from revalue.domain import ledger as rules
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.money import MINOR_UNITS, format_major
from revalue.ids import new_id
from revalue.payouts.models import LedgerEntry, LedgerTransaction

PAY = "pay"  # the kind of the transaction that pays a customer: at most one stands per trade-in
REVERSE = "reverse"


class TransactionNotFound(NotFound):
    code = "ledger_transaction_not_found"


class ReferenceConflict(Conflict):
    code = "ledger_reference_conflict"


class AlreadyReversed(Conflict):
    code = "ledger_already_reversed"


class ReversalNotReversible(Conflict):
    code = "ledger_reversal_not_reversible"


class ReversalMismatch(Conflict):
    code = "ledger_reversal_mismatch"


def post(
    session: Session,
    *,
    program_id: str,
    trade_in_id: str | None,
    kind: str,
    reference: str,
    entries: Sequence[rules.Entry],
    memo: str,
    ctx: Context,
    reverses: str | None = None,
) -> LedgerTransaction:
    """Write a balanced transaction. The same reference again with the same posting returns
    the transaction already written (a retry is safe); with another posting it is refused."""
    checked = rules.check_transaction(kind=kind, reference=reference, memo=memo, entries=entries)
    posting = (program_id, trade_in_id, kind, reverses)
    existing = _by_reference(session, reference)
    if existing is not None:
        return _repeated(session, existing, posting, checked)
    if reverses is not None:
        original = _reversible(session, reverses)
        if original.program_id != program_id or not rules.same_entries(
            checked, rules.negated(entries_of(session, original.id))
        ):
            raise ReversalMismatch(
                f"a reversal of {reverses} must negate its entries, in its program",
                field="entries",
            )
    row = _new(posting, reference, memo, ctx)
    try:
        _insert(session, row, checked)
    except IntegrityError:
        # A concurrent request took the reference (or reversed the same transaction) first;
        # the unique constraints decided, and the winner's row is visible now.
        existing = _by_reference(session, reference)
        if existing is not None:
            return _repeated(session, existing, posting, checked)
        if reverses is not None and _reversal_of(session, reverses) is not None:
            raise AlreadyReversed(f"{reverses} is already reversed", field="reverses") from None
        raise
    return row


def reverse(
    session: Session, transaction_id: str, *, reason: str, ctx: Context
) -> LedgerTransaction:
    """Undo a transaction with a new one of its entries negated. Each transaction is reversed
    at most once, and a reversal is not itself reversed: post the posting again instead."""
    original = _reversible(session, transaction_id)
    reference = f"{REVERSE}:{original.id}"
    negated = rules.negated(entries_of(session, original.id))
    checked = rules.check_transaction(
        kind=REVERSE, reference=reference, memo=reason, entries=negated
    )
    posting = (original.program_id, original.trade_in_id, REVERSE, original.id)
    row = _new(posting, reference, reason, ctx)
    try:
        _insert(session, row, checked)
    except IntegrityError:
        if _reversal_of(session, original.id) is not None:
            raise AlreadyReversed(
                f"{original.id} is already reversed", field="transaction_id"
            ) from None
        raise
    return row


def get(session: Session, transaction_id: str) -> LedgerTransaction:
    row = session.get(LedgerTransaction, transaction_id)
    if row is None:
        raise TransactionNotFound(f"no ledger transaction {transaction_id}", field="transaction_id")
    return row


def entries_of(session: Session, transaction_id: str) -> tuple[rules.Entry, ...]:
    rows = session.execute(
        select(LedgerEntry.account, LedgerEntry.amount, LedgerEntry.currency)
        .where(LedgerEntry.transaction_id == transaction_id)
        .order_by(LedgerEntry.id)
    ).all()
    return tuple(rules.Entry(account, int(amount), currency) for account, amount, currency in rows)


def balance(session: Session, account: str, currency: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account == account, LedgerEntry.currency == currency
        )
    )
    return int(total or 0)  # PostgreSQL sums bigints as numeric: a Decimal


def balances(
    session: Session,
    *,
    program_id: str | None = None,
    prefix: str | None = None,
    before: datetime | None = None,
) -> dict[tuple[str, str], int]:
    """Every account's balance per currency (of one program's transactions, of accounts whose
    name starts with ``prefix``, of what was posted before ``before``), in account order."""
    stmt = select(LedgerEntry.account, LedgerEntry.currency, func.sum(LedgerEntry.amount))
    if program_id is not None or before is not None:
        stmt = stmt.join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    if program_id is not None:
        stmt = stmt.where(LedgerTransaction.program_id == program_id)
    if before is not None:
        stmt = stmt.where(LedgerTransaction.posted_at < before)
    if prefix is not None:
        stmt = stmt.where(LedgerEntry.account.startswith(prefix, autoescape=True))
    stmt = stmt.group_by(LedgerEntry.account, LedgerEntry.currency).order_by(
        LedgerEntry.account, LedgerEntry.currency
    )
    return {(account, currency): int(total) for account, currency, total in session.execute(stmt)}


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # one of the rules ``check`` names: unbalanced, paid_twice, ...
    subject: str  # the transaction, trade-in or currency it is about
    detail: str


@dataclass(frozen=True, slots=True)
class CheckReport:
    transactions: int
    entries: int
    currencies: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# Narrows a statement over ``LedgerTransaction`` to one program (or not at all).
Scoped = Callable[[Select], Select]
_TX = LedgerTransaction
_SUM = func.sum(LedgerEntry.amount)


def check(session: Session, *, program_id: str | None = None) -> CheckReport:
    """Whether the ledger (or one program's part of it) holds, summed in the database: each
    transaction balances per currency and has entries, none is reversed twice or reverses a
    reversal, no trade-in is paid twice, and every currency sums to zero."""

    def scoped(stmt: Select) -> Select:
        return stmt if program_id is None else stmt.where(_TX.program_id == program_id)

    problems = [p for rule in _RULES for p in rule(session, scoped)]
    per_currency = session.execute(
        scoped(
            select(LedgerEntry.currency, _SUM, func.count(LedgerEntry.id)).join(
                _TX, _TX.id == LedgerEntry.transaction_id
            )
        )
        .group_by(LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    ).all()
    problems += [
        Problem("ledger_off", currency, f"the ledger sums to {_shown(total, currency)}")
        for currency, total, _ in per_currency
        if total != 0
    ]
    return CheckReport(
        transactions=session.scalar(scoped(select(func.count(_TX.id)))) or 0,
        entries=sum(n for _, _, n in per_currency),
        currencies=len(per_currency),
        problems=tuple(problems),
    )


def _unbalanced(session: Session, scoped: Scoped) -> list[Problem]:
    rows = session.execute(
        scoped(
            select(LedgerEntry.transaction_id, LedgerEntry.currency, _SUM).join(
                _TX, _TX.id == LedgerEntry.transaction_id
            )
        )
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(_SUM != 0)
        .order_by(LedgerEntry.transaction_id, LedgerEntry.currency)
    )
    return [
        Problem("unbalanced", tid, f"its entries sum to {_shown(total, currency)}")
        for tid, currency, total in rows
    ]


def _too_few_entries(session: Session, scoped: Scoped) -> list[Problem]:
    n = func.count(LedgerEntry.id)
    rows = session.execute(
        scoped(select(_TX.id, n).outerjoin(LedgerEntry, LedgerEntry.transaction_id == _TX.id))
        .group_by(_TX.id)
        .having(n < 2)
        .order_by(_TX.id)
    )
    return [Problem("too_few_entries", t, f"{k} entries; at least two needed") for t, k in rows]


def _reversed_twice(session: Session, scoped: Scoped) -> list[Problem]:
    # The unique ``reverses`` column already forbids this; checked in case the constraint is
    # ever dropped, or rows are restored around it.
    n = func.count(_TX.id)
    rows = session.execute(
        scoped(select(_TX.reverses, n).where(_TX.reverses.is_not(None)))
        .group_by(_TX.reverses)
        .having(n > 1)
        .order_by(_TX.reverses)
    )
    return [Problem("reversed_twice", t, f"reversed {k} times") for t, k in rows]


def _reverses_a_reversal(session: Session, scoped: Scoped) -> list[Problem]:
    undone = aliased(LedgerTransaction)
    rows = session.execute(
        scoped(select(_TX.id, undone.id).join(undone, _TX.reverses == undone.id))
        .where(undone.reverses.is_not(None))
        .order_by(_TX.id)
    )
    return [Problem("reverses_a_reversal", t, f"reverses the reversal {u}") for t, u in rows]


def _paid_twice(session: Session, scoped: Scoped) -> list[Problem]:
    reversal = aliased(LedgerTransaction)
    n = func.count(_TX.id)
    rows = session.execute(
        scoped(select(_TX.trade_in_id, n))
        .where(
            _TX.kind == PAY,
            _TX.trade_in_id.is_not(None),
            ~exists().where(reversal.reverses == _TX.id),
        )
        .group_by(_TX.trade_in_id)
        .having(n > 1)
        .order_by(_TX.trade_in_id)
    )
    return [Problem("paid_twice", t, f"{k} payments stand unreversed") for t, k in rows]


_RULES = (_unbalanced, _too_few_entries, _reversed_twice, _reverses_a_reversal, _paid_twice)


def _shown(amount: object, currency: str) -> str:
    # A corrupted row may hold a currency nobody knows: show its minor units rather than fail.
    minor = int(amount)  # type: ignore[call-overload]
    if currency in MINOR_UNITS:
        return f"{format_major(minor, currency)} {currency}"
    return f"{minor} minor units of {currency!r}"


def _by_reference(session: Session, reference: str) -> LedgerTransaction | None:
    return session.scalar(select(LedgerTransaction).where(LedgerTransaction.reference == reference))


def _reversal_of(session: Session, transaction_id: str) -> str | None:
    return session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reverses == transaction_id)
    )


def _reversible(session: Session, transaction_id: str) -> LedgerTransaction:
    original = get(session, transaction_id)
    if original.reverses is not None:
        raise ReversalNotReversible(
            f"{transaction_id} is a reversal; post the original posting again instead",
            field="transaction_id",
        )
    by = _reversal_of(session, transaction_id)
    if by is not None:
        raise AlreadyReversed(
            f"{transaction_id} is already reversed by {by}", field="transaction_id"
        )
    return original


def _repeated(
    session: Session,
    existing: LedgerTransaction,
    posting: tuple[str, str | None, str, str | None],
    entries: tuple[rules.Entry, ...],
) -> LedgerTransaction:
    was = (existing.program_id, existing.trade_in_id, existing.kind, existing.reverses)
    if was != posting or not rules.same_entries(entries_of(session, existing.id), entries):
        raise ReferenceConflict(
            f"reference {existing.reference!r} was already posted as {existing.id}, "
            "with other entries or for something else",
            field="reference",
            transaction_id=existing.id,
        )
    return existing


def _new(
    posting: tuple[str, str | None, str, str | None], reference: str, memo: str, ctx: Context
) -> LedgerTransaction:
    program_id, trade_in_id, kind, reverses = posting
    return LedgerTransaction(
        id=new_id("ltx", ctx.now),
        program_id=program_id,
        trade_in_id=trade_in_id,
        kind=kind,
        reference=reference,
        reverses=reverses,
        memo=memo,
        posted_at=ctx.now,
        posted_by=ctx.actor,
    )


def _insert(session: Session, row: LedgerTransaction, entries: Sequence[rules.Entry]) -> None:
    # In a savepoint: a unique-constraint loss rolls back these rows only, and the caller's
    # transaction carries on to find the winner's.
    with session.begin_nested():
        session.add(row)
        session.flush()  # no relationship() orders the inserts: the entries' key needs the row
        session.add_all(
            LedgerEntry(
                transaction_id=row.id, account=e.account, amount=e.amount, currency=e.currency
            )
            for e in entries
        )
