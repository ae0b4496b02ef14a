"""Read models: a trade-in as the API shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from revalue.domain.lifecycle import State, allowed_actions
from revalue.domain.money import format_major
from revalue.domain.program import Pathway
from revalue.quotes import repository as quotes_repository
from revalue.quotes import service as quotes
from revalue.quotes.models import Quote
from revalue.tradeins import processing, repository
from revalue.tradeins.models import Disposition, Inspection, Payment, Sanitization, TradeIn
from revalue.tradeins.schemas import EventOut, TradeInOut


@dataclass(frozen=True, slots=True)
class Related:
    """What a page of trade-ins shows besides their own rows, each kind loaded in one query."""

    quotes: dict[str, Quote]
    inspections: dict[str, Inspection]
    sanitizations: dict[str, Sanitization]
    payments: dict[str, Payment]
    dispositions: dict[str, Disposition]


def load_related(session: Session, trade_ins: list[TradeIn]) -> Related:
    ids = [t.id for t in trade_ins]
    quote_ids = [q for t in trade_ins for q in (t.quote_id, t.requote_id) if q]
    return Related(
        quotes=quotes_repository.by_id(session, quote_ids),
        **{
            name: repository.latest_records(session, model, ids)
            for name, model in (
                ("inspections", Inspection),
                ("sanitizations", Sanitization),
                ("payments", Payment),
                ("dispositions", Disposition),
            )
        },
    )


def page(session: Session, trade_ins: list[TradeIn]) -> list[TradeInOut]:
    related = load_related(session, trade_ins)
    return [to_out(session, t, related=related) for t in trade_ins]


def to_out(
    session: Session,
    trade_in: TradeIn,
    *,
    with_custody: bool = False,
    related: Related | None = None,
) -> TradeInOut:
    related = related or load_related(session, [trade_in])
    tid = trade_in.id
    owed = processing.owed(
        trade_in,
        quote=related.quotes.__getitem__,
        payment=lambda: related.payments.get(tid),
    )
    inspection = related.inspections.get(tid)
    sanitization = related.sanitizations.get(tid)
    payment = related.payments.get(tid)
    disposition = related.dispositions.get(tid)
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
        second_opinion=trade_in.second_opinion,
        allowed_actions=allowed_actions(state=State(trade_in.state), pathway=pathway),
        payable=None
        if owed is None
        else {
            "amount": owed[0],
            "currency": owed[1],
            "formatted": f"{format_major(owed[0], owed[1])} {owed[1]}",
        },
        quote=quotes.to_out(related.quotes[trade_in.quote_id]),
        requote=quotes.to_out(related.quotes[trade_in.requote_id]) if trade_in.requote_id else None,
        grade=inspection.grade if inspection else None,
        sanitization=None
        if sanitization is None
        else {
            "record_id": sanitization.id,
            "level": sanitization.level,
            "technique": sanitization.technique,
            "result": sanitization.result,
            "tool": sanitization.tool,
            "operator": sanitization.operator,
            "completed_at": sanitization.completed_at,
            "verification": sanitization.verification,
        },
        payment=None
        if payment is None
        else {
            "amount": payment.amount,
            "currency": payment.currency,
            "method": payment.method,
            "reference": payment.reference,
            "status": payment.status,
            "points": payment.points,
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
