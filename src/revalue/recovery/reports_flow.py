"""Reports on the flow of trade-ins, read from their custody chains: how often an inspection
ends in a re-quote and how customers answer, and how long devices spend in each state.

Both read one query ordered by trade-in and sequence and compute in a single pass, keeping
one trade-in's events at a time: tens of thousands of events stream through without being
held in memory at once (the durations for medians excepted).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.lifecycle import Action, State
from revalue.recovery.reports import Period, distribution, month, share_bp
from revalue.tradeins.models import CustodyEvent, TradeIn

BATCH = 5_000  # events fetched from the database at a time
SECONDS_AN_HOUR = 3_600
ACCEPTED = frozenset({str(Action.ACCEPT_REQUOTE), str(Action.REQUOTE_LAPSED_ACCEPT)})
DECLINED = frozenset({str(Action.DECLINE_REQUOTE), str(Action.REQUOTE_LAPSED_RETURN)})
REQUOTE_ACTIONS = frozenset({str(Action.INSPECT), str(Action.OFFER_REQUOTE)}) | ACCEPTED | DECLINED
LIFECYCLE = {str(s): n for n, s in enumerate(State)}  # states listed in the lifecycle's order


@dataclass(frozen=True, slots=True)
class RequoteRow:
    month: str  # of the inspection
    inspected: int
    requoted: int
    requote_rate_bp: int  # of those inspected
    accepted: int  # by the customer, or as the program's terms say when unanswered
    declined: int  # or unanswered and returned
    open: int  # still waiting for an answer


REQUOTE_COLUMNS = tuple(RequoteRow.__slots__)


def requotes(session: Session, program_id: str, *, period: Period = Period()) -> list[RequoteRow]:
    """Trade-ins first inspected in the period, by month: how many were re-quoted, and the
    customers' answers (a trade-in counts once, with its last answer)."""
    events = (
        select(CustodyEvent.trade_in_id, CustodyEvent.action, CustodyEvent.occurred_at)
        .join(TradeIn, TradeIn.id == CustodyEvent.trade_in_id)
        .where(TradeIn.program_id == program_id, CustodyEvent.action.in_(REQUOTE_ACTIONS))
        .order_by(CustodyEvent.trade_in_id, CustodyEvent.seq)
        .execution_options(yield_per=BATCH)
    )
    # month -> inspected, requoted, accepted, declined
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 4)
    current, inspected_at, requoted, answer = None, None, False, None

    def close() -> None:
        if inspected_at is None or not period.holds(inspected_at):
            return
        acc = counts[month(inspected_at)]
        acc[0] += 1
        acc[1] += requoted
        acc[2] += answer == "accepted"
        acc[3] += answer == "declined"

    for trade_in_id, action, at in session.execute(events):
        if trade_in_id != current:
            close()
            current, inspected_at, requoted, answer = trade_in_id, None, False, None
        if action == Action.INSPECT:
            inspected_at = inspected_at or at
        elif action == Action.OFFER_REQUOTE:
            requoted, answer = True, None
        elif action in ACCEPTED:
            answer = "accepted"
        elif action in DECLINED:
            answer = "declined"
    close()
    return [
        RequoteRow(m, n, r, share_bp(r, n), a, d, r - a - d)
        for m, (n, r, a, d) in sorted(counts.items())
    ]


@dataclass(frozen=True, slots=True)
class StageRow:
    state: str
    devices: int  # that entered the state and left it in the period
    mean_hours: float
    median_hours: float
    p90_hours: float


STAGE_COLUMNS = tuple(StageRow.__slots__)


def stages(session: Session, program_id: str, *, period: Period = Period()) -> list[StageRow]:
    """Per state, the hours devices spent in it, from the event that moved them in to the one
    that moved them out, for stays that ended in the period (a device in a state twice counts
    once, with its time added up). Events that leave the state as it was (notes, reprices)
    do not end a stay; a device still in a state is not counted there yet."""
    events = (
        select(CustodyEvent.trade_in_id, CustodyEvent.to_state, CustodyEvent.occurred_at)
        .join(TradeIn, TradeIn.id == CustodyEvent.trade_in_id)
        .where(TradeIn.program_id == program_id)
        .order_by(CustodyEvent.trade_in_id, CustodyEvent.seq)
        .execution_options(yield_per=BATCH)
    )
    hours: dict[str, list[float]] = defaultdict(list)
    current, state, since = None, "", None
    stays: dict[str, float] = defaultdict(float)  # the current trade-in's, per state

    def close() -> None:
        for name, spent in stays.items():
            hours[name].append(spent)
        stays.clear()

    for trade_in_id, to_state, at in session.execute(events):
        if trade_in_id != current:
            close()
            current, state, since = trade_in_id, to_state, at
            continue
        if to_state == state:
            continue
        assert since is not None
        if period.holds(at):
            stays[state] += _hours(since, at)
        state, since = to_state, at
    close()
    ordered = sorted(hours.items(), key=lambda kv: (LIFECYCLE.get(kv[0], len(LIFECYCLE)), kv[0]))
    return [StageRow(name, len(h), *distribution(h)) for name, h in ordered]


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / SECONDS_AN_HOUR
