# No ``from __future__ import annotations`` here: the action endpoints are made by a factory,
# and FastAPI must see each body model as a real class, not a string.
from collections.abc import Callable

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session

from revalue.domain.lifecycle import State
from revalue.http.deps import read_session
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.quotes import service as quotes
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import custody, processing, repository, schemas, service, views

router = APIRouter(responses=ERROR_RESPONSES)

QUOTE_EXAMPLE = {
    "program_id": "demo",
    "variant_sku": "apple-iphone-15-128gb",
    "answers": {
        "powers_on": True,
        "screen_cracked": False,
        "cosmetic": "good",
        "faults": [],
        "activation_lock_off": True,
    },
}


@router.post("/quotes", response_model=schemas.StartOut, status_code=201, tags=["quotes"])
def create_quote(request: Request, body: QuoteRequest = Body(examples=[QUOTE_EXAMPLE])):
    """An instant, itemized quote per payout method; it opens a trade-in in state ``quoted``."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        trade_in, quote = service.start(s, body, ctx)
        return schemas.StartOut(
            quote=quotes.to_out(quote), trade_in_id=trade_in.id, state=trade_in.state
        )

    return perform(request, work, payload=body, status_code=201)


@router.get("/trade-ins", response_model=schemas.TradeInPage, tags=["trade-ins"])
def list_trade_ins(
    program_id: str | None = None,
    state: State | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: Session = Depends(read_session),
):
    total, rows = repository.search(
        session, program_id=program_id, state=state, limit=limit, offset=offset
    )
    return {"total": total, "items": views.page(session, rows)}


@router.get("/trade-ins/{trade_in_id}", response_model=schemas.TradeInOut, tags=["trade-ins"])
def get_trade_in(trade_in_id: str, session: Session = Depends(read_session)):
    """The trade-in with its offers, records and whole custody history."""
    return views.to_out(session, service.get(session, trade_in_id), with_custody=True)


@router.get("/trade-ins/{trade_in_id}/custody/verify", tags=["audit"])
def verify_trade_in(trade_in_id: str, session: Session = Depends(read_session)) -> dict:
    """Recompute this trade-in's hash chain; ``ok`` is false with the first broken event."""
    brk = custody.verify_one(session, service.get(session, trade_in_id))
    return {
        "trade_in_id": trade_in_id,
        "ok": brk is None,
        "break": None if brk is None else _break(brk),
    }


def _action(path: str, fn: Callable, body_model: type, *, required: bool, doc: str) -> None:
    if required:

        def endpoint(trade_in_id: str, body: body_model, request: Request):  # type: ignore[valid-type]
            return perform(
                request, lambda s, ctx: views.to_out(s, fn(s, trade_in_id, body, ctx)), payload=body
            )
    else:

        def endpoint(trade_in_id: str, request: Request, body: body_model | None = None):  # type: ignore[valid-type]
            data = body if body is not None else body_model()
            return perform(
                request, lambda s, ctx: views.to_out(s, fn(s, trade_in_id, data, ctx)), payload=data
            )

    endpoint.__doc__ = doc
    router.add_api_route(
        f"/trade-ins/{{trade_in_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=schemas.TradeInOut,
        tags=["trade-ins"],
        name=path.replace("-", "_"),
        summary=path.replace("-", " ").capitalize(),
    )


_action(
    "accept",
    service.accept,
    schemas.AcceptIn,
    required=True,
    doc="The customer accepts the quote, choosing a payout method and a pathway.",
)
_action(
    "await-shipment",
    service.await_shipment,
    schemas.ShipmentIn,
    required=False,
    doc="A shipping label or kit is issued (mail-in and business lots).",
)
_action("ship", service.ship, schemas.ShipmentIn, required=False, doc="The carrier has the device.")
_action(
    "receive",
    service.receive,
    schemas.NoteIn,
    required=False,
    doc="The device arrived at the processing site, or was handed over in store.",
)
_action(
    "inspect",
    processing.inspect,
    schemas.InspectIn,
    required=True,
    doc="Record what was found; a lower value than quoted opens a re-quote.",
)
_action(
    "accept-requote",
    service.accept_requote,
    schemas.NoteIn,
    required=False,
    doc="The customer accepts the re-quote.",
)
_action(
    "decline-requote",
    service.decline_requote,
    schemas.NoteIn,
    required=False,
    doc="The customer declines the re-quote: the device goes back, free.",
)
_action(
    "reject",
    processing.reject,
    schemas.RejectIn,
    required=True,
    doc="Refuse the device, with a reason.",
)
_action(
    "return",
    service.return_device,
    schemas.ShipmentIn,
    required=False,
    doc="Send the device back to the customer.",
)
_action(
    "sanitize",
    processing.sanitize,
    schemas.SanitizeIn,
    required=True,
    doc="Record the data sanitization: NIST SP 800-88 level, technique and result.",
)
_action(
    "pay",
    processing.pay,
    schemas.NoteIn,
    required=False,
    doc="Pay the customer the accepted offer, exactly once.",
)
_action(
    "dispose",
    processing.dispose,
    schemas.DisposeIn,
    required=True,
    doc="Send the device on its route: resale, marketplace, wholesale, parts, recycling.",
)
_action(
    "cancel",
    service.cancel,
    schemas.NoteIn,
    required=False,
    doc="The customer cancels before the device is received.",
)


@router.post(
    "/trade-ins/{trade_in_id}/expire", response_model=schemas.TradeInOut, tags=["trade-ins"]
)
def expire(trade_in_id: str, request: Request):
    """Expire a trade-in whose price lock has ended."""
    return perform(request, lambda s, ctx: views.to_out(s, service.expire(s, trade_in_id, ctx)))


@router.post("/trade-ins/expire-due", tags=["trade-ins"])
def expire_due(request: Request) -> dict:
    """Expire every trade-in whose price lock has ended (run it on a schedule)."""
    return perform(request, lambda s, ctx: {"expired": service.expire_due(s, ctx)})


@router.get("/audit/verify", tags=["audit"])
def verify_all(session: Session = Depends(read_session)) -> dict:
    """Recompute every custody chain; lists the first broken event of each broken chain."""
    report = custody.verify_all(session)
    return {
        "ok": not report.breaks,
        "chains": report.chains,
        "events": report.events,
        "breaks": [_break(b) for b in report.breaks],
    }


def _break(brk) -> dict:  # type: ignore[no-untyped-def]
    return {
        "trade_in_id": brk.trade_in_id,
        "event_id": brk.event_id,
        "seq": brk.seq,
        "reason": brk.reason,
    }
