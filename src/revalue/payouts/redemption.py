"""Store credit and coupons spent at the retailer's tills and web shop.

A redemption moves value from the instrument's ledger account to retail redemptions, in the
till's request's transaction, and names the retailer's order. Every way a code can fail to
match (malformed, mistyped, unknown, another program's, another customer's coupon) gets one
answer, so a till learns nothing about codes it should not hold.
"""

from __future__ import annotations

import hmac
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.ledger import Entry
from revalue.domain.money import CurrencyMismatch, format_major
from revalue.payouts import accounts, codes, instruments, ledger
from revalue.payouts.models import Coupon, LedgerTransaction, StoreCredit
from revalue.tokens import digest

MAX_ORDER = 64  # characters of the retailer's order reference
Row = TypeVar("Row", StoreCredit, Coupon)


class StoreCreditNotFound(NotFound):
    code = "store_credit_not_found"


class CouponNotFound(NotFound):
    code = "coupon_not_found"


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


class OrderAlreadyRedeemed(Conflict):
    code = "order_already_redeemed"


class CouponUsed(Conflict):
    code = "coupon_used"


class CouponExpired(Conflict):
    code = "coupon_expired"


def not_found(model: type[instruments.Instrument]) -> NotFound:
    """The one answer for a code that does not match, whatever the reason."""
    if model is StoreCredit:
        return StoreCreditNotFound("no store credit with this code", field="code")
    return CouponNotFound("no coupon with this code for this customer", field="code")


def store_credit_balance(
    session: Session, *, program_id: str, code: str
) -> tuple[StoreCredit, int]:
    """The card a till presents and what is left on it."""
    card = _find(session, StoreCredit, program_id, code, lock=False)
    return card, _balance(session, card)


def redeem_store_credit(
    session: Session,
    *,
    program_id: str,
    code: str,
    amount: int,
    currency: str,
    order_reference: str,
    ctx: Context,
) -> tuple[StoreCredit, LedgerTransaction, int]:
    """Spend ``amount`` of a card on an order, all of it or part; the card, the ledger
    transaction and what is left. A card pays an order once: the order names the posting."""
    instruments.check_amount(amount)
    _check_order(order_reference)
    # Locked before its balance is read: a second till redeeming the same card waits here and
    # then sees what the first spent, so two redemptions can never both spend the same money.
    card = _find(session, StoreCredit, program_id, code, lock=True)
    if currency != card.currency:
        raise CurrencyMismatch(
            f"this card holds {card.currency}, not {currency}",
            field="currency",
            expected=card.currency,
        )
    reference = f"store_credit:redeem:{card.id}:{order_reference}"
    # The ledger would hand back the earlier posting of the same reference as if it were this
    # one; a till that sends the order again without its Idempotency-Key must learn it was paid.
    if _posted(session, reference):
        raise OrderAlreadyRedeemed(
            f"this card already paid order {order_reference!r}", field="order_reference"
        )
    available = _balance(session, card)
    if amount > available:
        raise InsufficientBalance(
            f"the card holds {format_major(available, card.currency)} {card.currency}, "
            f"less than {format_major(amount, card.currency)}",
            field="amount",
            balance=available,
            currency=card.currency,
        )
    spent = _spend(session, card, amount, reference, ctx)
    return card, spent, available - amount


def redeem_coupon(
    session: Session,
    *,
    program_id: str,
    code: str,
    customer_email: str,
    order_reference: str,
    ctx: Context,
) -> tuple[Coupon, LedgerTransaction]:
    """Use a coupon, once, on its customer's order before it expires."""
    _check_order(order_reference)
    coupon = _find(session, Coupon, program_id, code, lock=True)
    # Another customer's coupon is answered as unknown: the till must not learn that a code
    # it holds is genuine, only whether this customer may use it.
    if not hmac.compare_digest(coupon.customer_hash, instruments.customer_hash(customer_email)):
        raise not_found(Coupon)
    if coupon.redeemed_at is not None:
        raise CouponUsed(
            "this coupon was used already",
            field="code",
            redeemed_at=coupon.redeemed_at.isoformat(),
        )
    if ctx.now >= coupon.expires_at:
        raise CouponExpired(
            "this coupon has expired", field="code", expired_at=coupon.expires_at.isoformat()
        )
    coupon.redeemed_at, coupon.redeemed_order = ctx.now, order_reference
    spent = _spend(session, coupon, coupon.amount, f"coupon:redeem:{coupon.id}", ctx)
    return coupon, spent


def _find(session: Session, model: type[Row], program_id: str, code: str, *, lock: bool) -> Row:
    """The program's instrument with this code. A malformed code, a typo the check character
    caught, an unknown code and another program's all get the same answer."""
    canonical = codes.parse(code, instruments.KINDS[model].prefix)
    row = None
    if canonical is not None:
        stmt = select(model).where(
            model.code_hash == digest(canonical), model.program_id == program_id
        )
        # FOR UPDATE on PostgreSQL; SQLite ignores it, its writers already take turns.
        row = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if row is None:
        raise not_found(model)
    return row


def _balance(session: Session, card: StoreCredit) -> int:
    # The card's account is owed to its holder: a credit balance, shown as a positive amount.
    return -ledger.balance(session, accounts.store_credit(card.id), card.currency)


def _spend(
    session: Session, row: instruments.Instrument, amount: int, reference: str, ctx: Context
) -> LedgerTransaction:
    """Value spent at the retailer: out of the instrument's account into retail redemptions."""
    kind = instruments.KINDS[type(row)]
    return ledger.post(
        session,
        program_id=row.program_id,
        trade_in_id=row.trade_in_id,
        kind="redeem",
        reference=reference,
        entries=[
            Entry(kind.account(row.id), amount, row.currency),
            Entry(accounts.RETAIL_REDEMPTIONS, -amount, row.currency),
        ],
        memo=f"{kind.name} redeemed",
        ctx=ctx,
    )


def _posted(session: Session, reference: str) -> bool:
    stmt = select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
    return session.scalar(stmt) is not None


def _check_order(order_reference: str) -> None:
    # Short enough to name the ledger posting (at most 120 characters) after the card's id.
    if not order_reference.strip() or len(order_reference) > MAX_ORDER:
        raise InvalidInput(
            f"an order reference is 1 to {MAX_ORDER} characters", field="order_reference"
        )


def expire_coupons(session: Session, ctx: Context) -> int:
    """Coupons that expired unused: their value leaves the coupon's account as breakage, once
    (the posting's reference marks it done). How many expired now."""
    unused = session.scalars(
        select(Coupon)
        .where(Coupon.redeemed_at.is_(None), Coupon.expires_at <= ctx.now)
        .order_by(Coupon.expires_at, Coupon.id)
    ).all()
    expired = 0
    for coupon in unused:
        reference = f"coupon:expire:{coupon.id}"
        if _posted(session, reference):
            continue
        ledger.post(
            session,
            program_id=coupon.program_id,
            trade_in_id=coupon.trade_in_id,
            kind="expire",
            reference=reference,
            entries=[
                Entry(accounts.coupon(coupon.id), coupon.amount, coupon.currency),
                Entry(accounts.COUPON_BREAKAGE, -coupon.amount, coupon.currency),
            ],
            memo="coupon expired unused",
            ctx=ctx,
        )
        expired += 1
    return expired
