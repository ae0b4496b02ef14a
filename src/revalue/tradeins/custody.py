"""Writing and verifying the custody log.

``link`` hashes the next event onto a trade-in's chain and moves the chain head; ``append``
links and inserts it at once, in the caller's transaction (one INSERT statement rather than the
ORM's unit of work: every action writes one). ``verify_all`` recomputes every chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from revalue.domain.context import Context
from revalue.domain.custody import (
    ChainBreak,
    EventContent,
    StoredEvent,
    event_hash,
    verify_chain,
)
from revalue.tradeins import repository
from revalue.tradeins.models import CustodyEvent, TradeIn


def append(session: Session, trade_in: TradeIn, **event: Any) -> None:
    """Link the next event to the trade-in's chain and insert it."""
    repository.insert_event(session, link(trade_in, **event))


def note(
    session: Session, trade_in: TradeIn, action: str, data: dict[str, Any], ctx: Context
) -> None:
    """An event on the chain that does not move the trade-in (a check, a photo, a
    certificate, an erasure)."""
    append(
        session,
        trade_in,
        action=action,
        from_state=trade_in.state,
        to_state=trade_in.state,
        ctx=ctx,
        data=data,
    )


def link(
    trade_in: TradeIn,
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    ctx: Context,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The next event's row, hashed onto the chain; the trade-in's head moves to it."""
    content = EventContent(
        trade_in_id=trade_in.id,
        seq=trade_in.last_seq + 1,
        occurred_at=ctx.now,
        actor=ctx.actor,
        place=ctx.place,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
    digest = event_hash(prev_hash=trade_in.last_hash, content=content)
    row = {
        "trade_in_id": trade_in.id,
        "seq": content.seq,
        "occurred_at": content.occurred_at,
        "actor": content.actor,
        "place": content.place,
        "action": content.action,
        "from_state": from_state,
        "to_state": to_state,
        "data": dict(content.data),
        "prev_hash": trade_in.last_hash,
        "hash": digest,
    }
    trade_in.last_seq, trade_in.last_hash = content.seq, digest
    return row


def stored(event: CustodyEvent) -> StoredEvent:
    return StoredEvent(
        event_id=event.id,
        prev_hash=event.prev_hash,
        hash=event.hash,
        content=EventContent(
            trade_in_id=event.trade_in_id,
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor=event.actor,
            place=event.place,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            data=event.data,
        ),
    )


def verify_one(session: Session, trade_in: TradeIn) -> ChainBreak | None:
    return verify_chain(
        trade_in_id=trade_in.id,
        events=(stored(e) for e in repository.events(session, trade_in.id)),
        head_hash=trade_in.last_hash,
        head_seq=trade_in.last_seq,
    )


@dataclass(slots=True)
class VerifyReport:
    chains: int = 0
    events: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)


def verify_all(
    session: Session,
    progress: Callable[[int], None] | None = None,
    within: frozenset[str] | None = None,
) -> VerifyReport:
    """Recompute every chain (of those programs); report each broken chain's first bad event."""
    heads = repository.chain_heads(session, within)
    report = VerifyReport()
    seen: set[str] = set()

    for trade_in_id, group in groupby(
        repository.all_events(session, within=within), lambda e: e.trade_in_id
    ):
        events = [stored(e) for e in group]
        seen.add(trade_in_id)
        report.chains += 1
        report.events += len(events)
        head_seq, head_hash = heads.get(trade_in_id, (0, ""))
        brk = verify_chain(
            trade_in_id=trade_in_id, events=events, head_hash=head_hash, head_seq=head_seq
        )
        if brk is not None:
            report.breaks.append(brk)
        if progress:
            progress(1)
    for trade_in_id in sorted(set(heads) - seen):
        report.chains += 1
        report.breaks.append(
            ChainBreak(
                trade_in_id=trade_in_id,
                event_id=None,
                seq=None,
                reason="the trade-in has no custody events at all",
            )
        )
    return report
