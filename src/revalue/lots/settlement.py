"""Settling a business lot: once receiving is closed and each received device's offer is
final, the lot summary says what the business is owed, exactly once.

A received device is owed its final offer (``tradeins.processing.owed``: the accepted re-quote
after an inspection that found it worse, or the quote it arrived on); a rejected or returned
one nothing; a missing device nothing; an extra (not on the manifest) nothing here, since it
was never priced. Devices whose offer is not final yet (not inspected, a re-quote unanswered,
a second opinion pending) hold the settlement up and are named, unless ``force`` leaves them
out: they are then listed as excluded and settled as ordinary trade-ins later.

Paying: each received device is a trade-in paid through the payouts track (one payment per
trade-in, on the ledger), so the lot adds no second way of paying; the summary states the
total owed and which devices make it up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict
from revalue.domain.lifecycle import State, offer_final
from revalue.lots import repository, service
from revalue.lots.models import BusinessLot
from revalue.quotes import repository as quotes_repository
from revalue.tradeins import processing, screening
from revalue.tradeins import repository as tradeins_repository
from revalue.tradeins.models import Payment

SHOWN = 1000  # lines listed in an error; the counts cover the rest


class AlreadySettled(Conflict):
    code = "already_settled"


class OffersNotFinal(Conflict):
    code = "offers_not_final"


def settle(session: Session, lot_id: str, *, force: bool, ctx: Context) -> BusinessLot:
    lot = service.get(session, lot_id, for_update=True)
    if lot.status == service.SETTLED:
        raise AlreadySettled(
            f"lot {lot.reference} was settled at {lot.summary and lot.summary['settled_at']}",
            settled_total=lot.settled_total,
        )
    service.require(lot, "settle", service.RECEIVED)
    lines = repository.lines(session, lot.id)
    matched = [ln for ln in lines if ln.status == service.MATCHED]
    ids = [ln.trade_in_id for ln in matched if ln.trade_in_id]
    trade_ins = tradeins_repository.by_ids(session, ids)
    payments = tradeins_repository.latest_records(session, Payment, ids)
    quote_ids = [processing.offer_quote_id(t) for t in trade_ins.values()]
    quotes = quotes_repository.by_id(session, quote_ids)
    pending, adjustments, settled = [], [], []
    owed_total = quoted_settled = 0
    blocklisted = screening.held_among(
        session,
        [line.trade_in_id for line in matched if line.trade_in_id],
        screening.Kind.BLOCKLISTED,
    )
    for line in matched:
        t = trade_ins[line.trade_in_id or ""]
        # Final as the payouts track judges it (a device paid is final too); or a device
        # rejected, returned or whose re-quote was declined: then nothing is owed.
        rejected_and_recycled = t.state == State.DISPOSED and t.reason is not None
        final = (
            State(t.state) in processing.NOTHING_OWED
            or rejected_and_recycled
            or offer_final(
                State(t.state),
                second_opinion_required=t.second_opinion == "required",
                rejected=t.reason is not None,
            )
        )
        if not final:
            pending.append({"line": line.line_no, "trade_in_id": t.id, "state": t.state})
            continue
        if t.id in blocklisted:  # held until a person clears or confirms it
            pending.append(
                {"line": line.line_no, "trade_in_id": t.id, "state": t.state, "held": "blocklisted"}
            )
            continue
        owed = processing.owed(t, quote=quotes.__getitem__, payment=lambda t=t: payments.get(t.id))
        amount = owed[0] if owed is not None else 0
        settled.append(line)
        owed_total += amount
        quoted_settled += line.quoted
        if amount != line.quoted:
            adjustments.append(
                {
                    "line": line.line_no,
                    "trade_in_id": t.id,
                    "imei": line.imei,
                    "serial": line.serial,
                    "state": t.state,
                    "quoted": line.quoted,
                    "final": amount,
                    "difference": amount - line.quoted,
                }
            )
    if pending and not force:
        raise OffersNotFinal(
            f"{len(pending)} received device(s) have no final offer yet; inspect them (and "
            "wait for re-quote answers), or settle with force to leave them out",
            pending_count=len(pending),
            pending=pending[:SHOWN],
        )

    def listed(status: str) -> list[dict[str, Any]]:
        return [
            {"line": ln.line_no, "imei": ln.imei, "serial": ln.serial, "quoted": ln.quoted}
            for ln in lines
            if ln.status == status
        ]

    missing, extras = listed(service.MISSING), listed(service.EXTRA)
    summary = {
        "currency": lot.currency,
        "payout_method": lot.payout_method,
        "devices": {
            "quoted": lot.devices,
            "received": len(matched),
            "missing": len(missing),
            "extra": len(extras),
            "settled": len(settled),
            "excluded": len(pending),
        },
        "quoted_total": lot.quoted_total,
        "received_quoted_total": sum(ln.quoted for ln in matched),
        "missing_quoted_total": sum(m["quoted"] for m in missing),
        "settled_quoted_total": quoted_settled,
        "adjustment_total": owed_total - quoted_settled,
        "settled_total": owed_total,
        "adjustments": adjustments,
        "excluded": pending,
        "missing": missing,
        "extras": [{k: e[k] for k in ("line", "imei", "serial")} for e in extras],
        "settled_at": ctx.now.isoformat(),
        "settled_by": ctx.actor,
    }
    if not repository.settle_once(
        session, lot.id, {"settled_total": owed_total, "summary": summary, "updated_at": ctx.now}
    ):
        raise AlreadySettled(f"lot {lot.reference} was settled meanwhile")
    session.refresh(lot)
    return lot
