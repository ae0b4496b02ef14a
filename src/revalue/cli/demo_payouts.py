"""The demo's payouts: every method, the large ones approved by a second person, and some of
the store credit and coupons spent at the retailer's till."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from revalue.customers import contacts
from revalue.domain.context import Context
from revalue.domain.lifecycle import State
from revalue.domain.program import PayoutMethod
from revalue.payouts import instant, instruments, redemption
from revalue.payouts import service as payouts
from revalue.payouts.models import Coupon, StoreCredit
from revalue.payouts.schemas import PayIn
from revalue.tradeins import processing, repository, screening
from revalue.tradeins import service as tradeins

if TYPE_CHECKING:  # the walk's state, defined by the demo that calls this
    from revalue.cli.demo import Story


def at_hand_over(story: Story, tid: str, associate: Context) -> None:
    """Half the customers paid in store credit take it at the till, before inspection."""
    s = story.session
    trade_in = tradeins.get(s, tid)
    owed = processing.payable(s, trade_in)
    eligible = (
        trade_in.payout_method == PayoutMethod.STORE_CREDIT and trade_in.state == State.RECEIVED
    )
    if not eligible or owed is None or owed[0] == 0 or screening.blocked(s, tid):
        return
    if payouts.above_limit(s, trade_in, owed[0]):
        return
    if story.rng.random() < 0.5:
        instant.pay_instant(s, tid, associate, box=story.box)


def pay(story: Story, tid: str) -> None:
    """Pay the final offer (a device only worth recycling is owed nothing; instant credit was
    paid at the till, and is settled by the day's reconciliation)."""
    s = story.session
    owed = processing.payable(s, tradeins.get(s, tid))
    if owed is None or owed[0] == 0 or repository.payment(s, tid) is not None:
        return
    payment = payouts.pay(s, tid, PayIn(), story.ctx("finance-1"), box=story.box)
    if payment.status == payouts.AWAITING_APPROVAL:
        if not story.wait(1, 30):
            return
        payouts.approve(s, tid, PayIn(), story.ctx("finance-2"), box=story.box)
    if story.wait(24, 24 * 14) and story.rng.random() < 0.6:
        _spend(story, tid)


def _spend(story: Story, tid: str) -> None:
    """The customer spends the card (part of it, or all) or uses the coupon at the till."""
    s, rng = story.session, story.rng
    till = story.ctx("pos-till", "store")
    order = f"ORD-{rng.randrange(10**8):08d}"
    card = s.scalars(select(StoreCredit).where(StoreCredit.trade_in_id == tid)).first()
    if card is not None:
        amount = max(1, int(card.issued_amount * rng.choice([0.25, 0.5, 1.0])))
        code = instruments.reveal(story.box, card)
        redemption.redeem_store_credit(
            s, program_id=card.program_id, code=code, amount=amount,
            currency=card.currency, order_reference=order, ctx=till,
        )  # fmt: skip
        return
    coupon = s.scalars(select(Coupon).where(Coupon.trade_in_id == tid)).first()
    contact = contacts.get(s, tid)
    if coupon is not None and contact is not None and contact.email:
        redemption.redeem_coupon(
            s, program_id=coupon.program_id, code=instruments.reveal(story.box, coupon),
            customer_email=contact.email, order_reference=order, ctx=till,
        )  # fmt: skip
