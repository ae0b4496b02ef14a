"""Instant store credit at hand-over, and its settling once the offer is final.

Where the program allows it, a customer handing a device over in store or at a kiosk, paid in
store credit, gets the quoted amount on a card there and then, before inspection. The payout
is provisional: once the offer is final (inspected as quoted, a re-quote accepted, or the
device rejected or sent back) ``reconcile`` adjusts it with one new ledger transaction, never
an edit: a top-up onto the card, or a clawback from what is left on the card and, for what
the customer already spent, a receivable.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict
from revalue.domain.ledger import Entry
from revalue.domain.lifecycle import State, offer_final
from revalue.domain.program import HANDED_OVER, PayoutMethod
from revalue.payouts import accounts, ledger, service
from revalue.payouts.models import LedgerTransaction, StoreCredit
from revalue.payouts.schemas import PayIn
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.tradeins import custody, processing
from revalue.tradeins.models import Payment, TradeIn
from revalue.tradeins.service import get

# The offer will not be paid at all: the device was rejected or goes back to its customer.
NOTHING_DUE = frozenset({State.REJECTED, State.RETURNED, State.REQUOTE_DECLINED})
CLAWED_BACK = "clawed_back"


class NotInstant(Conflict):
    code = "instant_credit_not_allowed"


def pay_instant(session: Session, trade_in_id: str, ctx: Context, *, box: Fernet) -> Payment:
    """Store credit for the quoted offer at hand-over, provisional until the offer is final."""
    trade_in = get(session, trade_in_id)
    program = programs.get(session, trade_in.program_id)
    why = None
    if not program.instant_credit:
        why = "the program does not give instant credit"
    elif trade_in.payout_method != PayoutMethod.STORE_CREDIT:
        why = "instant credit is store credit, and this customer chose another payout"
    elif trade_in.pathway not in HANDED_OVER or trade_in.state != State.RECEIVED:
        why = "instant credit is given at hand-over, once the device is received in store"
    if why is not None:
        raise NotInstant(why, field="trade_in_id", state=trade_in.state)
    service.refuse_second(session, trade_in)
    amount, currency = service.owed_now(session, trade_in)
    if service.above_limit(session, trade_in, amount):
        raise NotInstant(
            "above the program's approval limit a payout waits for approval, not at the till",
            field="trade_in_id",
        )
    payment = service.record(
        session, trade_in, amount, currency, ctx, status=service.PAID, provisional=True
    )
    service.pay_out(session, trade_in, payment, PayIn(), ctx, box=box)
    return payment


@dataclass(frozen=True, slots=True)
class Adjustment:
    trade_in_id: str
    paid: int
    final: int
    from_card: int
    receivable: int


def reconcile(session: Session, ctx: Context) -> list[Adjustment]:
    """Settle every provisional payout whose offer is now final (or will never be paid)."""
    rows = session.execute(
        select(Payment, TradeIn)
        .join(TradeIn, TradeIn.id == Payment.trade_in_id)
        .where(Payment.provisional.is_(True))
        .order_by(Payment.id)
    ).all()
    return [a for payment, trade_in in rows if (a := _settle(session, payment, trade_in, ctx))]


def _settle(
    session: Session, payment: Payment, trade_in: TradeIn, ctx: Context
) -> Adjustment | None:
    state = State(trade_in.state)
    nothing = state in NOTHING_DUE or trade_in.reason is not None
    final = offer_final(
        state, second_opinion_required=trade_in.second_opinion == "required", rejected=False
    )
    if not (nothing or final):
        return None  # still being inspected, or a re-quote awaits the customer's answer
    due = 0 if nothing else _final_offer(session, trade_in)
    card = session.scalars(select(StoreCredit).where(StoreCredit.trade_in_id == trade_in.id)).one()
    paid_promo, due_promo = (
        _paid_promotion(session, payment),
        (0 if nothing else service.promotion_of(session, trade_in, payment.method, due)),
    )
    change = due - payment.amount
    entries = [
        Entry(
            accounts.DEVICE_PURCHASES,
            (due - due_promo) - (payment.amount - paid_promo),
            card.currency,
        ),
        Entry(accounts.PROMOTION_EXPENSE, due_promo - paid_promo, card.currency),
    ]
    from_card = receivable = 0
    if change > 0:  # found better than quoted: the card is topped up
        entries.append(Entry(accounts.store_credit(card.id), -change, card.currency))
    elif change < 0:  # less is due: what is left on the card first, the rest is owed back
        left = -ledger.balance(session, accounts.store_credit(card.id), card.currency)
        from_card = min(-change, max(0, left))
        receivable = -change - from_card
        entries += [
            Entry(accounts.store_credit(card.id), from_card, card.currency),
            Entry(accounts.CLAWBACK_RECEIVABLE, receivable, card.currency),
        ]
    posted = [e for e in entries if e.amount != 0]
    if posted:
        ledger.post(
            session,
            program_id=trade_in.program_id,
            trade_in_id=trade_in.id,
            kind="top_up" if change > 0 else "clawback",
            reference=f"settle-instant:{payment.reference}",
            entries=posted,
            memo=f"instant credit {payment.amount} settled at {due}",
            ctx=ctx,
        )
    adjustment = Adjustment(trade_in.id, payment.amount, due, from_card, receivable)
    payment.amount, payment.provisional = due, False
    if due == 0:
        payment.status = CLAWED_BACK
    data = {
        "reference": payment.reference,
        "paid": adjustment.paid,
        "final": due,
        "from_card": from_card,
        "receivable": receivable,
    }
    custody.note(session, trade_in, "instant_credit_settled", data, ctx)
    return adjustment


def _final_offer(session: Session, trade_in: TradeIn) -> int:
    """The store-credit offer as final: a re-quote's (accepted, or a raised offer), else the
    quote's."""
    quote = quotes.get(session, processing.offer_quote_id(trade_in))
    return quotes.offer_amount(quote, str(PayoutMethod.STORE_CREDIT))


def _paid_promotion(session: Session, payment: Payment) -> int:
    """The promotion part of what was paid at the till, as its purchase was recorded."""
    accrual = session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.reference == f"accrue:{payment.reference}"
        )
    )
    entries = ledger.entries_of(session, accrual.id) if accrual else ()
    return sum(e.amount for e in entries if e.account == accounts.PROMOTION_EXPENSE)
