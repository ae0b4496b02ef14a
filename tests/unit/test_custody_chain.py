from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.custody import (
    GENESIS,
    EventContent,
    StoredEvent,
    canonical_time,
    event_hash,
    verify_chain,
)

T0 = datetime(2026, 6, 15, 12, tzinfo=UTC)


def chain(n, trade_in_id="t_1"):
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        content = EventContent(
            trade_in_id=trade_in_id,
            seq=seq,
            occurred_at=T0 + timedelta(hours=seq),
            actor="a",
            place="p",
            action=f"act{seq}",
            from_state=None,
            to_state="s",
            data={"amount": seq * 100, "note": "é"},
        )
        h = event_hash(prev_hash=prev, content=content)
        events.append(StoredEvent(event_id=seq * 10, content=content, prev_hash=prev, hash=h))
        prev = h
    return events


def verify(events, head_seq=None, head_hash=None):
    return verify_chain(
        trade_in_id="t_1",
        events=events,
        head_seq=len(events) if head_seq is None else head_seq,
        head_hash=(events[-1].hash if events else GENESIS) if head_hash is None else head_hash,
    )


def test_an_intact_chain_verifies():
    assert verify(chain(5)) is None


def test_the_hash_covers_the_content_and_the_previous_hash():
    content = chain(1)[0].content
    assert event_hash(prev_hash=GENESIS, content=content) != event_hash(
        prev_hash="1" * 64, content=content
    )
    assert event_hash(prev_hash=GENESIS, content=content) != event_hash(
        prev_hash=GENESIS, content=replace(content, data={"amount": 101, "note": "é"})
    )


def test_canonical_time_is_utc_whatever_the_offset():
    plus2 = T0.astimezone(timezone(timedelta(hours=2)))
    assert canonical_time(plus2) == canonical_time(T0) == "2026-06-15T12:00:00.000000Z"
    assert canonical_time(T0.replace(tzinfo=None)) == canonical_time(T0)


@given(st.integers(1, 6), st.data())
def test_altering_any_event_is_detected_at_that_event(n, data):
    events = chain(n)
    i = data.draw(st.integers(0, n - 1))
    altered = replace(events[i].content, data={"amount": 1, "note": "é"})
    events[i] = replace(events[i], content=altered)
    brk = verify(events, head_seq=n, head_hash=chain(n)[-1].hash)
    assert brk is not None and brk.event_id == (i + 1) * 10 and "altered" in brk.reason


def test_a_removed_middle_event_is_named():
    events = chain(4)
    del events[1]
    brk = verify(events, head_seq=4, head_hash=chain(4)[-1].hash)
    assert brk.event_id == 30 and "sequence 3 where 2 was expected" in brk.reason


def test_a_removed_tail_is_caught_by_the_head():
    events = chain(4)
    brk = verify(events[:3], head_seq=4, head_hash=events[-1].hash)
    assert brk is not None and brk.event_id is None and "records 4 events" in brk.reason


def test_a_relinked_forgery_is_caught_by_the_head():
    # An attacker rewrites event 2 and recomputes every hash after it: each link holds, but
    # the trade-in row's head no longer matches.
    events = chain(3)
    forged, prev = list(events[:1]), events[0].hash
    for e in events[1:]:
        content = replace(e.content, data={"amount": 0, "note": "é"})
        h = event_hash(prev_hash=prev, content=content)
        forged.append(StoredEvent(event_id=e.event_id, content=content, prev_hash=prev, hash=h))
        prev = h
    brk = verify(forged, head_seq=3, head_hash=events[-1].hash)
    assert brk is not None and brk.event_id is None
