"""Trade-in use cases: start one with a quote, then move it through the lifecycle.

Every action first asks the domain whether it is allowed (so an illegal one changes nothing),
then writes its record, the new state and the custody event in the caller's transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import Action, State, next_state
from revalue.domain.program import Pathway, PayoutMethod
from revalue.domain.records import Route, SanitizationResult, route_allowed
from revalue.ids import new_id
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.quotes.models import Quote
from revalue.quotes.schemas import ConditionIn, QuoteRequest
from revalue.tradeins import custody, repository, schemas
from revalue.tradeins.models import Disposition, Inspection, Payment, Sanitization, TradeIn


class TradeInNotFound(NotFound):
    code = "trade_in_not_found"


class QuoteExpired(Conflict):
    code = "quote_expired"


class NotYetExpired(Conflict):
    code = "not_yet_expired"


class NotOffered(InvalidInput):
    code = "not_offered"


class SanitizationRequired(Conflict):
    code = "sanitization_required"


def get(session: Session, trade_in_id: str) -> TradeIn:
    row = repository.get(session, trade_in_id)
    if row is None:
        raise TradeInNotFound(f"no trade-in {trade_in_id!r}", field="trade_in_id")
    return row


def start(session: Session, req: QuoteRequest, ctx: Context) -> tuple[TradeIn, Quote]:
    """An instant quote: priced, stored, and the trade-in it opens, in state ``quoted``."""
    program = programs.get(session, req.program_id)
    condition = req.answers.to_domain()
    priced = quotes.price(
        session,
        program=program,
        variant_sku=req.variant_sku,
        condition=condition,
        as_of=ctx.now,
        model_id=req.model_id,
    )
    expires_at = ctx.now + timedelta(days=program.quote_validity_days)
    trade_in_id = new_id("t", ctx.now)
    quote = quotes.store(
        session,
        kind="initial",
        program=program,
        trade_in_id=trade_in_id,
        variant_sku=req.variant_sku,
        condition=condition,
        priced=priced,
        as_of=ctx.now,
        expires_at=expires_at,
        ctx=ctx,
    )
    trade_in = TradeIn(
        id=trade_in_id,
        program_id=program.id,
        model_id=priced.model_id,
        variant_sku=req.variant_sku,
        state=str(State.QUOTED),
        quote_id=quote.id,
        expires_at=expires_at,
        created_at=ctx.now,
        updated_at=ctx.now,
        last_seq=0,
        last_hash="0" * 64,
    )
    custody.append(
        session,
        trade_in,
        action="quote",
        from_state=None,
        to_state=str(State.QUOTED),
        ctx=ctx,
        data={
            "quote_id": quote.id,
            "offers": {o["method"]: o["amount"] for o in quote.offers},
            "currency": quote.currency,
            "grade": quote.grade,
        },
    )
    return trade_in, quote


def _target(trade_in: TradeIn, action: Action) -> State:
    pathway = Pathway(trade_in.pathway) if trade_in.pathway else None
    return next_state(state=State(trade_in.state), action=action, pathway=pathway)


def _move(
    session: Session, trade_in: TradeIn, action: Action, ctx: Context, data: dict[str, Any]
) -> None:
    target = _target(trade_in, action)
    custody.append(
        session,
        trade_in,
        action=str(action),
        from_state=trade_in.state,
        to_state=str(target),
        ctx=ctx,
        data=data,
    )
    trade_in.state = str(target)
    trade_in.updated_at = ctx.now


def accept(session: Session, trade_in_id: str, data: schemas.AcceptIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    trade_in.pathway = str(data.pathway)  # checked against the transition just below
    _target(trade_in, Action.ACCEPT)
    if ctx.now >= trade_in.expires_at:
        raise QuoteExpired(
            f"the quote expired at {trade_in.expires_at.isoformat()}; ask for a new one",
            expires_at=trade_in.expires_at.isoformat(),
        )
    program = programs.get(session, trade_in.program_id)
    if str(data.pathway) not in program.pathways:
        raise NotOffered(
            f"program {program.id!r} has no {data.pathway} pathway",
            field="pathway",
            offered=program.pathways,
        )
    quote = quotes.get(session, trade_in.quote_id)
    amount = quotes.offer_amount(quote, str(data.payout_method))
    trade_in.payout_method = str(data.payout_method)
    _move(
        session,
        trade_in,
        Action.ACCEPT,
        ctx,
        {
            "quote_id": quote.id,
            "payout_method": str(data.payout_method),
            "pathway": str(data.pathway),
            "amount": amount,
            "currency": quote.currency,
        },
    )
    return trade_in


def await_shipment(
    session: Session, trade_in_id: str, data: schemas.ShipmentIn, ctx: Context
) -> TradeIn:
    return _simple(session, trade_in_id, Action.AWAIT_SHIPMENT, ctx, data.model_dump())


def ship(session: Session, trade_in_id: str, data: schemas.ShipmentIn, ctx: Context) -> TradeIn:
    return _simple(session, trade_in_id, Action.SHIP, ctx, data.model_dump())


def receive(session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context) -> TradeIn:
    return _simple(session, trade_in_id, Action.RECEIVE, ctx, data.model_dump())


def return_device(
    session: Session, trade_in_id: str, data: schemas.ShipmentIn, ctx: Context
) -> TradeIn:
    return _simple(session, trade_in_id, Action.RETURN, ctx, data.model_dump())


def decline_requote(
    session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context
) -> TradeIn:
    return _simple(session, trade_in_id, Action.DECLINE_REQUOTE, ctx, data.model_dump())


def _simple(
    session: Session, trade_in_id: str, action: Action, ctx: Context, data: dict[str, Any]
) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _move(session, trade_in, action, ctx, {k: v for k, v in data.items() if v is not None})
    return trade_in


def cancel(session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.CANCEL)
    trade_in.reason = data.note or "cancelled by the customer"
    _move(session, trade_in, Action.CANCEL, ctx, {"reason": trade_in.reason})
    return trade_in


def expire(session: Session, trade_in_id: str, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.EXPIRE)
    if ctx.now < trade_in.expires_at:
        raise NotYetExpired(
            f"the price lock runs until {trade_in.expires_at.isoformat()}",
            expires_at=trade_in.expires_at.isoformat(),
        )
    _move(session, trade_in, Action.EXPIRE, ctx, {"expires_at": trade_in.expires_at.isoformat()})
    return trade_in


def expire_due(session: Session, ctx: Context) -> int:
    """Expire every quote and unshipped acceptance whose price lock has ended."""
    states = [str(State.QUOTED), str(State.AWAITING_SHIPMENT)]
    ids = repository.due_to_expire(session, ctx.now, states)
    for trade_in_id in ids:
        expire(session, trade_in_id, ctx)
    return len(ids)


def reject(session: Session, trade_in_id: str, data: schemas.RejectIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.REJECT)
    trade_in.reason = str(data.reason) + (f": {data.note}" if data.note else "")
    _move(session, trade_in, Action.REJECT, ctx, {"reason": str(data.reason), "note": data.note})
    return trade_in


def inspect(session: Session, trade_in_id: str, data: schemas.InspectIn, ctx: Context) -> TradeIn:
    """Record what was found; a lower value than quoted becomes a re-quote, never a silent cut.

    The found condition is priced on the quote's locked terms and date: the customer keeps
    the price lock whatever the price book says today, and only the condition changes the
    offer. A device found no worse than declared keeps its quote.
    """
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.INSPECT)
    quote = quotes.get(session, trade_in.quote_id)
    found = data.condition.to_domain()
    repriced = quotes.reprice(quote, found)
    found_quotation = repriced.quotation
    grade = str(found_quotation.grade) if found_quotation.grade else None
    repository.add(
        session,
        Inspection(
            trade_in_id=trade_in.id,
            inspector=ctx.actor,
            condition=ConditionIn.dump(found),
            grade=grade,
            notes=data.notes,
            inspected_at=ctx.now,
        ),
    )
    _move(
        session,
        trade_in,
        Action.INSPECT,
        ctx,
        {"grade": grade, "condition": ConditionIn.dump(found)},
    )
    method = trade_in.payout_method or ""
    quoted = quotes.offer_amount(quote, method)
    found_amount = found_quotation.offer_for(PayoutMethod(method)).amount.amount
    if found_amount < quoted:
        program = programs.get(session, trade_in.program_id)
        requote = quotes.store(
            session,
            kind="requote",
            program=program,
            trade_in_id=trade_in.id,
            variant_sku=trade_in.variant_sku,
            condition=found,
            priced=repriced,
            as_of=quote.as_of,
            expires_at=ctx.now + timedelta(days=program.quote_validity_days),
            ctx=ctx,
        )
        trade_in.requote_id = requote.id
        trade_in.expires_at = requote.expires_at
        _move(
            session,
            trade_in,
            Action.OFFER_REQUOTE,
            ctx,
            {
                "requote_id": requote.id,
                "quoted": quoted,
                "found": found_amount,
                "difference": found_amount - quoted,
                "currency": quote.currency,
            },
        )
    return trade_in


def accept_requote(
    session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context
) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.ACCEPT_REQUOTE)
    if ctx.now >= trade_in.expires_at:
        raise QuoteExpired(
            f"the re-quote expired at {trade_in.expires_at.isoformat()}",
            expires_at=trade_in.expires_at.isoformat(),
        )
    requote = quotes.get(session, trade_in.requote_id or "")
    amount = quotes.offer_amount(requote, trade_in.payout_method or "")
    _move(
        session,
        trade_in,
        Action.ACCEPT_REQUOTE,
        ctx,
        {"requote_id": requote.id, "amount": amount, "note": data.note},
    )
    return trade_in


def sanitize(session: Session, trade_in_id: str, data: schemas.SanitizeIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.SANITIZE)
    record = {
        "level": str(data.level),
        "technique": str(data.technique),
        "result": str(data.result),
    }
    repository.add(
        session,
        Sanitization(trade_in_id=trade_in.id, operator=ctx.actor, completed_at=ctx.now, **record),
    )
    _move(session, trade_in, Action.SANITIZE, ctx, record)
    return trade_in


NOTHING_OWED = frozenset(
    {State.CANCELLED, State.EXPIRED, State.REJECTED, State.RETURNED, State.REQUOTE_DECLINED}
)


def payable(session: Session, trade_in: TradeIn) -> tuple[int, str] | None:
    """(amount, currency) owed (or paid) for the accepted offer; None when nothing is owed."""
    if trade_in.payout_method is None or trade_in.state in NOTHING_OWED:
        return None
    if trade_in.state == State.DISPOSED:  # paid, or a rejected device recycled unpaid
        payment = repository.payment(session, trade_in.id)
        return None if payment is None else (payment.amount, payment.currency)
    accepted_requote = trade_in.requote_id and trade_in.state != State.REQUOTE_OFFERED
    quote = quotes.get(session, trade_in.requote_id if accepted_requote else trade_in.quote_id)
    return quotes.offer_amount(quote, trade_in.payout_method), quote.currency


def pay(session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context) -> TradeIn:
    """Pay exactly once: the state machine refuses a second pay, the unique row backs it up."""
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.PAY)
    owed = payable(session, trade_in)
    assert owed is not None  # a sanitized trade-in was accepted with a payout method
    amount, currency = owed
    payment = Payment(
        trade_in_id=trade_in.id,
        method=trade_in.payout_method,
        amount=amount,
        currency=currency,
        reference=new_id("pay", ctx.now),
        paid_at=ctx.now,
    )
    repository.add(session, payment)
    _move(
        session,
        trade_in,
        Action.PAY,
        ctx,
        {
            "amount": amount,
            "currency": currency,
            "method": trade_in.payout_method,
            "reference": payment.reference,
        },
    )
    return trade_in


def dispose(session: Session, trade_in_id: str, data: schemas.DisposeIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    _target(trade_in, Action.DISPOSE)
    record = repository.latest_sanitization(session, trade_in.id)
    result = SanitizationResult(record.result) if record else None
    if trade_in.state == str(State.REJECTED) and data.route != Route.RECYCLE:
        raise SanitizationRequired(
            "a rejected device can only be recycled", field="route", route=str(data.route)
        )
    if not route_allowed(route=data.route, sanitization=result):
        raise SanitizationRequired(
            f"route {data.route} puts the device in someone else's hands: it needs a "
            f"sanitization that fully erased it (last result: {result or 'none'})",
            field="route",
            route=str(data.route),
        )
    repository.add(
        session, Disposition(trade_in_id=trade_in.id, route=str(data.route), disposed_at=ctx.now)
    )
    _move(session, trade_in, Action.DISPOSE, ctx, {"route": str(data.route)})
    return trade_in
