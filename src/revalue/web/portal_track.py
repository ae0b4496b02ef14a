"""The customer's own page, at their secret link ``/t/{token}``: the offer and the form to
accept it while quoted, then the tracking page (the custody events in plain words, the
shipping label or the hand-over QR code, a re-quote to answer, the documents once issued).

The token is resolved exactly as the API authenticates a customer link (``links.find``): an
unknown, expired or revoked one is a 404 page, recorded like the API's refused link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from revalue.catalog import service as catalog
from revalue.certificates import service as certificates
from revalue.customers import links
from revalue.domain.condition import Cosmetic, Fault
from revalue.domain.errors import NotFound
from revalue.domain.lifecycle import State
from revalue.domain.money import format_major
from revalue.domain.program import HANDED_OVER, Pathway
from revalue.http.auth import Grant, allow
from revalue.http.deps import public_base, read_session, state
from revalue.logistics import repository as logistics
from revalue.programs import service as programs
from revalue.programs.models import Program
from revalue.quotes.schemas import QuoteOut
from revalue.recovery import environment
from revalue.tradeins import repository, views
from revalue.tradeins import service as tradeins
from revalue.tradeins.models import TradeIn
from revalue.web import portal_kit as kit
from revalue.web import portal_words as words
from revalue.web import render
from revalue.web.portal_quote import variant_name

router = kit.portal_router()
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "country")


class LinkNotFound(NotFound):
    code = "link_not_found"


def linked(session: Session, token: str, now: datetime) -> str:
    """The trade-in a live link opens; LinkNotFound for any other token."""
    link = links.find(session, token, now)
    if link is None:
        raise LinkNotFound(
            "this link is unknown, expired or revoked: use the newest link we sent you"
        )
    return link.trade_in_id


def resolve(request: Request, session: Session, grant: Grant, token: str) -> TradeIn:
    """The link's trade-in, for the page; a signed-in caller of another program gets 404."""
    st = state(request)
    try:
        trade_in = tradeins.get(session, linked(session, token, st.clock()))
    except LinkNotFound:
        st.audit(request, "link_invalid", 404, "customer", {})
        raise
    kit.program(session, grant, trade_in.program_id)
    return trade_in


def _offers(quote: QuoteOut) -> list[dict[str, Any]]:
    return [
        {
            "method": str(o.method),
            "name": words.METHODS.get(o.method, words.humanize(str(o.method))),
            "amount": o.amount.formatted,
            "currency": o.amount.currency,
            "lines": [
                (words.plain_label(ln.label), format_major(ln.amount, o.amount.currency))
                for ln in o.lines
            ],
        }
        for o in quote.offers
    ]


def _condition(answers: dict[str, Any]) -> dict[str, str]:
    yes = {True: "Yes", False: "No"}
    faults = [words.FAULTS.get(Fault(f), words.humanize(f)) for f in answers.get("faults", [])]
    return {
        "Switches on": yes[answers["powers_on"]],
        "Screen cracked": yes[answers["screen_cracked"]],
        "Looks": words.COSMETIC[Cosmetic(answers["cosmetic"])][0],
        "Not working": ", ".join(faults) or "Nothing",
        "Account removed": yes[answers["activation_lock_off"]],
    }


def _findings(session: Session, trade_in: TradeIn, token: str) -> list[dict[str, Any]]:
    """What the latest inspection found, zone by zone, with the photos it rests on."""
    rows = repository.inspections(session, trade_in.id)
    record = (rows[-1].record or {}) if rows else {}
    return [
        {
            "text": f"{words.humanize(f['zone'])}: {f['count']} x "
            f"{words.humanize(f['defect']).lower()}"
            + (f", {f['size_mm']:g} mm" if f.get("size_mm") else ""),
            "photo": f"/t/{token}/photos/{f['photo']}" if f.get("photo") else None,
        }
        for f in record.get("findings", [])
    ]


def _pathways(program: Program) -> list[tuple[str, str, str]]:
    return [
        (str(p), label, hint)
        for p, (label, hint) in words.PATHWAYS.items()
        if str(p) in program.pathways
    ]


def view(
    request: Request,
    session: Session,
    trade_in: TradeIn,
    token: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The customer's page: the offer while quoted, the tracking page after."""
    program = programs.get(session, trade_in.program_id)
    out = views.to_out(session, trade_in, with_custody=True)
    model = catalog.get_model(session, trade_in.model_id)
    variant = catalog.get_variant(session, trade_in.variant_sku)
    now = state(request).clock()
    inbound = [s for s in logistics.shipments_of(session, trade_in.id) if s.direction == "inbound"]
    requote = out.requote if out.requote and out.requote.kind == "requote" else None
    pathway = Pathway(trade_in.pathway) if trade_in.pathway else None
    values = values or {}
    return render.page(
        request,
        "portal/offer.html" if out.state is State.QUOTED else "portal/track.html",
        program=program,
        status=status,
        token=token,
        link=f"{public_base(request)}/t/{token}",  # the public address behind a proxy
        trade_in=out,
        device=f"{words.device(model.brand, model.name)}, {variant_name(variant)}",
        state_label=words.STATES.get(str(out.state), words.humanize(str(out.state))),
        offers=_offers(out.quote),
        expires=render.when(out.expires_at),
        expired=out.expires_at <= now,
        pathways=_pathways(program),
        kits=program.kits,
        values={**values, "address": values.get("address") or {}},
        errors=errors or {},
        fields=words.FIELDS,
        timeline=[
            (
                words.sentence(e.action, e.place, e.data),
                render.when(e.occurred_at),
                e.occurred_at.isoformat(),
            )
            for e in out.custody or []
            if words.shown(e.action)
        ],
        accepted=out.payable.formatted if out.payable else _amount(out.quote, out.payout_method),
        method_name=words.METHODS.get(trade_in.payout_method, "") if trade_in.payout_method else "",
        pathway_name=words.PATHWAYS[pathway][0] if pathway in words.PATHWAYS else "",
        label_ready=bool(inbound),
        tracking_number=inbound[0].tracking_number if inbound else None,
        needs_label=out.state is State.ACCEPTED and pathway is Pathway.MAIL_IN,
        handover=out.state is State.ACCEPTED and pathway in HANDED_OVER,
        requote=requote if out.state is State.REQUOTE_OFFERED else None,
        requote_offers=_offers(requote) if requote else [],
        quoted_amount=_amount(out.quote, trade_in.payout_method),
        found_amount=_amount(requote, trade_in.payout_method) if requote else None,
        declared=_condition(out.quote.condition.model_dump(mode="json")),
        found=_condition(requote.condition.model_dump(mode="json")) if requote else {},
        findings=_findings(session, trade_in, token) if requote else [],
        certificate=bool(certificates.of_trade_in(session, trade_in.id)),
        receipt=_has_receipt(session, trade_in.id),
    )


def _amount(quote: QuoteOut | None, method: str | None) -> str | None:
    """The quote's offer for the payout method chosen, as people read it."""
    offer = next((o for o in (quote.offers if quote else []) if o.method == method), None)
    return offer.amount.formatted if offer else None


def _has_receipt(session: Session, trade_in_id: str) -> bool:
    try:
        environment.receipt_of(session, trade_in_id)
    except environment.ReceiptNotFound:
        return False
    return True


@router.get("/t/{token}")
def trade_in_page(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> HTMLResponse:
    """The customer's private page: the offer and how to accept it while quoted; then
    "Your trade-in": where it is, what happened, and what the customer may do now."""
    return view(request, session, resolve(request, session, grant, token), token)
