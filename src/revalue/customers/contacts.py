"""Customer contact details: written, read and erased here only. They never reach a log or
the custody log, which refers to a contact by its id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.customers.models import CustomerContact
from revalue.customers.schemas import ContactIn
from revalue.domain.context import Context
from revalue.ids import new_id


def get(session: Session, trade_in_id: str) -> CustomerContact | None:
    return session.scalars(
        select(CustomerContact).where(CustomerContact.trade_in_id == trade_in_id)
    ).first()


def save(session: Session, trade_in_id: str, data: ContactIn, ctx: Context) -> CustomerContact:
    """Create or update the trade-in's contact; fields not given keep their value."""
    contact = get(session, trade_in_id)
    if contact is None:
        contact = CustomerContact(
            id=new_id("c", ctx.now), trade_in_id=trade_in_id, created_at=ctx.now
        )
        session.add(contact)
    given = data.model_dump(exclude_unset=True, mode="json")
    if "email" in given and given["email"] is not None:
        given["email"] = given["email"].strip().lower()
    for name, value in given.items():
        setattr(contact, name, value)
    contact.erased_at = None
    contact.updated_at = ctx.now
    session.flush()
    return contact


def erase(contact: CustomerContact, ctx: Context) -> None:
    contact.name = contact.email = contact.phone = None
    contact.address = None
    contact.erased_at = contact.updated_at = ctx.now


def by_email(session: Session, email: str) -> list[CustomerContact]:
    return list(
        session.scalars(
            select(CustomerContact).where(
                CustomerContact.email == email.strip().lower(),
                CustomerContact.erased_at.is_(None),
            )
        )
    )
