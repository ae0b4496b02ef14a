"""Store credit and coupons at the retailer's till or web shop, over the partner API.

Codes travel in request bodies, never in URLs, so they stay out of access logs; responses
never carry them, so neither do the stored replies of ``Idempotency-Key``.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StrictInt
from sqlalchemy.orm import Session

from revalue.customers.schemas import EMAIL
from revalue.domain.access import Role
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.payouts import redemption
from revalue.payouts.models import Coupon, StoreCredit
from revalue.schemas_common import CurrencyCode, Strict, UTCTime

router = APIRouter(responses=ERROR_RESPONSES, tags=["redemption"])
# Who stands at a till: the retailer's systems (a partner key), store associates, admins.
TILL = (Role.ADMIN, Role.STORE_ASSOCIATE)

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        description="As printed; case, spaces and dashes do not matter",
        examples=["RV-7K2M-Q9XD-4HTP-3WZ8"],
    ),
]
OrderReference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=redemption.MAX_ORDER,
        pattern=r"^[!-~]+$",
        description="The retailer's order number: printable ASCII, no spaces",
        examples=["WEB-100234"],
    ),
]


class BalanceIn(Strict):
    program_id: str = Field(max_length=60)
    code: Code


class StoreCreditRedeemIn(BalanceIn):
    amount: Annotated[StrictInt, Field(gt=0, le=10**12, description="Minor units")]
    currency: CurrencyCode
    order_reference: OrderReference


class CouponRedeemIn(Strict):
    program_id: str = Field(max_length=60)
    code: Code
    customer_email: str = Field(max_length=254, pattern=EMAIL, examples=["ada@example.com"])
    order_reference: OrderReference


class BalanceOut(BaseModel):
    balance: int = Field(description="Minor units left on the card")
    currency: str
    last4: str


class StoreCreditRedeemedOut(BalanceOut):
    transaction_id: str = Field(description="The ledger transaction, for reconciliation")
    order_reference: str
    amount: int = Field(description="Minor units spent")


class CouponRedeemedOut(BaseModel):
    transaction_id: str
    order_reference: str
    amount: int = Field(description="Minor units off the order")
    currency: str
    redeemed_at: UTCTime


@router.post("/store-credits/balance", response_model=BalanceOut)
def store_credit_balance(
    body: BalanceIn,
    grant: Grant = Depends(allow(*TILL, Role.FINANCE, partner=True)),
    session: Session = Depends(read_session),
) -> BalanceOut:
    """What is left on a card (the code in the body, kept out of URLs and their logs)."""
    grant.require_program(body.program_id, lambda: redemption.not_found(StoreCredit))
    card, balance = redemption.store_credit_balance(
        session, program_id=body.program_id, code=body.code
    )
    return BalanceOut(balance=balance, currency=card.currency, last4=card.last4)


@router.post("/store-credits/redeem", response_model=StoreCreditRedeemedOut)
def redeem_store_credit(
    body: StoreCreditRedeemIn,
    request: Request,
    grant: Grant = Depends(allow(*TILL, partner=True)),
):
    """Spend a card on an order, in part or in full. More than its balance is refused (409
    ``insufficient_balance``, naming the balance) and nothing is spent; a card pays each order
    once. Send an ``Idempotency-Key`` to retry safely."""
    grant.require_program(body.program_id, lambda: redemption.not_found(StoreCredit))

    def work(s, ctx):  # type: ignore[no-untyped-def]
        card, spent, balance = redemption.redeem_store_credit(
            s,
            program_id=body.program_id,
            code=body.code,
            amount=body.amount,
            currency=body.currency,
            order_reference=body.order_reference,
            ctx=ctx,
        )
        return StoreCreditRedeemedOut(
            transaction_id=spent.id,
            order_reference=body.order_reference,
            amount=body.amount,
            balance=balance,
            currency=card.currency,
            last4=card.last4,
        )

    return perform(request, work, payload=body)


@router.post("/coupons/redeem", response_model=CouponRedeemedOut)
def redeem_coupon(
    body: CouponRedeemIn,
    request: Request,
    grant: Grant = Depends(allow(*TILL, partner=True)),
):
    """Use a coupon on its customer's order: once (409 ``coupon_used``), before it expires
    (409 ``coupon_expired``). Another customer's e-mail is answered as an unknown code."""
    grant.require_program(body.program_id, lambda: redemption.not_found(Coupon))

    def work(s, ctx):  # type: ignore[no-untyped-def]
        coupon, spent = redemption.redeem_coupon(
            s,
            program_id=body.program_id,
            code=body.code,
            customer_email=body.customer_email,
            order_reference=body.order_reference,
            ctx=ctx,
        )
        return CouponRedeemedOut(
            transaction_id=spent.id,
            order_reference=body.order_reference,
            amount=coupon.amount,
            currency=coupon.currency,
            redeemed_at=ctx.now,
        )

    return perform(request, work, payload=body)
