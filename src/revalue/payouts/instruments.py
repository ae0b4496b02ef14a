"""What customers are paid in and spend at the retailer: store credit and coupons, issued.

Both are issued inside the payout's transaction, each with a ledger account of its own that
the payout credits: a card's balance is its account's, never a stored number. Their codes are
bearer secrets, kept encrypted (to show the customer again) and as a SHA-256 (what a till's
code is looked up by: ``redemption``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue import keyring
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput
from revalue.domain.ledger import Entry
from revalue.domain.money import InvalidAmount, check_currency
from revalue.events import signing
from revalue.ids import new_id
from revalue.payouts import accounts, codes, ledger
from revalue.payouts.models import Coupon, StoreCredit
from revalue.tokens import digest

Instrument = StoreCredit | Coupon


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # in ledger references and messages
    prefix: str  # of its codes
    account: Callable[[str], str]  # its ledger account, by its id


KINDS: dict[type[Instrument], Kind] = {
    StoreCredit: Kind("store_credit", codes.STORE_CREDIT, accounts.store_credit),
    Coupon: Kind("coupon", codes.COUPON, accounts.coupon),
}


class AlreadyIssued(Conflict):
    code = "instrument_already_issued"


def issue_store_credit(
    session: Session,
    *,
    program_id: str,
    trade_in_id: str,
    amount: int,
    currency: str,
    box: Fernet,
    ctx: Context,
) -> tuple[StoreCredit, str]:
    """A new card holding ``amount``, paid out of the trade-in liability; the card and its
    code in plain (``reveal`` shows it again)."""
    check_amount(amount)
    check_currency(currency)
    _refuse_second(session, StoreCredit, trade_in_id)
    code = codes.new_code(codes.STORE_CREDIT)
    card = StoreCredit(
        id=new_id("sc", ctx.now),
        program_id=program_id,
        trade_in_id=trade_in_id,
        code_hash=digest(code),
        code_encrypted=signing.seal(box, code),
        last4=codes.last4(code),
        currency=currency,
        issued_amount=amount,
        issued_at=ctx.now,
    )
    session.add(card)
    session.flush()
    _pay_into(session, card, amount, ctx)
    return card, code


def issue_coupon(
    session: Session,
    *,
    program_id: str,
    trade_in_id: str,
    amount: int,
    currency: str,
    customer_email: str,
    days: int,
    box: Fernet,
    ctx: Context,
) -> tuple[Coupon, str]:
    """A single-use coupon worth ``amount`` off a purchase by this customer within ``days``,
    paid out of the trade-in liability; the coupon and its code in plain."""
    check_amount(amount)
    check_currency(currency)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidInput(f"a coupon is valid for at least a day, not {days!r}", field="days")
    _refuse_second(session, Coupon, trade_in_id)
    code = codes.new_code(codes.COUPON)
    coupon = Coupon(
        id=new_id("cp", ctx.now),
        program_id=program_id,
        trade_in_id=trade_in_id,
        code_hash=digest(code),
        code_encrypted=signing.seal(box, code),
        customer_hash=customer_hash(customer_email),
        amount=amount,
        currency=currency,
        issued_at=ctx.now,
        expires_at=ctx.now + timedelta(days=days),
    )
    session.add(coupon)
    session.flush()
    _pay_into(session, coupon, amount, ctx)
    return coupon, code


def reveal(box: Fernet, row: Instrument) -> str:
    """The plain code, for its customer's eyes only."""
    return signing.unseal(box, row.code_encrypted)


def check_amount(amount: int) -> None:
    # bool is an int to Python, and a float is never exact money: both are refused.
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount(
            f"an amount is a positive whole number of minor units, not {amount!r}",
            field="amount",
        )


def cipher(secrets_dir: str) -> Fernet:
    """What encrypts codes and cash destinations at rest: a key of its own, apart from the
    webhook secrets' key, made at first use in the secrets directory."""
    return keyring.fernet(secrets_dir, "payout-codes")


def customer_hash(email: str) -> str:
    # Normalized as customer contacts are, so the address typed at the till matches.
    return digest(email.strip().lower())


def _pay_into(session: Session, row: Instrument, amount: int, ctx: Context) -> None:
    """The trade-in liability paid out into the new instrument's account."""
    kind = KINDS[type(row)]
    ledger.post(
        session,
        program_id=row.program_id,
        trade_in_id=row.trade_in_id,
        kind=ledger.PAY,
        reference=f"{kind.name}:issue:{row.id}",
        entries=[
            Entry(accounts.TRADE_IN_LIABILITY, amount, row.currency),
            Entry(kind.account(row.id), -amount, row.currency),
        ],
        memo=f"{kind.name} issued",
        ctx=ctx,
    )


def _refuse_second(session: Session, model: type[Instrument], trade_in_id: str) -> None:
    # A trade-in is paid once: a second instrument for it is a bug in the caller, said plainly
    # rather than as the unique constraint's integrity error.
    if session.scalar(select(model.id).where(model.trade_in_id == trade_in_id)) is not None:
        raise AlreadyIssued(
            f"trade-in {trade_in_id} has its {KINDS[model].name} already",
            field="trade_in_id",
        )
