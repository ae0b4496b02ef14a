"""Writing to the outbox: an event and one pending delivery per subscription that listens.

``emit`` runs in the caller's transaction, so an event exists exactly when the change it
reports was committed; the worker posts it afterwards. It sits on the path of every trade-in
transition, so when no subscription of the program listens it costs one indexed SELECT and
writes nothing.

Payloads carry ids, states and amounts, never personal data: they leave the installation and
are kept after a customer's contact details are erased.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.events import repository
from revalue.events.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from revalue.ids import new_id

# The event types partners may subscribe to (docs/webhooks.md describes each payload).
TRADE_IN_STATE_CHANGED = "trade_in.state_changed"
TRADE_IN_REQUOTE_OFFERED = "trade_in.requote_offered"
PAYOUT_MADE = "payout.made"
CERTIFICATE_ISSUED = "certificate.issued"
EVENT_TYPES: dict[str, str] = {
    TRADE_IN_STATE_CHANGED: "a trade-in moved to another lifecycle state",
    TRADE_IN_REQUOTE_OFFERED: "inspection found another condition: a new offer awaits the "
    "customer's answer",
    PAYOUT_MADE: "the customer was paid (cash or store credit)",
    CERTIFICATE_ISSUED: "a data-sanitization certificate was issued for a device",
}
# Sent on request to one subscription, whatever it listens to: a test of the endpoint.
PING = "ping"


def emit(
    session: Session,
    *,
    program_id: str,
    type: str,
    payload: dict[str, Any],
    ctx: Context,
    trade_in_id: str | None = None,
) -> str | None:
    """Record an event for the program's subscribers of ``type``; its id, or ``None`` when
    nobody listens (then nothing is written)."""
    if type not in EVENT_TYPES:
        # A programming error, not bad input: every caller passes one of the constants.
        raise ValueError(f"unknown event type {type!r}")
    listening = [
        subscription_id
        for subscription_id, types in repository.active_subscriptions(session, program_id)
        if type in types
    ]
    if not listening:
        return None
    event = _event(session, program_id, type, payload, ctx, trade_in_id)
    session.add_all(_delivery(subscription_id, event.id, ctx) for subscription_id in listening)
    return event.id


def ping(session: Session, *, subscription: WebhookSubscription, ctx: Context) -> WebhookDelivery:
    """A ``ping`` event for one subscription, due now."""
    event = _event(
        session, subscription.program_id, PING, {"subscription_id": subscription.id}, ctx, None
    )
    delivery = _delivery(subscription.id, event.id, ctx)
    session.add(delivery)
    session.flush()
    return delivery


def _event(
    session: Session,
    program_id: str,
    type: str,
    payload: dict[str, Any],
    ctx: Context,
    trade_in_id: str | None,
) -> OutboxEvent:
    event = OutboxEvent(
        id=new_id("evt", ctx.now),
        program_id=program_id,
        type=type,
        trade_in_id=trade_in_id,
        payload=payload,
        occurred_at=ctx.now,
    )
    session.add(event)
    return event


def _delivery(subscription_id: str, event_id: str, ctx: Context) -> WebhookDelivery:
    return WebhookDelivery(
        subscription_id=subscription_id,
        event_id=event_id,
        status=repository.PENDING,
        attempts=0,
        next_attempt_at=ctx.now,
        created_at=ctx.now,
    )
