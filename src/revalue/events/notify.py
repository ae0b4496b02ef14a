"""Messages to customers, behind a port: features say what to send, the installation decides
how it leaves.

The built-in notifier writes each message to the outbox (``notifications``) in the caller's
transaction, so a one-time code exists exactly when the change that issued it was committed.
The recipient and body are personal data: they live only in that row, erased with the
contact, and are never logged.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput
from revalue.events.models import Notification

EMAIL = "email"


class Notifier(Protocol):
    def email(
        self,
        session: Session,
        *,
        contact_id: str | None,
        recipient: str,
        subject: str,
        body: str,
        ctx: Context,
    ) -> None:
        """Send an email to a customer contact, as part of the caller's transaction."""


class OutboxNotifier:
    """Queues the email as a ``notifications`` row; a mail sender delivers from there."""

    def email(
        self,
        session: Session,
        *,
        contact_id: str | None,
        recipient: str,
        subject: str,
        body: str,
        ctx: Context,
    ) -> None:
        # The columns' limits, checked here: SQLite would store a longer value, PostgreSQL not.
        if not 0 < len(recipient) <= 254:
            raise InvalidInput("the recipient is 1 to 254 characters", field="recipient")
        if not 0 < len(subject) <= 200:
            raise InvalidInput("the subject is 1 to 200 characters", field="subject")
        session.add(
            Notification(
                channel=EMAIL,
                contact_id=contact_id,
                recipient=recipient,
                subject=subject,
                body=body,
                created_at=ctx.now,
            )
        )


def forget(session: Session, contact_id: str) -> int:
    """Erase the recipient and text of every message to a contact (personal data retention);
    the subject and times stay, as a record that a message was sent. How many were erased."""
    result = session.execute(
        update(Notification)
        .where(Notification.contact_id == contact_id, Notification.recipient.is_not(None))
        .values(recipient=None, body=None)
    )
    return result.rowcount or 0
