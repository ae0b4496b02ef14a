"""Trade-ins over HTTP: the quote that opens one, reads, the customer's link and contact
details, and the custody log's verification. The lifecycle actions are in ``actions_api``."""

from datetime import timedelta

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session

from revalue.customers import contacts, links
from revalue.customers.schemas import ContactIn, ContactOut
from revalue.domain.access import ALL_STAFF, Role
from revalue.domain.lifecycle import State
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import ShownOnce, perform
from revalue.programs.service import ProgramNotFound
from revalue.quotes import service as quotes
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import (
    actions_api,
    custody,
    erasure_reports_api,
    grading_api,
    photos_api,
    sanitization_api,
    schemas,
    screening,
    screening_api,
    service,
    views,
)
from revalue.tradeins import repository as trade_ins
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES)
router.include_router(actions_api.router)
router.include_router(grading_api.router)
router.include_router(photos_api.router)
router.include_router(screening_api.router)
router.include_router(sanitization_api.router)
router.include_router(erasure_reports_api.router)

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
AUDITORS = (Role.ADMIN, Role.PROGRAM_MANAGER, Role.AUDITOR)


def _new_link(request: Request, session: Session, trade_in_id: str, ctx) -> dict:  # type: ignore[no-untyped-def]
    days = state(request).settings.customer_link_days
    return schemas.LinkIssued(
        customer_token=links.issue(session, trade_in_id, days=days, ctx=ctx),
        customer_link_expires_at=ctx.now + timedelta(days=days),
    ).model_dump(mode="json")


@router.post("/quotes", response_model=schemas.StartOut, status_code=201, tags=["quotes"])
def create_quote(
    request: Request,
    body: QuoteRequest = Body(examples=[QUOTE_EXAMPLE]),
    grant: Grant = Depends(
        allow(Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, partner=True, public=True)
    ),
):
    """An instant, itemized quote per payout method; it opens a trade-in in state ``quoted``
    and returns the customer's secret link to it (shown once; a replay gets a new one)."""
    grant.require_program(
        body.program_id,
        lambda: ProgramNotFound(f"no program {body.program_id!r}", field="program_id"),
    )

    def work(s, ctx):  # type: ignore[no-untyped-def]
        trade_in, quote = service.start(s, body, ctx)
        if body.imei:
            ids = schemas.IdentifiersIn(imei=body.imei)
            # The new row was inserted with one statement, outside the session: load it, so
            # the events the screening adds move its chain head.
            screening.record_identity(s, service.get(s, trade_in.id), ids, stage="quote", ctx=ctx)
        return schemas.StartOut(
            quote=quotes.to_out(quote),
            trade_in_id=trade_in.id,
            state=trade_in.state,
            **_new_link(request, s, trade_in.id, ctx),
        )

    once = ShownOnce(
        frozenset(schemas.LinkIssued.model_fields),
        lambda s, stored, ctx: _new_link(request, s, stored["trade_in_id"], ctx),
    )
    return perform(request, work, payload=body, status_code=201, once=once)


@router.get("/trade-ins", response_model=schemas.TradeInPage, tags=["trade-ins"])
def list_trade_ins(
    program_id: str | None = None,
    state: State | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True)),
    session: Session = Depends(read_session),
):
    """Trade-ins of the caller's programs, newest first."""
    total, rows = trade_ins.search(
        session,
        program_id=program_id,
        state=state,
        limit=limit,
        offset=offset,
        within=grant.programs(),
    )
    return {"total": total, "items": views.page(session, rows)}


@router.get("/trade-ins/{trade_in_id}", response_model=schemas.TradeInOut, tags=["trade-ins"])
def get_trade_in(
    trade_in_id: str,
    grant: Grant = Depends(allow(*ALL_STAFF, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The trade-in with its offers, records and whole custody history."""
    return views.to_out(session, service.get(session, trade_in_id), with_custody=True)


@router.post(
    "/trade-ins/{trade_in_id}/links",
    response_model=schemas.LinkIssued,
    status_code=201,
    tags=["customers"],
)
def issue_link(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(
        allow(Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, partner=True, scope=TRADE_IN)
    ),
):
    """A new secret link for the customer (shown once), e.g. after revoking a leaked one."""
    return perform(request, lambda s, ctx: _new_link(request, s, trade_in_id, ctx), status_code=201)


@router.post("/trade-ins/{trade_in_id}/links/revoke", tags=["customers"])
def revoke_links(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(
        allow(
            Role.ADMIN,
            Role.PROGRAM_MANAGER,
            Role.STORE_ASSOCIATE,
            partner=True,
            customer=True,
            scope=TRADE_IN,
        )
    ),
) -> dict:
    """Revoke every link of the trade-in at once (a customer may revoke their own)."""
    return perform(request, lambda s, ctx: {"revoked": links.revoke_all(s, trade_in_id, ctx)})


CONTACT_READERS = (Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, Role.RECEIVER)


@router.get("/trade-ins/{trade_in_id}/contact", response_model=ContactOut, tags=["customers"])
def get_contact(
    trade_in_id: str,
    grant: Grant = Depends(allow(*CONTACT_READERS, partner=True, customer=True, scope=TRADE_IN)),
    session: Session = Depends(read_session),
):
    """The customer's details, for those who need them (returns, store pick-up)."""
    contact = contacts.get(session, trade_in_id)
    if contact is None:
        raise service.TradeInNotFound(
            f"trade-in {trade_in_id!r} has no contact details", field="trade_in_id"
        )
    return ContactOut.model_validate(contact, from_attributes=True)


@router.put("/trade-ins/{trade_in_id}/contact", response_model=ContactOut, tags=["customers"])
def put_contact(
    trade_in_id: str,
    body: ContactIn,
    request: Request,
    grant: Grant = Depends(
        allow(Role.ADMIN, Role.STORE_ASSOCIATE, partner=True, customer=True, scope=TRADE_IN)
    ),
):
    """Set or correct the customer's details; fields left out keep their value."""

    def work(s, ctx):  # type: ignore[no-untyped-def]
        service.get(s, trade_in_id)
        return ContactOut.model_validate(
            contacts.save(s, trade_in_id, body, ctx), from_attributes=True
        )

    return perform(request, work, payload=body)


@router.get("/trade-ins/{trade_in_id}/custody/verify", tags=["audit"])
def verify_trade_in(
    trade_in_id: str,
    grant: Grant = Depends(allow(*AUDITORS, scope=TRADE_IN)),
    session: Session = Depends(read_session),
) -> dict:
    """Recompute this trade-in's hash chain; ``ok`` is false with the first broken event."""
    brk = custody.verify_one(session, service.get(session, trade_in_id))
    return {
        "trade_in_id": trade_in_id,
        "ok": brk is None,
        "break": None if brk is None else _break(brk),
    }


@router.get("/audit/verify", tags=["audit"])
def verify_all(
    grant: Grant = Depends(allow(*AUDITORS)),
    session: Session = Depends(read_session),
) -> dict:
    """Recompute every custody chain of the caller's programs; lists the first broken event of
    each broken chain."""
    report = custody.verify_all(session, within=grant.programs())
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
