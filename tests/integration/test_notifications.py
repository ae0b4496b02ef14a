"""The built-in notifier: an email to a customer is an outbox row of the caller's transaction."""

import pytest
from sqlalchemy import select

from revalue.domain.errors import InvalidInput
from revalue.events.models import Notification
from revalue.events.notify import Notifier, OutboxNotifier
from tests import factories


def send(session, notifier: Notifier, **overrides) -> None:
    message = {
        "contact_id": "c_1",
        "recipient": "ada@example.com",
        "subject": "Your code",
        "body": "123456",
    }
    notifier.email(session, **{**message, **overrides}, ctx=factories.ctx())


def test_the_email_is_written_in_the_callers_transaction(sessions):
    with sessions() as s:
        send(s, OutboxNotifier())
        s.rollback()  # the change that sent it failed: no email either
    with sessions.begin() as s:
        send(s, OutboxNotifier())
    with sessions() as s:
        (row,) = s.scalars(select(Notification))
    assert (row.channel, row.contact_id, row.recipient, row.subject, row.body) == (
        "email",
        "c_1",
        "ada@example.com",
        "Your code",
        "123456",
    )
    assert (row.created_at, row.sent_at) == (factories.NOW, None)


@pytest.mark.parametrize(
    ("field", "value"), [("recipient", ""), ("recipient", "a" * 255), ("subject", "s" * 201)]
)
def test_values_beyond_the_columns_are_refused_by_name(sessions, field, value):
    with sessions.begin() as s, pytest.raises(InvalidInput) as refused:
        send(s, OutboxNotifier(), **{field: value})
    assert refused.value.details == {"field": field}
    with sessions() as s:
        assert s.scalars(select(Notification)).all() == []
