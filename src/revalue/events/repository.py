"""Outbox queries: subscriptions, deliveries, and the worker's claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from revalue.events.models import OutboxEvent, WebhookDelivery, WebhookSubscription

# A delivery's states: due or waiting for a retry; claimed by a worker under a lease;
# received with a 2xx; given up after the last attempt (replayable).
PENDING = "pending"
DELIVERING = "delivering"
DELIVERED = "delivered"
DEAD = "dead"
STATUSES = (PENDING, DELIVERING, DELIVERED, DEAD)

_ACTIVE = (WebhookSubscription.id, WebhookSubscription.event_types)


_ACTIVE_OF_PROGRAM = select(*_ACTIVE).where(
    WebhookSubscription.program_id == bindparam("program_id"),
    WebhookSubscription.disabled_at.is_(None),
)


def active_subscriptions(session: Session, program_id: str) -> list[tuple[str, list[str]]]:
    """(id, event types) of the program's enabled subscriptions (``emit``'s one query).

    Run on every trade-in transition, quotes included, so it goes straight to the connection
    with a statement compiled once."""
    rows = session.connection().execute(_ACTIVE_OF_PROGRAM, {"program_id": program_id})
    return [(sub_id, types) for sub_id, types in rows]


def subscriptions(session: Session, program_id: str) -> list[WebhookSubscription]:
    stmt = (
        select(WebhookSubscription)
        .where(WebhookSubscription.program_id == program_id)
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )
    return list(session.scalars(stmt))


def subscription(
    session: Session, program_id: str, subscription_id: str
) -> WebhookSubscription | None:
    """The subscription, if it exists and belongs to the program (else, to the caller, it
    does not exist)."""
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.program_id == program_id
    )
    return session.scalars(stmt).first()


def delivery_for_update(
    session: Session, program_id: str, delivery_id: int
) -> tuple[WebhookDelivery, WebhookSubscription, str] | None:
    """(delivery, its subscription, its event type), if it belongs to the program; the
    delivery row locked, so a worker's claim cannot slip in between reading and changing it."""
    stmt = (
        select(WebhookDelivery, WebhookSubscription, OutboxEvent.type)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id, WebhookSubscription.program_id == program_id)
        .with_for_update(of=WebhookDelivery)
        .execution_options(populate_existing=True)
    )
    row = session.execute(stmt).first()
    return None if row is None else (row[0], row[1], row[2])


def deliveries(
    session: Session,
    program_id: str,
    *,
    status: str | None,
    subscription_id: str | None,
    before: int | None,
    limit: int,
) -> list[tuple[WebhookDelivery, str]]:
    """(delivery, event type), newest first; ``before`` pages on by delivery id."""
    stmt = (
        select(WebhookDelivery, OutboxEvent.type)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookSubscription.program_id == program_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if before is not None:
        stmt = stmt.where(WebhookDelivery.id < before)
    return [(d, event_type) for d, event_type in session.execute(stmt)]


def give_up_pending(session: Session, subscription_id: str, error: str) -> int:
    """Mark the subscription's waiting deliveries dead; how many."""
    stmt = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == PENDING
        )
        .values(status=DEAD, last_error=error)
    )
    return session.execute(stmt).rowcount


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery and everything needed to post it, read in the claim's transaction."""

    delivery_id: int
    attempt: int
    lease_until: datetime
    url: str
    secret_encrypted: str
    subscription_disabled: bool
    event: dict[str, Any]


def claim(session: Session, *, now: datetime, lease_until: datetime, limit: int) -> list[Job]:
    """Take up to ``limit`` due deliveries (waiting and due, or claimed by a worker whose lease
    ran out) for this worker until ``lease_until``, counting the attempt now: a delivery that
    crashes its worker still runs out of attempts.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint rows without
    waiting. SQLite has no row locks; the write transaction (BEGIN IMMEDIATE) serializes claims.
    """
    due = or_(
        and_(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == DELIVERING, WebhookDelivery.lease_until <= now),
    )
    ids = list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(due)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(status=DELIVERING, lease_until=lease_until, attempts=WebhookDelivery.attempts + 1)
    )
    rows = session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookSubscription.url,
            WebhookSubscription.secret_encrypted,
            WebhookSubscription.disabled_at,
            OutboxEvent,
        )
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)
    )
    return [
        Job(
            delivery_id=d_id,
            attempt=attempts,
            lease_until=lease_until,
            url=url,
            secret_encrypted=secret,
            subscription_disabled=disabled_at is not None,
            event=document(event),
        )
        for d_id, attempts, url, secret, disabled_at, event in rows
    ]


def document(event: OutboxEvent) -> dict[str, Any]:
    """The JSON body partners receive."""
    return {
        "id": event.id,
        "type": event.type,
        "created_at": event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "program_id": event.program_id,
        "trade_in_id": event.trade_in_id,
        "data": event.payload,
    }


def finish(session: Session, job: Job, **values: Any) -> bool:
    """Record the outcome of a claimed delivery, unless the claim was lost meanwhile (its lease
    ran out and another worker took it): whether it was recorded."""
    stmt = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == job.delivery_id,
            WebhookDelivery.status == DELIVERING,
            WebhookDelivery.lease_until == job.lease_until,
        )
        .values(lease_until=None, **values)
    )
    return session.execute(stmt).rowcount == 1


def release(session: Session, jobs: Sequence[Job]) -> None:
    """Hand claimed deliveries back untried (the worker ran short of lease): the attempt the
    claim counted is given back too."""
    for job in jobs:
        finish(session, job, status=PENDING, attempts=job.attempt - 1)
