"""Read models: a trade-in as the API shows it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from revalue.domain.lifecycle import State, allowed_actions
from revalue.domain.money import format_major
from revalue.domain.program import Pathway
from revalue.quotes import service as quotes
from revalue.tradeins import processing, repository
from revalue.tradeins.models import TradeIn
from revalue.tradeins.schemas import EventOut, TradeInOut


def to_out(session: Session, trade_in: TradeIn, *, with_custody: bool = False) -> TradeInOut:
    owed = processing.payable(session, trade_in)
    inspection = repository.latest_inspection(session, trade_in.id)
    sanitization = repository.latest_sanitization(session, trade_in.id)
    payment = repository.payment(session, trade_in.id)
    disposition = repository.disposition(session, trade_in.id)
    pathway = Pathway(trade_in.pathway) if trade_in.pathway else None
    return TradeInOut(
        id=trade_in.id,
        program_id=trade_in.program_id,
        model_id=trade_in.model_id,
        variant_sku=trade_in.variant_sku,
        state=State(trade_in.state),
        pathway=pathway,
        payout_method=trade_in.payout_method,
        expires_at=trade_in.expires_at,
        reason=trade_in.reason,
        allowed_actions=allowed_actions(state=State(trade_in.state), pathway=pathway),
        payable=None
        if owed is None
        else {
            "amount": owed[0],
            "currency": owed[1],
            "formatted": f"{format_major(owed[0], owed[1])} {owed[1]}",
        },
        quote=quotes.to_out(quotes.get(session, trade_in.quote_id)),
        requote=quotes.to_out(quotes.get(session, trade_in.requote_id))
        if trade_in.requote_id
        else None,
        grade=inspection.grade if inspection else None,
        sanitization=None
        if sanitization is None
        else {
            "level": sanitization.level,
            "technique": sanitization.technique,
            "result": sanitization.result,
            "operator": sanitization.operator,
            "completed_at": sanitization.completed_at,
        },
        payment=None
        if payment is None
        else {
            "amount": payment.amount,
            "currency": payment.currency,
            "method": payment.method,
            "reference": payment.reference,
            "paid_at": payment.paid_at,
        },
        disposition=disposition.route if disposition else None,
        created_at=trade_in.created_at,
        updated_at=trade_in.updated_at,
        custody=[event_out(e) for e in repository.events(session, trade_in.id)]
        if with_custody
        else None,
    )


def event_out(e) -> EventOut:  # type: ignore[no-untyped-def]
    return EventOut(
        id=e.id,
        seq=e.seq,
        occurred_at=e.occurred_at,
        actor=e.actor,
        place=e.place,
        action=e.action,
        from_state=e.from_state,
        to_state=e.to_state,
        data=e.data,
        prev_hash=e.prev_hash,
        hash=e.hash,
    )
