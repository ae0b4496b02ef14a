# No ``from __future__ import annotations`` here: the action endpoints are made by a factory,
# and FastAPI must see each body model as a real class, not a string.
"""The lifecycle actions, one route each, each declaring who may take it.

Customers act through their link (or the retailer's systems, with a partner key); staff by
role. Nobody on staff may answer a re-quote for the customer: that is the customer's call.
"""

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request

from revalue.domain.access import Role
from revalue.http.auth import Grant, Guard, allow
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import perform
from revalue.tradeins import (
    inspection,
    processing,
    sanitization,
    schemas,
    screening,
    service,
    views,
)
from revalue.tradeins.scope import TRADE_IN

router = APIRouter(responses=ERROR_RESPONSES, tags=["trade-ins"])

ADMIN, MANAGER, ASSOCIATE = Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE
RECEIVER, INSPECTOR, TECHNICIAN = Role.RECEIVER, Role.INSPECTOR, Role.TECHNICIAN


def _action(
    path: str, fn: Callable, body_model: type, guard: Guard, *, required: bool, doc: str
) -> None:
    if required:

        def endpoint(
            trade_in_id: str,
            body: body_model,  # type: ignore[valid-type]
            request: Request,
            grant: Grant = Depends(guard),
        ):
            return perform(
                request, lambda s, ctx: views.to_out(s, fn(s, trade_in_id, body, ctx)), payload=body
            )
    else:

        def endpoint(
            trade_in_id: str,
            request: Request,
            body: body_model | None = None,  # type: ignore[valid-type]
            grant: Grant = Depends(guard),
        ):
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
        name=path.replace("-", "_"),
        summary=path.replace("-", " ").capitalize(),
    )


_action(
    "accept",
    service.accept,
    schemas.AcceptIn,
    allow(ADMIN, ASSOCIATE, partner=True, customer=True, scope=TRADE_IN),
    required=True,
    doc="The customer accepts the quote, choosing a payout method and a pathway.",
)
_action(
    "await-shipment",
    service.await_shipment,
    schemas.ShipmentIn,
    allow(ADMIN, ASSOCIATE, RECEIVER, partner=True, customer=True, scope=TRADE_IN),
    required=False,
    doc="A shipping label or kit is issued (mail-in and business lots).",
)
_action(
    "ship",
    service.ship,
    schemas.ShipmentIn,
    allow(ADMIN, RECEIVER, partner=True, customer=True, scope=TRADE_IN),
    required=False,
    doc="The carrier has the device.",
)
_action(
    "receive",
    screening.receive,
    schemas.ReceiveIn,
    allow(ADMIN, ASSOCIATE, RECEIVER, scope=TRADE_IN),
    required=False,
    doc="The device arrived at the processing site, or was handed over in store. Its "
    "identifiers, when given, are identified and screened at once.",
)
_action(
    "inspect",
    inspection.inspect,
    schemas.InspectIn,
    allow(ADMIN, ASSOCIATE, INSPECTOR, scope=TRADE_IN),
    required=True,
    doc="Record what was found: the full inspection record (graded on the program's scale) "
    "or, for a quick in-store check, the condition. The program's fairness policy decides: "
    "the quote stands (within tolerance), the offer goes up, or the customer gets a re-quote "
    "to answer, held for a second inspector when the cut is large.",
)
_action(
    "second-opinion",
    inspection.second_opinion,
    schemas.InspectIn,
    allow(ADMIN, INSPECTOR, scope=TRADE_IN),
    required=True,
    doc="Another inspector grades the device again. Where a large re-quote waits for it, the "
    "customer gets the better of the two findings.",
)
_action(
    "accept-requote",
    service.accept_requote,
    schemas.NoteIn,
    allow(partner=True, customer=True, scope=TRADE_IN),
    required=False,
    doc="The customer accepts the re-quote.",
)
_action(
    "decline-requote",
    service.decline_requote,
    schemas.NoteIn,
    allow(partner=True, customer=True, scope=TRADE_IN),
    required=False,
    doc="The customer declines the re-quote: the device goes back, free.",
)
_action(
    "reject",
    processing.reject,
    schemas.RejectIn,
    allow(ADMIN, RECEIVER, INSPECTOR, scope=TRADE_IN),
    required=True,
    doc="Refuse the device, with a reason.",
)
_action(
    "return",
    service.return_device,
    schemas.ShipmentIn,
    allow(ADMIN, RECEIVER, scope=TRADE_IN),
    required=False,
    doc="Send the device back to the customer.",
)
_action(
    "sanitize",
    sanitization.sanitize,
    schemas.SanitizeIn,
    allow(ADMIN, TECHNICIAN, scope=TRADE_IN),
    required=True,
    doc=(
        "Record an erasure: NIST SP 800-88 level, technique and result, per storage medium, "
        "with the tool, times, verification method and destination. A record that did not "
        "erase every medium sends the device to sanitization_failed: erase it again or "
        "destroy its storage."
    ),
)
_action(
    "dispose",
    processing.dispose,
    schemas.DisposeIn,
    allow(ADMIN, MANAGER, TECHNICIAN, scope=TRADE_IN),
    required=True,
    doc="Send the device on its route: resale, marketplace, wholesale, parts, recycling.",
)
_action(
    "cancel",
    service.cancel,
    schemas.NoteIn,
    allow(ADMIN, ASSOCIATE, partner=True, customer=True, scope=TRADE_IN),
    required=False,
    doc="The customer cancels before the device is received.",
)


@router.post("/trade-ins/{trade_in_id}/expire", response_model=schemas.TradeInOut)
def expire(
    trade_in_id: str,
    request: Request,
    grant: Grant = Depends(allow(ADMIN, MANAGER, scope=TRADE_IN)),
):
    """Expire a trade-in whose price lock has ended."""
    return perform(request, lambda s, ctx: views.to_out(s, service.expire(s, trade_in_id, ctx)))


@router.post("/trade-ins/expire-due")
def expire_due(request: Request, grant: Grant = Depends(allow(ADMIN))) -> dict:
    """Expire every quote whose price lock has ended, and close every re-quote whose answer
    window has ended as its program's terms say (run it on a schedule)."""
    return perform(
        request,
        lambda s, ctx: {
            "expired": service.expire_due(s, ctx),
            "lapsed": inspection.lapse_due(s, ctx),
            "locked_rejected": screening.lapse_locks(s, ctx),
        },
    )
