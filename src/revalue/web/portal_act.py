"""What the customer does at their link: accept the offer (and, for mail-in, get the label),
ask for the label again, and answer a re-quote. Each calls the service the customer's API
action calls, inside ``perform``, on the trade-in the link opens and no other; then back to
the page (303). What cannot be done comes back on the page with the form as it was."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from revalue.domain.errors import InvalidInput, NotFound, RevalueError
from revalue.domain.program import Pathway
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session
from revalue.logistics import shipments
from revalue.tradeins import schemas
from revalue.tradeins import service as tradeins
from revalue.web import portal_kit as kit
from revalue.web.portal_track import ADDRESS_FIELDS, linked, resolve, view

router = kit.portal_router()


def _contact(form: FormData) -> dict[str, Any] | None:
    address = {f: kit.text(form, f) for f in ADDRESS_FIELDS}
    if address["country"]:
        address["country"] = address["country"].upper()
    contact = {
        "name": kit.text(form, "name"),
        "email": kit.text(form, "email"),
        "address": {k: v for k, v in address.items() if v} if any(address.values()) else None,
    }
    given = {k: v for k, v in contact.items() if v is not None}
    return given or None


def _back(token: str) -> RedirectResponse:
    return RedirectResponse(f"/t/{token}", status_code=303)


def _refused(
    request: Request,
    session: Session,
    grant: Grant,
    token: str,
    exc: ValidationError | RevalueError,
    values: dict[str, Any],
) -> Response:
    """The page again, saying what was wrong, with what the customer typed."""
    if isinstance(exc, NotFound):
        raise exc
    status = 409 if isinstance(exc, RevalueError) and exc.kind == "conflict" else 422
    trade_in = resolve(request, session, grant, token)
    return view(
        request, session, trade_in, token, values=values, errors=kit.problems(exc), status=status
    )


@router.post("/t/{token}/accept", response_class=Response, status_code=303)
def accept(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
    form: FormData = Depends(kit.form_data),
) -> Response:
    """Accept the offer: the pathway, the payout method and the contact details, as
    ``POST /trade-ins/{id}/accept`` takes them. A mail-in acceptance makes the shipping label
    in the same transaction (``POST /trade-ins/{id}/shipments``), with a mailing kit when the
    program sends one or the customer asks for it."""
    resolve(request, session, grant, token)
    kit_wanted = form.get("kit") == "yes"
    contact = _contact(form)
    values = {
        "payout_method": kit.text(form, "payout_method"),
        "pathway": kit.text(form, "pathway"),
        **(contact or {}),
        "kit": kit_wanted,
    }
    try:
        data = schemas.AcceptIn.model_validate(
            {
                "payout_method": values["payout_method"],
                "pathway": values["pathway"],
                "contact": contact,
            }
        )
    except ValidationError as exc:
        return _refused(request, session, grant, token, exc, values)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        trade_in = tradeins.accept(s, linked(s, token, ctx.now), data, ctx)
        if data.pathway is Pathway.MAIL_IN:
            shipments.create_label(s, trade_in.id, ctx, kit=kit_wanted or None)
        return {"state": trade_in.state}

    try:
        kit.change(request, work, payload=data)
    except RevalueError as exc:
        return _refused(request, session, grant, token, exc, values)
    return _back(token)


@router.post("/t/{token}/label", response_class=Response, status_code=303)
def make_label(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
) -> Response:
    """The shipping label of an accepted mail-in trade-in that has none yet (accepted
    elsewhere, or its label could not be made then), as ``POST /trade-ins/{id}/shipments``."""
    resolve(request, session, grant, token)

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return {
            "shipments": [r.id for r in shipments.create_label(s, linked(s, token, ctx.now), ctx)]
        }

    try:
        kit.change(request, work)
    except RevalueError as exc:
        return _refused(request, session, grant, token, exc, {})
    return _back(token)


ANSWERS = {"accept": tradeins.accept_requote, "decline": tradeins.decline_requote}


class NoAnswer(InvalidInput):
    code = "answer_required"


@router.post("/t/{token}/requote", response_class=Response, status_code=303)
def answer_requote(
    token: str,
    request: Request,
    grant: Grant = Depends(allow(public=True)),
    session: Session = Depends(read_session),
    form: FormData = Depends(kit.form_data),
) -> Response:
    """Accept or decline the new offer (``answer``: accept or decline), as the customer's
    ``POST /trade-ins/{id}/accept-requote`` and ``/decline-requote`` do."""
    resolve(request, session, grant, token)
    chosen = str(form.get("answer", ""))
    answer = ANSWERS.get(chosen)
    if answer is None:
        problem = NoAnswer("choose to accept or decline the new offer", field="answer")
        return _refused(request, session, grant, token, problem, {})

    def work(s, ctx):  # type: ignore[no-untyped-def]
        return {"state": answer(s, linked(s, token, ctx.now), schemas.NoteIn(), ctx).state}

    try:
        kit.change(request, work, payload=chosen.encode())
    except RevalueError as exc:
        return _refused(request, session, grant, token, exc, {})
    return _back(token)
