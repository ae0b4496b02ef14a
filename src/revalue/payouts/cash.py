"""Cash payouts the built-in provider keeps for people: the list to execute (CSV, with the
accounts in full, for finance only) and the confirmation of each, with the bank's reference,
which moves the money from the clearing account to the bank on the ledger."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict
from revalue.events.signing import unseal
from revalue.payouts import accounts, exports, providers, service
from revalue.payouts.models import PayoutInstruction
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
    trade_in = get(session, trade_in_id)
    payment = repository.payment(session, trade_in.id)
    row = None
    if payment is not None:
        row = session.scalars(
            select(PayoutInstruction).where(PayoutInstruction.payment_id == payment.id)
        ).first()
    if payment is None or row is None or row.status != providers.INSTRUCTED:
        raise NotInstructed(
            "only a cash payout instructed and not yet executed can be confirmed"
            + (f" (this one is {row.status})" if row else ""),
            field="trade_in_id",
        )
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
