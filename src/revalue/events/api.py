"""Webhook subscriptions and deliveries of a program (docs/webhooks.md)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from revalue.domain.access import Role
from revalue.domain.context import Context
from revalue.events import schemas, service, signing
from revalue.events.models import WebhookSubscription
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session, state
from revalue.http.errors import ERROR_RESPONSES
from revalue.http.write import ShownOnce, perform
from revalue.programs.api import PROGRAM

router = APIRouter(
    prefix="/programs/{program_id}/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES
)

MANAGERS = (Role.ADMIN, Role.PROGRAM_MANAGER)
READERS = (*MANAGERS, Role.AUDITOR)


# Declared before "/{subscription_id}", which would otherwise take "deliveries" for an id.
@router.get("/deliveries", response_model=list[schemas.DeliveryOut])
def list_deliveries(
    program_id: str,
    status: schemas.DeliveryStatus | None = Query(None, description="Only this status"),
    subscription_id: str | None = Query(None, description="Only this subscription's"),
    before: int | None = Query(None, ge=1, description="Page on: deliveries older than this id"),
    limit: int = Query(100, ge=1, le=500),
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    """Deliveries, newest first, with their attempts and last error (``status=dead``: the
    dead letters)."""
    rows = service.list_deliveries(
        session,
        program_id,
        status=status,
        subscription_id=subscription_id,
        before=before,
        limit=limit,
    )
    return [service.delivery_out(d, event_type) for d, event_type in rows]


@router.post("/deliveries/{delivery_id}/replay", response_model=schemas.DeliveryOut)
def replay_delivery(
    program_id: str,
    delivery_id: int,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """Send a delivery again (dead or delivered), due now, with a fresh round of attempts."""
    return perform(
        request,
        lambda s, ctx: service.delivery_out(*service.replay(s, program_id, delivery_id, ctx)),
    )


@router.post("", response_model=schemas.SubscriptionWithSecret, status_code=201)
def create_subscription(
    program_id: str,
    body: schemas.SubscriptionIn,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """Subscribe a URL to event types. The answer holds the signing secret, this once."""
    box = signing.cipher(state(request).settings.secrets_dir)
    return _revealing(
        request,
        lambda s, ctx: service.subscribe(s, program_id, body, ctx, box),
        payload=body,
        status_code=201,
    )


@router.get("", response_model=list[schemas.SubscriptionOut])
def list_subscriptions(
    program_id: str,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    return [service.to_out(s) for s in service.list_subscriptions(session, program_id)]


@router.get("/{subscription_id}", response_model=schemas.SubscriptionOut)
def get_subscription(
    program_id: str,
    subscription_id: str,
    grant: Grant = Depends(allow(*READERS, scope=PROGRAM)),
    session: Session = Depends(read_session),
):
    return service.to_out(service.get(session, program_id, subscription_id))


@router.post("/{subscription_id}/disable", response_model=schemas.SubscriptionOut)
def disable_subscription(
    program_id: str,
    subscription_id: str,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """Stop sending to this URL; deliveries still waiting are given up."""
    return perform(
        request,
        lambda s, ctx: service.to_out(service.disable(s, program_id, subscription_id, ctx)),
    )


@router.post("/{subscription_id}/rotate-secret", response_model=schemas.SubscriptionWithSecret)
def rotate_secret(
    program_id: str,
    subscription_id: str,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """A new signing secret, used from now on (retries included); shown this once."""
    box = signing.cipher(state(request).settings.secrets_dir)
    return _revealing(
        request, lambda s, ctx: service.rotate_secret(s, program_id, subscription_id, box)
    )


@router.post("/{subscription_id}/ping", response_model=schemas.DeliveryOut, status_code=202)
def ping(
    program_id: str,
    subscription_id: str,
    request: Request,
    grant: Grant = Depends(allow(*MANAGERS, scope=PROGRAM)),
):
    """Queue a ``ping`` event to this subscription: the worker sends it like any other."""
    return perform(
        request,
        lambda s, ctx: service.delivery_out(*service.ping(s, program_id, subscription_id, ctx)),
        status_code=202,
    )


def _revealing(
    request: Request,
    work: Callable[[Session, Context], tuple[WebhookSubscription, str]],
    *,
    payload: schemas.SubscriptionIn | None = None,
    status_code: int = 200,
) -> JSONResponse:
    """Perform a write that makes a secret, keeping the secret out of what the idempotency
    record stores: the database never holds it in clear, and a replay answers without it
    (a replay must not rotate the secret again)."""
    return perform(
        request,
        lambda s, ctx: service.with_secret(*work(s, ctx)),
        payload=payload,
        status_code=status_code,
        once=ShownOnce(frozenset({"secret"}), lambda s, stored, ctx: {"secret": None}),
    )
