"""Paying a trade-in's customer, exactly once, through the method they chose.

The payout opens once the offer is final (``lifecycle.offer_final``), whatever the device's
erasure or resale. A payout records the purchase on the ledger (the device's cost and the
bonus as promotion expense, owed to the customer as trade-in liability), then pays the
liability out in the method's instrument: a store-credit card, a purchase coupon, loyalty
points, or a cash instruction to the payout provider. Above the program's limit a second
person approves before anything is paid out. The unique payment row per trade-in holds the
"exactly once" against racing requests, also from several server processes.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revalue.customers import contacts
from revalue.domain.context import Context
from revalue.domain.errors import Conflict
from revalue.domain.ledger import Entry
from revalue.domain.lifecycle import State, offer_final
from revalue.domain.money import MINOR_UNITS
from revalue.domain.program import HANDED_OVER, PayoutMethod
from revalue.events import outbox
from revalue.ids import new_id
from revalue.payouts import accounts, instruments, ledger, providers
from revalue.payouts.schemas import PayIn
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.tradeins import custody, processing, repository, screening
from revalue.tradeins.models import Payment, TradeIn
from revalue.tradeins.service import get

AWAITING_APPROVAL, PAID, REVERSED = "awaiting_approval", "paid", "reversed"
# Offer lines that are the program's promotion, not what the device is worth.
PROMOTION_LINES = frozenset({"payout_bonus", "promotion"})


class NotPayable(Conflict):
    code = "not_payable"


class NothingOwed(Conflict):
    code = "nothing_owed"


class AlreadyPaid(Conflict):
    code = "already_paid"


class ApprovalNotOpen(Conflict):
    code = "approval_not_open"


class SameApprover(Conflict):
    code = "approver_is_requester"


class CustomerEmailRequired(Conflict):
    code = "customer_email_required"


def pay(session: Session, trade_in_id: str, data: PayIn, ctx: Context, *, box: Fernet) -> Payment:
    """Pay the final offer, or hold it for approval above the program's limit."""
    trade_in = get(session, trade_in_id)
    again = _reversed(session, trade_in)
    if again is None:
        refuse_second(session, trade_in)
    final = trade_in.payout_method is not None and offer_final(
        State(trade_in.state),
        second_opinion_required=trade_in.second_opinion == "required",
        rejected=trade_in.reason is not None,
    )
    if not final:
        raise NotPayable(
            f"the offer is not final while the trade-in is {trade_in.state}: a customer is "
            "paid once the device is inspected as quoted or a re-quote is accepted",
            field="trade_in_id",
            state=trade_in.state,
        )
    if again is not None:  # a failed transfer: owed already, paid out afresh, once
        screening.refuse_if_blocked(session, trade_in.id)
        again.reference, again.status = new_id("pay", ctx.now), PAID
        pay_out(session, trade_in, again, data, ctx, box=box)
        return again
    amount, currency = owed_now(session, trade_in)
    held = above_limit(session, trade_in, amount)
    payment = record(
        session, trade_in, amount, currency, ctx, status=AWAITING_APPROVAL if held else PAID
    )
    if held:
        custody.note(session, trade_in, "payout_held", _event(payment), ctx)
        return payment
    pay_out(session, trade_in, payment, data, ctx, box=box)
    return payment


def _reversed(session: Session, trade_in: TradeIn) -> Payment | None:
    """The trade-in's payout if a failed transfer reversed it, locked so that two requests
    cannot both pay it again (SQLite writers take turns anyway)."""
    payment = repository.payment(session, trade_in.id)
    if payment is None or payment.status != REVERSED:
        return None
    locked = session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
    return locked if locked is not None and locked.status == REVERSED else None


def refuse_second(session: Session, trade_in: TradeIn) -> None:
    existing = repository.payment(session, trade_in.id)
    if existing is not None:
        raise AlreadyPaid(
            f"trade-in {trade_in.id} was paid already ({existing.reference}, {existing.status})",
            field="trade_in_id",
            reference=existing.reference,
        )


def owed_now(session: Session, trade_in: TradeIn) -> tuple[int, str]:
    """What the accepted offer pays, for a device neither blocklisted nor worth nothing."""
    screening.refuse_if_blocked(session, trade_in.id)
    owed = processing.payable(session, trade_in)
    assert owed is not None  # accepted with a payout method, not cancelled: something is owed
    if owed[0] == 0:  # a device worth nothing but recycling: there is nothing to pay out
        raise NothingOwed("the offer is 0: there is nothing to pay", field="trade_in_id")
    return owed


def above_limit(session: Session, trade_in: TradeIn, amount: int) -> bool:
    limit = programs.get(session, trade_in.program_id).payout_approval_above
    return limit is not None and amount > limit


def record(
    session: Session,
    trade_in: TradeIn,
    amount: int,
    currency: str,
    ctx: Context,
    *,
    status: str,
    provisional: bool = False,
) -> Payment:
    """The payment row, unique per trade-in, and the purchase on the ledger."""
    payment = Payment(
        trade_in_id=trade_in.id,
        method=trade_in.payout_method,
        amount=amount,
        currency=currency,
        reference=new_id("pay", ctx.now),
        status=status,
        provisional=provisional,
        requested_by=ctx.actor,
        requested_at=ctx.now,
    )
    try:
        # The unique trade-in: a payout racing this one (another process) fails here. In a
        # savepoint, so the refusal can be named rather than a bare conflict.
        with session.begin_nested():
            repository.add(session, payment)
    except IntegrityError:
        raise AlreadyPaid(
            f"trade-in {trade_in.id} is being paid by another request", field="trade_in_id"
        ) from None
    _accrue(session, trade_in, payment, ctx)
    return payment


def approve(
    session: Session, trade_in_id: str, data: PayIn, ctx: Context, *, box: Fernet
) -> Payment:
    """A second person approves a payout held above the limit, and it is paid out."""
    trade_in = get(session, trade_in_id)
    payment = repository.payment(session, trade_in.id)
    if payment is None or payment.status != AWAITING_APPROVAL:
        raise ApprovalNotOpen(
            "only a payout awaiting approval can be approved"
            + (f" (this one is {payment.status})" if payment else " (there is none)"),
            field="trade_in_id",
        )
    if payment.requested_by == ctx.actor:
        raise SameApprover(
            "a payout above the limit is approved by someone other than who requested it",
            field="trade_in_id",
        )
    screening.refuse_if_blocked(session, trade_in.id)
    payment.status, payment.approved_by, payment.approved_at = PAID, ctx.actor, ctx.now
    pay_out(session, trade_in, payment, data, ctx, box=box)
    return payment


def _accrue(session: Session, trade_in: TradeIn, payment: Payment, ctx: Context) -> None:
    """The purchase: the device's cost and the promotion, owed to the customer."""
    promotion = promotion_of(session, trade_in, payment.method, payment.amount)
    entries = [
        Entry(accounts.DEVICE_PURCHASES, payment.amount - promotion, payment.currency),
        Entry(accounts.PROMOTION_EXPENSE, promotion, payment.currency),
        Entry(accounts.TRADE_IN_LIABILITY, -payment.amount, payment.currency),
    ]
    ledger.post(
        session,
        program_id=trade_in.program_id,
        trade_in_id=trade_in.id,
        kind="accrue",
        reference=f"accrue:{payment.reference}",
        entries=[e for e in entries if e.amount != 0],
        memo=f"final offer, {payment.method}",
        ctx=ctx,
    )


def promotion_of(session: Session, trade_in: TradeIn, method: str, amount: int) -> int:
    """The part of ``amount`` that is the program's bonus and promotion, by the offer's lines."""
    quote = quotes.get(session, processing.offer_quote_id(trade_in))
    offer = next(o for o in quote.offers if o["method"] == method)
    bonus = sum(line["amount"] for line in offer["lines"] if line["code"] in PROMOTION_LINES)
    return min(amount, max(0, bonus))


def pay_out(
    session: Session,
    trade_in: TradeIn,
    payment: Payment,
    data: PayIn,
    ctx: Context,
    *,
    box: Fernet,
) -> None:
    """The liability paid out in the method's instrument."""
    method, common = (
        PayoutMethod(payment.method),
        {
            "program_id": trade_in.program_id,
            "trade_in_id": trade_in.id,
            "amount": payment.amount,
            "currency": payment.currency,
            "box": box,
            "ctx": ctx,
        },
    )
    if method == PayoutMethod.STORE_CREDIT:
        instruments.issue_store_credit(session, **common)
    elif method == PayoutMethod.PURCHASE_DISCOUNT:
        email = _email(session, trade_in, "a purchase coupon is bound to its customer's e-mail")
        days = programs.get(session, trade_in.program_id).coupon_days
        instruments.issue_coupon(session, customer_email=email, days=days, **common)
    elif method == PayoutMethod.LOYALTY_POINTS:
        rate = programs.get(session, trade_in.program_id).loyalty_points_per_unit
        payment.points = payment.amount * rate // 10 ** MINOR_UNITS[payment.currency]
        _paid_into(session, trade_in, payment, accounts.LOYALTY_POINTS, ctx)
    else:
        to = _destination(session, trade_in, data)
        providers.built_in().instruct(session, payment, to, box, ctx)
        _paid_into(session, trade_in, payment, accounts.CASH_CLEARING, ctx)
    payment.paid_at = ctx.now
    custody.note(session, trade_in, "pay", _event(payment), ctx)
    outbox.emit(
        session,
        program_id=trade_in.program_id,
        type=outbox.PAYOUT_MADE,
        payload={"trade_in_id": trade_in.id, **_event(payment)},
        ctx=ctx,
        trade_in_id=trade_in.id,
    )


def _email(session: Session, trade_in: TradeIn, why: str) -> str:
    contact = contacts.get(session, trade_in.id)
    if contact is None or not contact.email:
        raise CustomerEmailRequired(
            f"{why}, and this trade-in has none: add it to the contact details first",
            field="trade_in_id",
        )
    return contact.email


def _destination(session: Session, trade_in: TradeIn, data: PayIn) -> providers.Destination:
    """Cash goes to the account given; else, where the customer handed the device over, into
    their hand at the counter; else by PayPal to the customer's e-mail."""
    if data.account:
        return providers.Destination(rail=data.rail or "bank_transfer", account=data.account)
    if data.rail != "paypal" and trade_in.pathway in HANDED_OVER:
        return providers.Destination(rail="in_person", account="")
    email = _email(session, trade_in, "cash without an account goes by PayPal to the e-mail")
    return providers.Destination(rail="paypal", account=email)


def _paid_into(
    session: Session, trade_in: TradeIn, payment: Payment, to: str, ctx: Context
) -> None:
    transfer(
        session, trade_in, payment, kind="pay", debit=accounts.TRADE_IN_LIABILITY, credit=to,
        memo=payment.method, ctx=ctx,
    )  # fmt: skip


def transfer(
    session: Session,
    trade_in: TradeIn,
    payment: Payment,
    *,
    kind: str,
    debit: str,
    credit: str,
    memo: str,
    ctx: Context,
) -> None:
    """The payout's whole amount from one account to another, once (the reference is the
    kind and the payout's)."""
    ledger.post(
        session,
        program_id=trade_in.program_id,
        trade_in_id=trade_in.id,
        kind=kind,
        reference=f"{kind}:{payment.reference}",
        entries=[
            Entry(debit, payment.amount, payment.currency),
            Entry(credit, -payment.amount, payment.currency),
        ],
        memo=memo,
        ctx=ctx,
    )


def _event(payment: Payment) -> dict[str, Any]:
    return {
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "reference": payment.reference,
        "status": payment.status,
        "points": payment.points,
    }
