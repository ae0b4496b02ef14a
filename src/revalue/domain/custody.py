"""The custody log's hash chain: each event's hash covers its content and the previous hash.

Content is serialized canonically (sorted keys, no spaces, UTC times to the microsecond), so
the same event always hashes the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_time(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds; a naive time is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True, kw_only=True)
class EventContent:
    trade_in_id: str
    seq: int
    occurred_at: datetime
    actor: str
    place: str
    action: str
    from_state: str | None
    to_state: str
    data: Mapping[str, Any]

    def payload(self) -> str:
        return json.dumps(
            {
                "trade_in_id": self.trade_in_id,
                "seq": self.seq,
                "occurred_at": canonical_time(self.occurred_at),
                "actor": self.actor,
                "place": self.place,
                "action": self.action,
                "from_state": self.from_state,
                "to_state": self.to_state,
                "data": self.data,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


def event_hash(*, prev_hash: str, content: EventContent) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content.payload()}".encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    event_id: int
    content: EventContent
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainBreak:
    trade_in_id: str
    event_id: int | None
    seq: int | None
    reason: str


def verify_chain(
    *, trade_in_id: str, events: Iterable[StoredEvent], head_hash: str, head_seq: int
) -> ChainBreak | None:
    """The first break in one trade-in's chain, or None when every link holds.

    ``head_hash``/``head_seq`` are what the trade-in row says its last event is: they catch a
    deleted tail, which the links alone cannot.
    """
    prev, expected_seq = GENESIS, 1
    for event in events:
        brk = lambda reason, e=event: ChainBreak(  # noqa: E731 - local shorthand
            trade_in_id=trade_in_id, event_id=e.event_id, seq=e.content.seq, reason=reason
        )
        if event.content.seq != expected_seq:
            return brk(f"sequence {event.content.seq} where {expected_seq} was expected")
        if event.prev_hash != prev:
            return brk("previous-hash link does not match the event before it")
        if event_hash(prev_hash=prev, content=event.content) != event.hash:
            return brk("content does not match its hash (the event was altered)")
        prev, expected_seq = event.hash, expected_seq + 1
    if expected_seq - 1 != head_seq or prev != head_hash:
        return ChainBreak(
            trade_in_id=trade_in_id,
            event_id=None,
            seq=expected_seq - 1,
            reason=f"chain ends at event {expected_seq - 1} but the trade-in records "
            f"{head_seq} events (events were removed or added outside the log)",
        )
    return None
