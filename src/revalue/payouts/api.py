"""Payouts over HTTP: pay a trade-in (finance), approve a payout held above the limit (another
person), and the queue of payouts awaiting approval."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.access import ALL_STAFF, Kind, Role
from revalue.domain.errors import NotFound
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.payouts import cash, instant, queries, redemption, service
from revalue.payouts.instruments import cipher
from revalue.payouts.schemas import ExecutedIn, FailedIn, OverdueOut, PayIn, PaymentOut
from revalue.tradeins import repository, views
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import Payment, TradeIn
from revalue.tradeins.schemas import TradeInOut
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["payouts"])
A, F, AU, PM = Role.ADMIN, Role.FINANCE, Role.AUDITOR, Role.PROGRAM_MANAGER


class NoPayout(NotFound):
    code = "payout_not_found"


def _act(request: Request, trade_in_id: str, body: PayIn | None, fn):  # type: ignore[no-untyped-def]
    data = body or PayIn()
    box = cipher(state(request).settings.secrets_dir)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        payment = fn(s, trade_in_id, data, ctx, box=box)
        return views.to_out(s, tradeins.get(s, payment.trade_in_id))

    return perform(request, work, payload=data)


@router.post("/trade-ins/{trade_in_id}/pay", response_model=TradeInOut)
def pay(
    trade_in_id: str,
    request: Request,
    body: PayIn | None = Body(None),
    grant: Grant = Depends(allow(A, F, scope=TRADE_IN)),
):
    """Pay the customer the final offer, exactly once, in the method they chose (above the
    program's limit the payout waits for a second person's approval)."""
    return _act(request, trade_in_id, body, service.pay)


@router.post("/trade-ins/{trade_in_id}/pay/instant", response_model=TradeInOut)
def pay_instant(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(A, F, Role.STORE_ASSOCIATE, scope=TRADE_IN)),
):
    """At hand-over in store, where the program allows it: store credit for the quoted offer
    now, adjusted or clawed back once the offer is final (POST /payouts/reconcile)."""
    return _act(
        request,
        trade_in_id,
        None,
        lambda s, t, d, ctx, box: instant.pay_instant(s, t, ctx, box=box),
    )


@router.post("/payouts/reconcile")
def reconcile(request: Request, grant: Grant = Depends(allow(A, F))) -> dict[str, Any]:
    """Settle instant credit whose offer is now final: a top-up, or a clawback from the card
    (and a receivable for what was spent); and move coupons that expired unused to breakage.
    Run it on a schedule, like expire-due."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        settled = [asdict(a) for a in instant.reconcile(s, ctx)]
        return {"settled": settled, "coupons_expired": redemption.expire_coupons(s, ctx)}

    return perform(request, work)


@router.post("/trade-ins/{trade_in_id}/payout/approve", response_model=TradeInOut)
def approve(
    trade_in_id: str,
    request: Request,
    body: PayIn | None = Body(None),
    grant: Grant = Depends(allow(A, F, scope=TRADE_IN)),
):
    """Approve a payout held above the limit (someone other than who asked), and pay it."""
    return _act(request, trade_in_id, body, service.approve)


@router.get("/trade-ins/{trade_in_id}/payout", response_model=PaymentOut)
def payout(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The trade-in's payout and what it created: the store-credit card (with its balance) or
    coupon, the cash instruction, or the points. Codes in full for the customer and the
    retailer's systems only."""
    tradeins.get(session, trade_in_id)
    row = repository.payment(session, trade_in_id)
    if row is None:
        raise NoPayout(f"trade-in {trade_in_id} has not been paid", field="trade_in_id")
    box = cipher(state(request).settings.secrets_dir)
    reveal = grant.who is not None and grant.who.kind is not Kind.STAFF
    out = PaymentOut.model_validate(row, from_attributes=True)
    out.instrument = queries.instrument(session, row, box=box, reveal=reveal)
    return out


@router.post("/trade-ins/{trade_in_id}/payout/executed", response_model=PaymentOut)
def cash_executed(
    trade_in_id: str,
    body: ExecutedIn,
    request: Request,
    grant: Grant = Depends(allow(A, F, scope=TRADE_IN)),
):
    """Confirm a cash payout a person executed, with the bank's (or PayPal's) reference: the
    clearing account is settled into the bank."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        payment = cash.executed(s, trade_in_id, body.bank_reference, ctx)
        out = PaymentOut.model_validate(payment, from_attributes=True)
        box = cipher(state(request).settings.secrets_dir)
        out.instrument = queries.instrument(s, payment, box=box, reveal=False)
        return out

    return perform(request, work, payload=body)


@router.post("/trade-ins/{trade_in_id}/payout/failed", response_model=PaymentOut)
def cash_failed(
    trade_in_id: str,
    body: FailedIn,
    request: Request,
    grant: Grant = Depends(allow(A, F, scope=TRADE_IN)),
):
    """A cash transfer that did not reach the customer (a wrong account, a bounce): reversed
    on the ledger, so the customer is owed again; pay again to another destination."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        payment = cash.failed(s, trade_in_id, body.reason, ctx)
        return PaymentOut.model_validate(payment, from_attributes=True)

    return perform(request, work, payload=body)


@router.get("/payouts/awaiting-approval", response_model=list[PaymentOut])
def awaiting_approval(
    grant: Grant = Depends(allow(A, F, PM, AU)),
    session: Session = Depends(read_session),
):
    """Payouts above their program's limit waiting for a second person, oldest first."""
    stmt = (
        select(Payment)
        .join(TradeIn, TradeIn.id == Payment.trade_in_id)
        .where(Payment.status == service.AWAITING_APPROVAL)
    )
    within = grant.programs()
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    rows = session.scalars(stmt.order_by(Payment.requested_at, Payment.id))
    return [PaymentOut.model_validate(p, from_attributes=True) for p in rows]


@router.get("/payouts/overdue", response_model=list[OverdueOut])
def overdue_payouts(
    request: Request,
    grant: Grant = Depends(allow(A, F, PM, AU)),
    session: Session = Depends(read_session),
):
    """Customers not paid within their program's payout deadline (business days from the
    final offer), the longest overdue first."""
    now = state(request).clock()
    return [
        OverdueOut(
            trade_in_id=t.id,
            program_id=t.program_id,
            payout_method=t.payout_method,
            offer_final_at=t.offer_final_at,
            due_at=due,
            status=payment.status if payment else "unpaid",
        )
        for t, due, payment in queries.overdue(session, now, grant.programs())
    ]
