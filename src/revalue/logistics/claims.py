"""Transit claims: a parcel the carrier lost, or one in transit longer than the program's
days. The customer is never charged for the carrier's loss: with ``pay_quote`` the trade-in
is declared lost at once (its offer becomes final, so ``POST /trade-ins/{id}/pay`` pays it
as quoted); with ``investigate`` the claim waits for staff to resolve it, lost or found."""

from __future__ import annotations

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.lifecycle import Action, State
from revalue.domain.logistics import LossProtection
from revalue.ids import new_id
from revalue.logistics import repository
from revalue.logistics.models import Shipment, TransitClaim
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.tradeins import custody
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import TradeIn

OPEN, REVIEW, FOUND, LOST = "open", "review", "found", "lost"
UNRESOLVED = (OPEN, REVIEW)


class ClaimNotFound(NotFound):
    code = "claim_not_found"


class ClaimResolved(Conflict):
    code = "claim_resolved"


def get(session: Session, claim_id: str) -> TransitClaim:
    row = repository.claim(session, claim_id)
    if row is None:
        raise ClaimNotFound(f"no transit claim {claim_id!r}", field="claim_id")
    return row


def open_claim(
    session: Session, shipment: Shipment, trade_in: TradeIn, reason: str, ctx: Context
) -> TransitClaim:
    """Open the shipment's claim (one per shipment: an open one is returned as it is) and
    protect the customer as the program says. Only parcels in transit: one never shipped
    falls under the ship-by rule instead."""
    existing = repository.claim_for(session, shipment.id)
    if existing is not None:
        return existing
    tradeins.target(trade_in, Action.DECLARE_LOST)  # in transit, else 409 and nothing written
    program = programs.get(session, trade_in.program_id)
    quote = quotes.get(session, trade_in.quote_id)
    claim = TransitClaim(
        id=new_id("clm", ctx.now),
        program_id=trade_in.program_id,
        shipment_id=shipment.id,
        trade_in_id=trade_in.id,
        status=OPEN,
        protection=program.loss_protection,
        reason=reason[:400],
        # What the customer is owed is what is claimed from the carrier.
        amount=quotes.offer_amount(quote, trade_in.payout_method or ""),
        currency=quote.currency,
        opened_at=ctx.now,
        opened_by=ctx.actor,
        note="",
    )
    session.add(claim)
    session.flush()
    data = {"claim_id": claim.id, "shipment_id": shipment.id, "protection": claim.protection}
    if claim.protection == LossProtection.PAY_QUOTE:
        _declare_lost(session, trade_in, shipment, {**data, "reason": claim.reason}, ctx)
    else:
        custody.note(session, trade_in, "claim_opened", {**data, "reason": claim.reason}, ctx)
    return claim


def _declare_lost(
    session: Session, trade_in: TradeIn, shipment: Shipment, data: dict, ctx: Context
) -> None:
    tradeins.move(session, trade_in, Action.DECLARE_LOST, ctx, data)
    shipment.status = "lost"
    shipment.updated_at = ctx.now


def resolve(
    session: Session,
    claim_id: str,
    outcome: str,
    ctx: Context,
    *,
    note: str = "",
    carrier_reference: str | None = None,
) -> TransitClaim:
    """Staff close a claim: ``lost`` (the trade-in is declared lost if it is not yet: paid as
    quoted) or ``found`` (the parcel continues; a customer paid already keeps the payout)."""
    claim = get(session, claim_id)
    if claim.status not in UNRESOLVED:
        raise ClaimResolved(
            f"claim {claim.id} was resolved as {claim.status}", resolved_as=claim.status
        )
    shipment = repository.shipment(session, claim.shipment_id)
    trade_in = tradeins.get(session, claim.trade_in_id or "")
    assert shipment is not None  # a foreign key
    data = {"claim_id": claim.id, "shipment_id": shipment.id, "outcome": outcome}
    if outcome == LOST and trade_in.state == State.IN_TRANSIT:
        _declare_lost(session, trade_in, shipment, {**data, "protection": claim.protection}, ctx)
    else:
        if outcome == FOUND and shipment.status == "lost":
            shipment.status = "in_transit"
            shipment.updated_at = ctx.now
        custody.note(session, trade_in, "claim_resolved", data, ctx)
    claim.status = outcome
    claim.resolved_at = ctx.now
    claim.resolved_by = ctx.actor
    if carrier_reference:
        claim.carrier_reference = carrier_reference
    if note:
        claim.note = (f"{claim.note}\n{note}" if claim.note else note)[:2000]
    return claim


def mark_for_review(claim: TransitClaim, why: str, ctx: Context) -> None:
    """The carrier scanned a parcel declared lost: someone looks at the claim again."""
    claim.status = REVIEW
    line = f"{ctx.now.isoformat()} {why}"
    claim.note = (f"{claim.note}\n{line}" if claim.note else line)[:2000]
