"""Webhook subscriptions and deliveries: subscribe, disable, rotate, test, inspect, replay.

A subscription or delivery of another program is answered like a missing one.
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.events import outbox, repository, schemas, signing
from revalue.events.models import WebhookDelivery, WebhookSubscription
from revalue.ids import new_id
from revalue.programs import service as programs


class SubscriptionNotFound(NotFound):
    code = "webhook_subscription_not_found"


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"


class SubscriptionDisabled(Conflict):
    code = "webhook_subscription_disabled"


class DeliveryInFlight(Conflict):
    code = "webhook_delivery_in_flight"


def subscribe(
    session: Session, program_id: str, data: schemas.SubscriptionIn, ctx: Context, box: Fernet
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (the only time it is returned)."""
    programs.get(session, program_id)
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        id=new_id("whk", ctx.now),
        program_id=program_id,
        url=data.url,
        event_types=data.event_types,
        secret_encrypted=signing.seal(box, secret),
        description=data.description,
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def list_subscriptions(session: Session, program_id: str) -> list[WebhookSubscription]:
    return repository.subscriptions(session, program_id)


def get(session: Session, program_id: str, subscription_id: str) -> WebhookSubscription:
    subscription = repository.subscription(session, program_id, subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(
            f"no webhook subscription {subscription_id!r}", field="subscription_id"
        )
    return subscription


def disable(
    session: Session, program_id: str, subscription_id: str, ctx: Context
) -> WebhookSubscription:
    """Stop sending to it. Deliveries still waiting are given up (dead, not replayable)."""
    subscription = _active(session, program_id, subscription_id)
    subscription.disabled_at = ctx.now
    repository.give_up_pending(session, subscription.id, "the subscription was disabled")
    session.flush()
    return subscription


def rotate_secret(
    session: Session, program_id: str, subscription_id: str, box: Fernet
) -> tuple[WebhookSubscription, str]:
    """A new signing secret, effective at once, retries included: the old one stops
    verifying, so the receiver should accept both while it switches over."""
    subscription = _active(session, program_id, subscription_id)
    secret = signing.new_secret()
    subscription.secret_encrypted = signing.seal(box, secret)
    session.flush()
    return subscription, secret


def ping(
    session: Session, program_id: str, subscription_id: str, ctx: Context
) -> tuple[WebhookDelivery, str]:
    """Queue a ``ping`` event to the subscription, due now."""
    subscription = _active(session, program_id, subscription_id)
    return outbox.ping(session, subscription=subscription, ctx=ctx), outbox.PING


def list_deliveries(
    session: Session,
    program_id: str,
    *,
    status: str | None = None,
    subscription_id: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[tuple[WebhookDelivery, str]]:
    """(delivery, event type), newest first."""
    if subscription_id is not None:
        get(session, program_id, subscription_id)
    return repository.deliveries(
        session,
        program_id,
        status=status,
        subscription_id=subscription_id,
        before=before,
        limit=limit,
    )


def replay(
    session: Session, program_id: str, delivery_id: int, ctx: Context
) -> tuple[WebhookDelivery, str]:
    """Send the delivery again, due now, with a fresh round of attempts: a dead one after
    the receiver is fixed, or a delivered one the receiver lost."""
    found = repository.delivery_for_update(session, program_id, delivery_id)
    if found is None:
        raise DeliveryNotFound(f"no webhook delivery {delivery_id}", field="delivery_id")
    delivery, subscription, event_type = found
    if subscription.disabled_at is not None:
        raise SubscriptionDisabled(
            f"webhook subscription {subscription.id!r} is disabled", field="delivery_id"
        )
    if delivery.status == repository.DELIVERING:
        raise DeliveryInFlight(
            f"webhook delivery {delivery_id} is being sent right now; replay it afterwards",
            field="delivery_id",
        )
    delivery.status = repository.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = ctx.now
    delivery.delivered_at = None
    session.flush()
    return delivery, event_type


def to_out(subscription: WebhookSubscription) -> schemas.SubscriptionOut:
    return schemas.SubscriptionOut(**_fields(subscription))


def with_secret(
    subscription: WebhookSubscription, secret: str | None
) -> schemas.SubscriptionWithSecret:
    return schemas.SubscriptionWithSecret(**_fields(subscription), secret=secret)


def delivery_out(delivery: WebhookDelivery, event_type: str) -> schemas.DeliveryOut:
    return schemas.DeliveryOut(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        event_type=event_type,
        status=delivery.status,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


def _fields(subscription: WebhookSubscription) -> dict:
    return {
        "id": subscription.id,
        "program_id": subscription.program_id,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "description": subscription.description,
        "created_by": subscription.created_by,
        "created_at": subscription.created_at,
        "disabled_at": subscription.disabled_at,
        "active": subscription.disabled_at is None,
    }


def _active(session: Session, program_id: str, subscription_id: str) -> WebhookSubscription:
    subscription = get(session, program_id, subscription_id)
    if subscription.disabled_at is not None:
        raise SubscriptionDisabled(
            f"webhook subscription {subscription_id!r} is disabled", field="subscription_id"
        )
    return subscription
