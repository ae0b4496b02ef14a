"""The dashboard's figures that no report computes yet: trade-ins quoted a month with how many
of them reached a processing site, and the average initial offer per payout method.

Each reads one query and adds up in Python, months bucketed as the recovery reports do, so
SQLite and PostgreSQL agree; a few thousand trade-ins stream through in one pass.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from revalue.domain.lifecycle import Action
from revalue.quotes.models import Quote
from revalue.recovery.reports import month, rounded, share_bp
from revalue.tradeins.models import CustodyEvent, TradeIn

BATCH = 5_000
INITIAL = "initial"


@dataclass(frozen=True, slots=True)
class VolumeRow:
    month: str  # of the quote, YYYY-MM
    quoted: int  # trade-ins opened by a quote that month
    received: int  # of those, received at a site or store since (whatever happened after)
    conversion_bp: int  # received of quoted


@dataclass(frozen=True, slots=True)
class OfferRow:
    method: str
    currency: str
    quotes: int
    average: int  # minor units, rounded half up


def volume(session: Session, program_id: str) -> list[VolumeRow]:
    """Per month of the quote: trade-ins quoted, and how many were ever received."""
    received = exists().where(
        CustodyEvent.trade_in_id == TradeIn.id, CustodyEvent.action == str(Action.RECEIVE)
    )
    stmt = (
        select(TradeIn.created_at, received)
        .where(TradeIn.program_id == program_id)
        .execution_options(yield_per=BATCH)
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for created_at, was_received in session.execute(stmt):
        acc = counts[month(created_at)]
        acc[0] += 1
        acc[1] += bool(was_received)
    return [VolumeRow(m, q, r, share_bp(r, q)) for m, (q, r) in sorted(counts.items())]


def average_offers(session: Session, program_id: str) -> list[OfferRow]:
    """The mean offer of the program's initial quotes, per payout method they offered."""
    stmt = (
        select(Quote.currency, Quote.offers)
        .where(Quote.program_id == program_id, Quote.kind == INITIAL)
        .execution_options(yield_per=BATCH)
    )
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for currency, offers in session.execute(stmt):
        for offer in offers:
            acc = sums[offer["method"], currency]
            acc[0] += 1
            acc[1] += int(offer["amount"])
    return [
        OfferRow(method, currency, n, rounded(total, n))
        for (method, currency), (n, total) in sorted(sums.items())
    ]
