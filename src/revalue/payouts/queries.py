"""Reading payouts: what a payout created, as its customer or staff may see it, and the
customers paid late."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from revalue.domain.calendar import add_business_days
from revalue.domain.program import PayoutMethod
from revalue.payouts import accounts, instruments, ledger
from revalue.payouts.models import Coupon, PayoutInstruction, StoreCredit
from revalue.payouts.service import AWAITING_APPROVAL
from revalue.programs import service as programs
from revalue.tradeins import processing
from revalue.tradeins.models import Payment, TradeIn


def instrument(
    session: Session, payment: Payment, *, box: Fernet, reveal: bool
) -> dict[str, Any] | None:
    """What the payout created. A card's or coupon's code is a bearer secret: shown in full
    only to its customer (and the retailer's systems, to put it in their wallet); staff see
    its last characters."""
    kinds = {PayoutMethod.STORE_CREDIT: StoreCredit, PayoutMethod.PURCHASE_DISCOUNT: Coupon}
    if payment.method in kinds:
        model = kinds[PayoutMethod(payment.method)]
        row = session.scalars(select(model).where(model.trade_in_id == payment.trade_in_id)).first()
        if row is None:  # held for approval: nothing issued yet
            return None
        code = instruments.reveal(box, row)
        shown = {
            "id": row.id,
            "code": code if reveal else "…" + code[-4:],
            "currency": row.currency,
        }
        if isinstance(row, StoreCredit):
            # The card's account is a liability, in credit: its balance is what is left.
            left = -ledger.balance(session, accounts.store_credit(row.id), row.currency)
            return {"kind": "store_credit", **shown, "balance": left}
        return {
            "kind": "coupon",
            **shown,
            "amount": row.amount,
            "expires_at": row.expires_at,
            "redeemed_at": row.redeemed_at,
        }
    if payment.method == PayoutMethod.CASH:
        row = session.scalars(
            select(PayoutInstruction)
            .where(PayoutInstruction.payment_id == payment.id)
            .order_by(PayoutInstruction.id.desc())
        ).first()
        if row is None:
            return None
        return {
            "kind": "cash",
            "rail": row.rail,
            "destination": row.destination_hint,
            "status": row.status,
            "provider": row.provider,
        }
    return {"kind": "loyalty_points", "points": payment.points}


def overdue(
    session: Session, now: datetime, program_ids: frozenset[str] | None
) -> list[tuple[TradeIn, datetime, Payment | None]]:
    """Trade-ins whose customer is not paid (or whose payout waits for approval) more than
    their program's business days after the offer became final: (trade-in, due, payout)."""
    stmt = (
        select(TradeIn, Payment)
        .outerjoin(Payment, Payment.trade_in_id == TradeIn.id)
        .where(TradeIn.offer_final_at.is_not(None), TradeIn.reason.is_(None))
        .where(or_(Payment.id.is_(None), Payment.status == AWAITING_APPROVAL))
        .where(TradeIn.offer_final_at < now)
    )
    if program_ids is not None:
        stmt = stmt.where(TradeIn.program_id.in_(program_ids))
    sla = {p.id: p.payout_sla_business_days for p in programs.list_all(session)}
    late = []
    for trade_in, payment in session.execute(stmt.order_by(TradeIn.offer_final_at)):
        due = add_business_days(trade_in.offer_final_at, sla[trade_in.program_id])
        owed = processing.payable(session, trade_in)
        if due < now and owed is not None and owed[0] > 0:
            late.append((trade_in, due, payment))
    return late
