"""Personal data retention: a closed trade-in's customer details are erased once the
program's retention period has passed since it closed.

What reports and audits need stays: the trade-in, its quotes, payment and custody log. The log
never held the details (it refers to the contact by id), so every hash still verifies; the
erasure itself is logged as one more event on the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.customers import contacts, links
from revalue.customers.models import CustomerContact
from revalue.domain.context import Context
from revalue.domain.lifecycle import TERMINAL
from revalue.events import notify
from revalue.programs.models import Program
from revalue.tradeins import custody
from revalue.tradeins.models import TradeIn

ERASE_ACTION = "erase_personal_data"


@dataclass
class Report:
    erased: dict[str, int] = field(default_factory=dict)  # per program

    @property
    def total(self) -> int:
        return sum(self.erased.values())


def due(session: Session, ctx: Context) -> list[tuple[TradeIn, CustomerContact]]:
    """Closed trade-ins whose contact details have outlived their program's retention."""
    rows = session.execute(
        select(TradeIn, CustomerContact, Program.retention_days)
        .join(CustomerContact, CustomerContact.trade_in_id == TradeIn.id)
        .join(Program, Program.id == TradeIn.program_id)
        .where(
            TradeIn.state.in_([str(s) for s in TERMINAL]),
            CustomerContact.erased_at.is_(None),
        )
        .order_by(TradeIn.id)
    ).all()
    return [
        (trade_in, contact)
        for trade_in, contact, days in rows
        if trade_in.updated_at + timedelta(days=days) <= ctx.now
    ]


def run(session: Session, ctx: Context, *, dry_run: bool = False) -> Report:
    report = Report()
    for trade_in, contact in due(session, ctx):
        report.erased[trade_in.program_id] = report.erased.get(trade_in.program_id, 0) + 1
        if dry_run:
            continue
        contacts.erase(contact, ctx)
        notify.forget(session, contact.id)
        links.revoke_all(session, trade_in.id, ctx)
        custody.note(session, trade_in, ERASE_ACTION, {"contact_ref": contact.id}, ctx)
    return report
