"""One trade-in for staff: its state, the device, what was declared and what was found, the
custody timeline in plain words, and the steps this staff member may take now.

Also the words the console's pages share for a trade-in: the device's name, a condition as a
person says it, and a custody event as a sentence.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from revalue.catalog import service as catalog
from revalue.domain.access import ALL_STAFF, Role
from revalue.domain.errors import RevalueError
from revalue.domain.lifecycle import Action, State, allowed_actions
from revalue.domain.program import Pathway
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.http.errors import STATUS
from revalue.quotes import service as quotes
from revalue.tradeins import repository, schemas, service
from revalue.tradeins.models import TradeIn
from revalue.tradeins.scope import TRADE_IN
from revalue.web import console

router = console.pages_router()
A, SA, R, INS = Role.ADMIN, Role.STORE_ASSOCIATE, Role.RECEIVER, Role.INSPECTOR
INSPECTORS = (A, SA, INS)  # who may inspect (POST /trade-ins/{id}/inspect)
RETURNERS = (A, R)  # who may send a device back (POST /trade-ins/{id}/return)
RECEIVERS = (A, R, SA)

STATE_WORDS = {
    State.QUOTED: "Quoted",
    State.ACCEPTED: "Accepted, waiting for the device",
    State.AWAITING_SHIPMENT: "Waiting for the customer to ship",
    State.IN_TRANSIT: "On its way",
    State.LOST_IN_TRANSIT: "Lost in transit",
    State.RECEIVED: "Received, waiting for inspection",
    State.INSPECTED: "Inspected",
    State.REQUOTE_OFFERED: "Re-quote offered, waiting for the customer",
    State.REQUOTE_ACCEPTED: "Re-quote accepted",
    State.REQUOTE_DECLINED: "Re-quote declined: send the device back",
    State.SANITIZATION_FAILED: "Erasure failed",
    State.SANITIZED: "Erased",
    State.DISPOSED: "Sent on its route",
    State.RETURNED: "Returned to the customer",
    State.REJECTED: "Rejected",
    State.CANCELLED: "Cancelled",
    State.EXPIRED: "Expired",
}
PATHWAY_WORDS = {
    "mail_in": "Mail-in",
    "in_store": "In store",
    "kiosk": "Kiosk",
    "business_lot": "Business lot",
}
COSMETIC_WORDS = {
    "flawless": "Flawless",
    "good": "Good (light wear)",
    "fair": "Fair (visible wear)",
    "poor": "Poor (heavy wear)",
}
EVENT_WORDS = {
    "quote": "Quoted",
    "accept": "Offer accepted",
    "await_shipment": "Shipping label issued",
    "ship": "Handed to the carrier",
    "declare_lost": "Declared lost by the carrier",
    "receive": "Received",
    "inspect": "Inspected",
    "offer_requote": "Re-quote offered to the customer",
    "raise_offer": "Offer raised: found better than declared",
    "second_opinion": "Second inspector looked",
    "accept_requote": "Customer accepted the re-quote",
    "decline_requote": "Customer declined the re-quote",
    "requote_lapsed_return": "Re-quote unanswered: to be sent back",
    "requote_lapsed_accept": "Re-quote unanswered: accepted by the program's terms",
    "sanitize": "Erased",
    "sanitize_failed": "Erasure did not complete",
    "dispose": "Sent on its route",
    "return": "Sent back to the customer",
    "reject": "Rejected",
    "cancel": "Cancelled",
    "expire": "Expired",
    "photo": "Photo taken",
    "pay": "Customer paid",
    "contents_different": "A different device was in the box",
    "contents_dispute": "The box came without the device",
    "weight_flag": "Parcel weight differs from the declared",
    "identify": "Device identified",
    "check": "Screened: blocklist and repeats",
    "flag": "Flagged for review",
    "flag_cleared": "Flag cleared",
    "delivered": "Delivered by the carrier",
    "certify": "Erasure certificate issued",
    "verify_erasure": "Erasure checked independently",
    "qc_passed": "Passed quality control",
    "qc_failed": "Failed quality control",
}


def device_name(session: Session, sku: str) -> str:
    """The device as people name it: brand, model and storage."""
    variant = catalog.get_variant(session, sku)
    model = variant.model
    name = model.name if model.name.startswith(model.brand) else f"{model.brand} {model.name}"
    return f"{name} {variant.storage_gb} GB"


def condition_words(condition: dict[str, Any] | None) -> list[str]:
    """A condition (declared or found) as short sentences."""
    if not condition:
        return []
    faults = [str(f).replace("_", " ") for f in condition.get("faults", [])]
    return [
        "Switches on" if condition.get("powers_on") else "Does not switch on",
        "Screen cracked" if condition.get("screen_cracked") else "Screen not cracked",
        f"Cosmetic: {COSMETIC_WORDS.get(condition.get('cosmetic', ''), condition.get('cosmetic'))}",
        f"Faults: {', '.join(faults)}" if faults else "No known faults",
        "Activation lock off" if condition.get("activation_lock_off") else "Activation lock on",
    ]


def sentence(action: str, data: dict[str, Any], place: str) -> str:
    """A custody event as a sentence: "Received at processing-center-1", "Graded B0"."""
    words = EVENT_WORDS.get(action, action.replace("_", " ").capitalize())
    if action == "receive":
        return f"{words} at {data.get('site_id') or place}"
    if action in ("move", "transfer_in") and data.get("to_site"):
        shelf = f" ({data['to_location']})" if data.get("to_location") else ""
        return f"{'Placed' if action == 'move' else 'Arrived'} at {data['to_site']}{shelf}"
    if action == "transfer_out" and data.get("to_site"):
        return f"Sent from {data.get('from_site') or place} to {data['to_site']}"
    if action == "inspect" and data.get("grade"):
        return f"Graded {data['grade']} by an inspector"
    if action == "reject" and data.get("reason"):
        return f"{words}: {str(data['reason']).replace('_', ' ')}"
    return words


def state_words(state: str) -> str:
    return STATE_WORDS.get(State(state), state)


def summary(session: Session, trade_in: TradeIn) -> dict[str, Any]:
    """What every console page shows of a trade-in."""
    quote = quotes.get(session, trade_in.quote_id)
    method = trade_in.payout_method or ""
    return {
        "id": trade_in.id,
        "state": trade_in.state,
        "state_words": state_words(trade_in.state),
        "device": device_name(session, trade_in.variant_sku),
        "declared": condition_words(quote.condition),
        "pathway": PATHWAY_WORDS.get(trade_in.pathway or "", "Not chosen yet"),
        "quoted": quotes.offer_amount(quote, method) if method else None,
        "currency": quote.currency,
    }


def next_steps(staff: console.Staff, trade_in: TradeIn) -> list[dict[str, str]]:
    """The steps the lifecycle allows now that this staff member's roles may take."""
    pathway = Pathway(trade_in.pathway) if trade_in.pathway else None
    allowed = allowed_actions(state=State(trade_in.state), pathway=pathway)
    program = trade_in.program_id
    steps = []
    if Action.RECEIVE in allowed and staff.holds(RECEIVERS, program):
        steps.append({"label": "Receive", "href": f"/console/receiving?scan={trade_in.id}"})
    if Action.INSPECT in allowed and staff.holds(INSPECTORS, program):
        steps.append({"label": "Inspect", "href": f"/console/trade-ins/{trade_in.id}/inspect"})
    if Action.RETURN in allowed and staff.holds(RETURNERS, program):
        steps.append(
            {"label": "Send back to customer", "post": f"/console/trade-ins/{trade_in.id}/return"}
        )
    return steps


OUTCOME_WORDS = {
    "as_quoted": "As quoted",
    "honoured": "Within tolerance: the quote stands",
    "raised": "Better than declared: offer raised",
    "requote": "Worse than declared: re-quote offered",
    "held": "Held for a second inspector",
}


def _found(session: Session, trade_in: TradeIn, events: list) -> dict[str, Any] | None:  # type: ignore[type-arg]
    """The latest inspection, with the offer as found and the outcome its custody event
    recorded."""
    row = repository.latest_inspection(session, trade_in.id, "primary")
    if row is None:
        return None
    inspected = next((e.data for e in reversed(events) if e.action == "inspect"), {}) or {}
    outcome = str(inspected.get("outcome", ""))
    return {
        "grade": row.grades[row.scale_id]["label"] if row.grades and row.scale_id else row.grade,
        "condition": condition_words(row.condition),
        "inspected_at": row.inspected_at,
        "offer": inspected.get("found"),
        "outcome": OUTCOME_WORDS.get(outcome, outcome.replace("_", " ").capitalize()),
        "notes": row.notes,
    }


def _page(request: Request, staff: console.Staff, session: Session, trade_in_id: str, **extra):  # type: ignore[no-untyped-def]
    trade_in = service.get(session, trade_in_id)
    rows = repository.events(session, trade_in.id)
    return console.show(
        request,
        "console/trade_in.html",
        staff,
        t=summary(session, trade_in),
        found=_found(session, trade_in, rows),
        events=[
            {"text": sentence(e.action, e.data or {}, e.place), "at": e.occurred_at} for e in rows
        ],
        steps=next_steps(staff, trade_in),
        **{"done": None, "error": "", **extra},
    )


@router.get("/console/trade-ins/{trade_in_id}", response_class=HTMLResponse)
def trade_in_page(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*ALL_STAFF, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The trade-in for staff: state, device, declared vs found, the custody timeline, and
    the steps they may take now."""
    staff = console.staff_of(request, grant, session)
    return _page(request, staff, session, trade_in_id, done=request.query_params.get("done"))


@router.post("/console/trade-ins/{trade_in_id}/return", response_class=HTMLResponse)
def return_to_customer(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(*RETURNERS, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """Send the device back to the customer (a declined re-quote, a rejected device): the
    same service as ``POST /trade-ins/{id}/return``."""
    staff = console.staff_of(request, grant, session)
    try:
        console.write(
            request, lambda s, ctx: service.return_device(s, trade_in_id, schemas.ShipmentIn(), ctx)
        )
    except RevalueError as exc:
        if exc.kind in ("unauthenticated", "forbidden", "not_found"):
            raise
        return _page(
            request, staff, session, trade_in_id, status=STATUS[exc.kind], error=exc.message
        )
    return RedirectResponse(f"/console/trade-ins/{trade_in_id}?done=returned", status_code=303)
