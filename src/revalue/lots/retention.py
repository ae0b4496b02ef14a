"""A settled lot's business contact is personal data too (a named person): erased once the
program's retention period has passed since the lot settled, like a trade-in's customer.
The lot, its lines, summary and the devices' trade-ins stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.lots import service
from revalue.lots.models import BusinessLot, LotContact
from revalue.programs.models import Program


def run(session: Session, ctx: Context, *, dry_run: bool = False) -> dict[str, int]:
    """Erase (or count, with ``dry_run``) the contacts due; the count per program."""
    rows = session.execute(
        select(BusinessLot, LotContact, Program.retention_days)
        .join(LotContact, LotContact.lot_id == BusinessLot.id)
        .join(Program, Program.id == BusinessLot.program_id)
        .where(BusinessLot.status == service.SETTLED, LotContact.erased_at.is_(None))
        .order_by(BusinessLot.id)
    ).all()
    erased: dict[str, int] = {}
    for lot, contact, days in rows:
        if lot.updated_at + timedelta(days=days) > ctx.now:
            continue
        erased[lot.program_id] = erased.get(lot.program_id, 0) + 1
        if not dry_run:
            contact.name = contact.email = contact.phone = None
            contact.address = None
            contact.erased_at = contact.updated_at = ctx.now
    return erased
