"""Cash payouts the built-in provider keeps for people: the list to execute (CSV, with the
accounts in full, for finance only), the confirmation of each with the bank's reference, which
moves the money from the clearing account to the bank on the ledger, and the transfer that
failed, reversed so the customer can be paid again."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict
from revalue.events.signing import unseal
from revalue.payouts import accounts, exports, ledger, providers, service
from revalue.payouts.models import LedgerTransaction, PayoutInstruction
from revalue.tradeins import custody, repository
from revalue.tradeins.models import Payment, TradeIn
from revalue.tradeins.service import get

COLUMNS = (
    "reference", "trade_in_id", "rail", "account", "currency", "amount_minor", "amount",
    "instructed_at",
)  # fmt: skip


class NotInstructed(Conflict):
    code = "cash_not_instructed"


def instructions_csv(session: Session, *, program_id: str, box: Fernet) -> str:
    """Every cash instruction still to execute, oldest first, with its account in full."""
    rows = session.execute(
        select(Payment, PayoutInstruction)
        .join(PayoutInstruction, PayoutInstruction.payment_id == Payment.id)
        .join(TradeIn, TradeIn.id == Payment.trade_in_id)
        .where(TradeIn.program_id == program_id)
        .where(PayoutInstruction.status == providers.INSTRUCTED)
        .order_by(Payment.paid_at, Payment.id)
    )
    return exports.table_csv(
        COLUMNS,
        (
            (
                p.reference,
                p.trade_in_id,
                i.rail,
                unseal(box, i.destination_encrypted),
                p.currency,
                p.amount,
                exports.decimal_amount(p.amount, p.currency),
                exports.utc_time(p.paid_at),
            )
            for p, i in rows
        ),
    )


def executed(session: Session, trade_in_id: str, bank_reference: str, ctx: Context) -> Payment:
    """A person executed the cash payout: the clearing account is settled into the bank."""
    trade_in, payment, row = _latest(session, trade_in_id, (providers.INSTRUCTED,))
    row.status, row.provider_reference, row.executed_at = (
        providers.EXECUTED,
        bank_reference,
        ctx.now,
    )
    service.transfer(
        session, trade_in, payment, kind="settle", debit=accounts.CASH_CLEARING,
        credit=accounts.BANK, memo=f"{row.rail} {bank_reference}", ctx=ctx,
    )  # fmt: skip
    custody.note(
        session, trade_in, "cash_executed", {"reference": payment.reference, "rail": row.rail}, ctx
    )
    return payment


def failed(session: Session, trade_in_id: str, reason: str, ctx: Context) -> Payment:
    """The transfer did not reach the customer (a wrong account, a bounce): the payout is
    reversed on the ledger, with new transactions, so the customer is owed again and can be
    paid to another destination (``service.pay``)."""
    trade_in, payment, row = _latest(
        session, trade_in_id, (providers.INSTRUCTED, providers.EXECUTED)
    )
    undo = [f"pay:{payment.reference}"]
    if row.status == providers.EXECUTED:  # it had left the bank: that comes back first
        undo.insert(0, f"settle:{payment.reference}")
    for reference in undo:
        posted = session.scalars(
            select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
        ).one()
        ledger.reverse(session, posted, reason=reason, ctx=ctx)
    row.status = providers.FAILED
    payment.status = service.REVERSED
    data = {"reference": payment.reference, "rail": row.rail, "reason": reason}
    custody.note(session, trade_in, "payout_failed", data, ctx)
    return payment


def _latest(
    session: Session, trade_in_id: str, statuses: tuple[str, ...]
) -> tuple[TradeIn, Payment, PayoutInstruction]:
    """The trade-in, its payout and the payout's latest cash instruction, if in ``statuses``."""
    trade_in = get(session, trade_in_id)
    payment = repository.payment(session, trade_in.id)
    row = None
    if payment is not None and payment.status == service.PAID:
        row = session.scalars(
            select(PayoutInstruction)
            .where(PayoutInstruction.payment_id == payment.id)
            .order_by(PayoutInstruction.id.desc())
        ).first()
    if payment is None or row is None or row.status not in statuses:
        raise NotInstructed(
            f"only a cash payout {' or '.join(statuses)} can be so"
            + (f" (this one is {row.status})" if row else ""),
            field="trade_in_id",
        )
    return trade_in, payment, row
