"""Trade-in use cases on the customer's side: start one with a quote, accept, ship, cancel,
answer a re-quote, expire. What the processing site does is in ``processing``.

Every action first asks the domain whether it is allowed (so an illegal one changes nothing),
then writes its record, the new state and the custody event in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from revalue.customers import contacts
from revalue.domain.context import Context
from revalue.domain.custody import GENESIS
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.lifecycle import Action, State, next_state, offer_final
from revalue.domain.program import Pathway
from revalue.events import outbox
from revalue.ids import new_id
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.quotes.models import Quote
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import custody, repository, schemas
from revalue.tradeins.models import TradeIn


class TradeInNotFound(NotFound):
    code = "trade_in_not_found"


class QuoteExpired(Conflict):
    code = "quote_expired"


class NotYetExpired(Conflict):
    code = "not_yet_expired"


class NotOffered(InvalidInput):
    code = "not_offered"


def get(session: Session, trade_in_id: str) -> TradeIn:
    row = repository.get(session, trade_in_id)
    if row is None:
        raise TradeInNotFound(f"no trade-in {trade_in_id!r}", field="trade_in_id")
    return row


def start(session: Session, req: QuoteRequest, ctx: Context) -> tuple[TradeIn, Quote]:
    """An instant quote: priced, stored, and the trade-in it opens, in state ``quoted``."""
    inputs = programs.pricing_inputs(session, req.program_id)
    program = inputs.program
    condition = req.answers.to_domain()
    priced = quotes.price(
        inputs=inputs,
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
    trade_in = quoted(
        trade_in_id=trade_in_id,
        program_id=program.id,
        model_id=priced.model_id,
        variant_sku=req.variant_sku,
        quote_id=quote.id,
        expires_at=expires_at,
        now=ctx.now,
    )
    event = custody.link(
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
    repository.insert_new(session, trade_in)  # with its chain head, before the event refers to it
    repository.insert_event(session, event)
    announce(session, trade_in, "quote", None, ctx, event["data"])
    return trade_in, quote


def quoted(
    *,
    trade_in_id: str,
    program_id: str,
    model_id: str,
    variant_sku: str,
    quote_id: str,
    expires_at: datetime,
    now: datetime,
) -> TradeIn:
    """A trade-in just quoted, at the start of its custody chain (not yet stored)."""
    return TradeIn(
        id=trade_in_id,
        program_id=program_id,
        model_id=model_id,
        variant_sku=variant_sku,
        state=str(State.QUOTED),
        quote_id=quote_id,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
        last_seq=0,
        last_hash=GENESIS,
        version=1,
    )


def target(trade_in: TradeIn, action: Action) -> State:
    """The state ``action`` leads to, or IllegalTransition: ask before writing anything."""
    pathway = Pathway(trade_in.pathway) if trade_in.pathway else None
    return next_state(state=State(trade_in.state), action=action, pathway=pathway)


def move(
    session: Session, trade_in: TradeIn, action: Action, ctx: Context, data: dict[str, Any]
) -> None:
    """Change the state and append the custody event, in the caller's transaction."""
    to_state = str(target(trade_in, action))
    custody.append(
        session,
        trade_in,
        action=str(action),
        from_state=trade_in.state,
        to_state=to_state,
        ctx=ctx,
        data=data,
    )
    from_state, trade_in.state = trade_in.state, to_state
    trade_in.updated_at = ctx.now
    if trade_in.offer_final_at is None and offer_final(
        State(to_state),
        second_opinion_required=trade_in.second_opinion == "required",
        rejected=trade_in.reason is not None,
    ):
        trade_in.offer_final_at = ctx.now
    announce(session, trade_in, str(action), from_state, ctx, data)


# What partners hear of an event besides its states, per action: amounts and choices, never
# free text (a note may hold anything a person typed).
_SHARED = {
    "quote": ("quote_id", "offers", "currency", "grade"),
    str(Action.ACCEPT): ("payout_method", "pathway", "amount", "currency"),
    str(Action.OFFER_REQUOTE): ("requote_id", "quoted", "found", "difference", "currency"),
}


def announce(
    session: Session,
    trade_in: TradeIn,
    action: str,
    from_state: str | None,
    ctx: Context,
    data: dict[str, Any],
) -> None:
    """Tell the program's webhook subscribers, in this transaction (the outbox)."""
    payload = {
        "trade_in_id": trade_in.id,
        "program_id": trade_in.program_id,
        "action": action,
        "from_state": from_state,
        "to_state": trade_in.state,
        "seq": trade_in.last_seq,
        "occurred_at": ctx.now.isoformat(),
        **{k: data[k] for k in _SHARED.get(action, ()) if k in data},
    }
    types = [outbox.TRADE_IN_STATE_CHANGED]
    if action == Action.OFFER_REQUOTE:
        types.append(outbox.TRADE_IN_REQUOTE_OFFERED)
    for kind in types:
        outbox.emit(
            session,
            program_id=trade_in.program_id,
            type=kind,
            payload=payload,
            ctx=ctx,
            trade_in_id=trade_in.id,
        )


def accept(session: Session, trade_in_id: str, data: schemas.AcceptIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    trade_in.pathway = str(data.pathway)  # checked against the transition just below
    target(trade_in, Action.ACCEPT)
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
    if data.pathway == Pathway.MAIL_IN:
        # The price holds until the program's days to ship are up: the deadline to send it.
        trade_in.expires_at = ctx.now + timedelta(days=program.ship_by_days)
    event = {
        "quote_id": quote.id,
        "payout_method": str(data.payout_method),
        "pathway": str(data.pathway),
        "amount": amount,
        "currency": quote.currency,
    }
    if data.contact is not None:
        # The custody log keeps the contact's id only, so erasing the details later leaves
        # every hash intact.
        event["contact_ref"] = contacts.save(session, trade_in.id, data.contact, ctx).id
    move(session, trade_in, Action.ACCEPT, ctx, event)
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
    move(session, trade_in, action, ctx, {k: v for k, v in data.items() if v is not None})
    return trade_in


def cancel(session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.CANCEL)
    trade_in.reason = data.note or "cancelled by the customer"
    move(session, trade_in, Action.CANCEL, ctx, {"reason": trade_in.reason})
    return trade_in


def expire(session: Session, trade_in_id: str, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.EXPIRE)
    if ctx.now < trade_in.expires_at:
        raise NotYetExpired(
            f"the price lock runs until {trade_in.expires_at.isoformat()}",
            expires_at=trade_in.expires_at.isoformat(),
        )
    move(session, trade_in, Action.EXPIRE, ctx, {"expires_at": trade_in.expires_at.isoformat()})
    return trade_in


def expire_due(session: Session, ctx: Context) -> int:
    """Expire every quote whose price lock has ended, and every mail-in acceptance not shipped
    by its deadline where the program expires them."""
    ids = repository.quotes_and_unshipped_due(session, ctx.now)
    for trade_in_id in ids:
        expire(session, trade_in_id, ctx)
    return len(ids)


def accept_requote(
    session: Session, trade_in_id: str, data: schemas.NoteIn, ctx: Context
) -> TradeIn:
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.ACCEPT_REQUOTE)
    if ctx.now >= trade_in.expires_at:
        raise QuoteExpired(
            f"the re-quote expired at {trade_in.expires_at.isoformat()}",
            expires_at=trade_in.expires_at.isoformat(),
        )
    requote = quotes.get(session, trade_in.requote_id or "")
    amount = quotes.offer_amount(requote, trade_in.payout_method or "")
    move(
        session,
        trade_in,
        Action.ACCEPT_REQUOTE,
        ctx,
        {"requote_id": requote.id, "amount": amount, "note": data.note},
    )
    return trade_in
