"""Double-entry rules: what makes a proposed ledger transaction acceptable.

An entry moves an amount of minor units of one currency into an account: debits are positive,
credits negative. A transaction is at least two entries that sum to zero in every currency it
touches, so money is only ever moved, never made or lost, and the whole ledger sums to zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from revalue.domain.errors import InvalidInput
from revalue.domain.money import check_currency, format_major

# The widths the ledger stores; refused here rather than truncated (or refused differently by
# each database) when written.
MAX_ACCOUNT = 120
MAX_REFERENCE = 120
MAX_KIND = 30
MAX_MEMO = 200


class InvalidEntry(InvalidInput):
    code = "ledger_invalid_entry"


class TooFewEntries(InvalidInput):
    code = "ledger_too_few_entries"


class Unbalanced(InvalidInput):
    code = "ledger_unbalanced"


class InvalidPosting(InvalidInput):
    code = "ledger_invalid_posting"


@dataclass(frozen=True, slots=True)
class Entry:
    account: str
    amount: int  # minor units; debit > 0, credit < 0
    currency: str


def check_transaction(
    *, kind: str, reference: str, memo: str, entries: Sequence[Entry]
) -> tuple[Entry, ...]:
    """The entries of an acceptable transaction, or the first rule it breaks, named."""
    for name, value, limit in (
        ("kind", kind, MAX_KIND),
        ("reference", reference, MAX_REFERENCE),
    ):
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise InvalidPosting(f"{name} must be 1 to {limit} characters", field=name)
    if not isinstance(memo, str) or len(memo) > MAX_MEMO:
        raise InvalidPosting(f"memo must be at most {MAX_MEMO} characters", field="memo")
    checked = tuple(_check_entry(e, f"entries[{i}]") for i, e in enumerate(entries))
    if len(checked) < 2:
        raise TooFewEntries(
            f"a transaction needs at least two entries, got {len(checked)}", field="entries"
        )
    off = {c: total for c, total in totals(checked).items() if total != 0}
    if off:
        shown = ", ".join(f"{format_major(t, c)} {c}" for c, t in sorted(off.items()))
        raise Unbalanced(
            f"entries must sum to zero in each currency; they are off by {shown}",
            field="entries",
            off={c: t for c, t in sorted(off.items())},
        )
    return checked


def _check_entry(entry: object, field: str) -> Entry:
    if not isinstance(entry, Entry):
        raise InvalidEntry(f"{field} is not a ledger entry: {entry!r}", field=field)
    account = entry.account
    if not isinstance(account, str) or not account.strip() or len(account) > MAX_ACCOUNT:
        raise InvalidEntry(
            f"{field}.account must be 1 to {MAX_ACCOUNT} characters", field=f"{field}.account"
        )
    # bool is an int to Python, and a float is never exact money: both are refused.
    amount = entry.amount
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise InvalidEntry(
            f"{field}.amount must be a non-zero whole number of minor units, got {amount!r}",
            field=f"{field}.amount",
        )
    if not isinstance(entry.currency, str):
        raise InvalidEntry(f"{field}.currency must be a code", field=f"{field}.currency")
    check_currency(entry.currency, field=f"{field}.currency")
    return entry


def totals(entries: Iterable[Entry]) -> dict[str, int]:
    """What the entries sum to, per currency."""
    sums: dict[str, int] = {}
    for e in entries:
        sums[e.currency] = sums.get(e.currency, 0) + e.amount
    return sums


def negated(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """The entries that undo these: a reversal."""
    return tuple(Entry(e.account, -e.amount, e.currency) for e in entries)


def same_entries(a: Iterable[Entry], b: Iterable[Entry]) -> bool:
    """The same entries, in any order: what a repeated posting must carry."""
    return Counter(a) == Counter(b)
