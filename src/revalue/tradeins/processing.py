"""Trade-in use cases at the processing site: reject and dispose (inspection, sanitization
and payouts have their own modules), and what the customer is owed.

Like every action, each first asks the domain whether it is allowed (``service.target``), so an
illegal one changes nothing, then writes its record, the new state and the custody event in the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict
from revalue.domain.lifecycle import Action, State
from revalue.domain.records import (
    Route,
    SanitizationLevel,
    SanitizationResult,
    Verification,
    route_refusal,
)
from revalue.quotes import service as quotes
from revalue.quotes.models import Quote
from revalue.tradeins import repository, schemas, screening
from revalue.tradeins.models import Disposition, Payment, TradeIn
from revalue.tradeins.service import get, move, target


class SanitizationRequired(Conflict):
    code = "sanitization_required"


def reject(session: Session, trade_in_id: str, data: schemas.RejectIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.REJECT)
    trade_in.reason = str(data.reason) + (f": {data.note}" if data.note else "")
    move(session, trade_in, Action.REJECT, ctx, {"reason": str(data.reason), "note": data.note})
    return trade_in


NOTHING_OWED = frozenset(
    {State.CANCELLED, State.EXPIRED, State.REJECTED, State.RETURNED, State.REQUOTE_DECLINED}
)


def payable(session: Session, trade_in: TradeIn) -> tuple[int, str] | None:
    """(amount, currency) owed (or paid) for the accepted offer; None when nothing is owed."""
    return owed(
        trade_in,
        quote=lambda quote_id: quotes.get(session, quote_id),
        payment=lambda: repository.payment(session, trade_in.id),
    )


def offer_quote_id(trade_in: TradeIn) -> str:
    """The quote the accepted offer stands on: the latest re-quote once it is no longer awaiting
    the customer's answer (accepted, or a raised offer), else the first quote."""
    accepted_requote = trade_in.requote_id and trade_in.state != State.REQUOTE_OFFERED
    return trade_in.requote_id if accepted_requote else trade_in.quote_id


def owed(
    trade_in: TradeIn,
    *,
    quote: Callable[[str], Quote],
    payment: Callable[[], Payment | None],
) -> tuple[int, str] | None:
    """``payable`` with the rows it may need given as look-ups (a page of trade-ins loads
    them all at once)."""
    if trade_in.payout_method is None or trade_in.state in NOTHING_OWED:
        return None
    paid = payment()
    if paid is not None:
        return paid.amount, paid.currency
    if trade_in.state == State.DISPOSED and trade_in.reason is not None:
        return None  # a rejected device, recycled: nothing was owed
    row = quote(offer_quote_id(trade_in))
    return quotes.offer_amount(row, trade_in.payout_method), row.currency


def dispose(session: Session, trade_in_id: str, data: schemas.DisposeIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.DISPOSE)
    record = repository.latest_sanitization(session, trade_in.id)
    if data.route != Route.RECYCLE:
        screening.refuse_if_blocked(session, trade_in.id)
    if trade_in.state == str(State.REJECTED) and data.route != Route.RECYCLE:
        raise SanitizationRequired(
            "a rejected device can only be recycled", field="route", route=str(data.route)
        )
    refusal = route_refusal(
        route=data.route,
        result=SanitizationResult(record.result) if record else None,
        level=SanitizationLevel(record.level) if record else None,
        verification=Verification(record.verification) if record else None,
    )
    if refusal:
        raise SanitizationRequired(
            f"route {data.route} puts the device in someone else's hands: {refusal}",
            field="route",
            route=str(data.route),
        )
    repository.add(
        session, Disposition(trade_in_id=trade_in.id, route=str(data.route), disposed_at=ctx.now)
    )
    move(session, trade_in, Action.DISPOSE, ctx, {"route": str(data.route)})
    return trade_in
