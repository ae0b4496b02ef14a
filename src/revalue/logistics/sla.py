"""The program's logistics SLAs, the sweep that enforces them, and the overdue report.

- Ship by: a mail-in acceptance the carrier has not scanned within ``ship_by_days`` (from
  the acceptance, or the last repricing) expires, or is priced again at today's price book
  for the same declared condition (``ship_lapse``); the customer may cancel a new price.
- Transit loss: a parcel scanned on its way and not delivered within ``transit_loss_days``
  gets a transit claim (``claims``): the customer is protected as the program says.
- The overdue report also lists store batches not arrived within ``transfer_loss_days`` of
  dispatch, and devices received and not paid within ``receipt_payout_days``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.lifecycle import Action
from revalue.domain.logistics import ShipLapse
from revalue.logistics import claims, repository
from revalue.programs import service as programs
from revalue.programs.models import Program
from revalue.quotes import service as quotes
from revalue.quotes.schemas import ConditionIn
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import TradeIn


@dataclass(slots=True)
class SweepResult:
    program_id: str
    expired: list[str] = field(default_factory=list)
    repriced: list[str] = field(default_factory=list)
    claims_opened: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Breach:
    kind: str  # not_shipped, in_transit_too_long, batch_not_arrived, not_paid
    trade_in_id: str
    reference: str | None
    since: datetime
    due: datetime
    days_late: int


def sweep(session: Session, program_id: str, ctx: Context) -> SweepResult:
    """Enforce the ship-by and transit-loss rules as of ``ctx.now``; safe to run again (what
    it did once is not due any more)."""
    program = programs.get(session, program_id)
    result = SweepResult(program_id=program_id)
    for trade_in, since in repository.unshipped(session, program_id):
        due = since + timedelta(days=program.ship_by_days)
        if ctx.now <= due:
            continue
        facts = {"rule": "ship_by", "since": since.isoformat(), "due": due.isoformat()}
        if program.ship_lapse == ShipLapse.REPRICE:
            reprice(session, trade_in, program, ctx, facts)
            result.repriced.append(trade_in.id)
        else:
            tradeins.move(session, trade_in, Action.EXPIRE, ctx, facts)
            result.expired.append(trade_in.id)
    for shipment, trade_in in repository.in_transit(session, program_id):
        assert shipment.shipped_at is not None  # the query asks for it
        due = shipment.shipped_at + timedelta(days=program.transit_loss_days)
        if ctx.now <= due or repository.claim_for(session, shipment.id) is not None:
            continue
        reason = (
            f"in transit since {shipment.shipped_at.date().isoformat()}, more than "
            f"{program.transit_loss_days} days"
        )
        result.claims_opened.append(claims.open_claim(session, shipment, trade_in, reason, ctx).id)
    return result


def reprice(
    session: Session, trade_in: TradeIn, program: Program, ctx: Context, facts: dict
) -> None:
    """A fresh quote at today's price book for the condition the customer declared; the
    trade-in now stands on it, with a new price lock."""
    old = quotes.get(session, trade_in.quote_id)
    condition = ConditionIn.model_validate(old.condition).to_domain()
    inputs = programs.pricing_inputs(session, program.id)
    priced = quotes.price(
        inputs=inputs, variant_sku=trade_in.variant_sku, condition=condition, as_of=ctx.now
    )
    expires_at = ctx.now + timedelta(days=program.ship_by_days)  # the new deadline to ship
    new = quotes.store(
        session,
        kind="repriced",
        program=inputs.program,
        trade_in_id=trade_in.id,
        variant_sku=trade_in.variant_sku,
        condition=condition,
        priced=priced,
        as_of=ctx.now,
        expires_at=expires_at,
        ctx=ctx,
    )
    method = trade_in.payout_method or ""
    data = {
        **facts,
        "old_quote_id": old.id,
        "new_quote_id": new.id,
        "old_amount": quotes.offer_amount(old, method),
        "new_amount": quotes.offer_amount(new, method),
        "currency": new.currency,
        "expires_at": expires_at.isoformat(),
    }
    trade_in.quote_id = new.id
    trade_in.expires_at = expires_at
    tradeins.move(session, trade_in, Action.REPRICE, ctx, data)


def overdue(session: Session, program_id: str, now: datetime) -> list[Breach]:
    """Every breach of the program's logistics SLAs as of ``now``, the longest late first
    within each kind."""
    program = programs.get(session, program_id)
    out: list[Breach] = []

    def add(kind: str, trade_in_id: str, ref: str | None, since: datetime, days: int) -> None:
        due = since + timedelta(days=days)
        if now > due:
            out.append(Breach(kind, trade_in_id, ref, since, due, (now - due).days))

    for trade_in, since in repository.unshipped(session, program_id):
        add("not_shipped", trade_in.id, None, since, program.ship_by_days)
    for shipment, trade_in in repository.in_transit(session, program_id):
        assert shipment.shipped_at is not None
        add("in_transit_too_long", trade_in.id, shipment.id, shipment.shipped_at,
            program.transit_loss_days)  # fmt: skip
    for batch, item in repository.batches_not_arrived(session, program_id):
        assert batch.dispatched_at is not None
        add("batch_not_arrived", item.trade_in_id, batch.id, batch.dispatched_at,
            program.transfer_loss_days)  # fmt: skip
    for trade_in, at in repository.received_unpaid(session, program_id):
        add("not_paid", trade_in.id, None, at, program.receipt_payout_days)
    order = ("not_shipped", "in_transit_too_long", "batch_not_arrived", "not_paid")
    return sorted(out, key=lambda b: (order.index(b.kind), b.since, b.trade_in_id))
