"""Program reports on value recovery: what sales recovered against what customers were paid,
where devices went, how long they took to sell, and the program's objectives against them.

Each report reads its rows in one query and adds them up in Python, so months are bucketed
the same way on SQLite and PostgreSQL. Money is minor units per currency; shares and margins
are basis points, rounded half up. The flow reports (re-quotes, time in each stage) are in
``reports_flow``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from revalue.domain.errors import InvalidInput
from revalue.domain.program import ObjectiveMetric
from revalue.domain.records import REUSE_ROUTES
from revalue.programs import service as programs
from revalue.recovery.models import Channel, InventoryItem, Sale
from revalue.tradeins.models import Disposition, TradeIn

BP = 10_000
SECONDS_A_DAY = 86_400


class InvalidRange(InvalidInput):
    code = "invalid_date_range"


class GroupBy(StrEnum):
    CHANNEL = "channel"
    MODEL = "model"
    GRADE = "grade"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Period:
    """UTC days [start, end): either end may be open."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise InvalidRange(
                f"the period must end after it starts: {self.start} to {self.end}", field="to"
            )

    def where(self, query: Select, column) -> Select:  # type: ignore[no-untyped-def]
        if self.start:
            query = query.where(column >= midnight(self.start))
        if self.end:
            query = query.where(column < midnight(self.end))
        return query

    def holds(self, at: datetime) -> bool:
        return (not self.start or at >= midnight(self.start)) and (
            not self.end or at < midnight(self.end)
        )


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def month(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def rounded(part: int, whole: int) -> int:
    """``part / whole`` rounded half up (0 of nothing)."""
    return (2 * part + whole) // (2 * whole) if whole else 0


def share_bp(part: int, whole: int) -> int:
    return rounded(part * BP, whole)


# Recovery: value recovered against what customers were paid.


@dataclass(frozen=True, slots=True)
class RecoveryRow:
    group: str
    currency: str
    devices: int
    revenue: int  # sale prices
    fees: int
    repair_cost: int
    paid: int  # to the customers
    net: int  # revenue - fees - repair cost
    margin: int  # net - paid
    margin_bp: int  # of revenue


RECOVERY_COLUMNS = tuple(RecoveryRow.__slots__)


def recovery(
    session: Session, program_id: str, *, by: GroupBy = GroupBy.CHANNEL, period: Period = Period()
) -> list[RecoveryRow]:
    """Sales in the period grouped by channel (code), model, grade or month of sale."""
    item = InventoryItem
    query = (
        select(
            Channel.code, TradeIn.model_id, item.grade, Sale.sold_at, Sale.currency,
            Sale.price, Sale.fees, item.repair_cost, item.paid,
        )
        .join(item, item.id == Sale.item_id)
        .join(TradeIn, TradeIn.id == Sale.trade_in_id)
        .join(Channel, Channel.id == Sale.channel_id)
        .where(Sale.program_id == program_id)
    )  # fmt: skip
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 5)
    for channel, model, grade, sold_at, currency, *money in session.execute(
        period.where(query, Sale.sold_at)
    ):
        key = {
            GroupBy.CHANNEL: channel,
            GroupBy.MODEL: model,
            GroupBy.GRADE: grade,
            GroupBy.MONTH: month(sold_at),
        }[by]
        acc = sums[key, currency]
        acc[0] += 1
        for i, amount in enumerate(money, start=1):
            acc[i] += int(amount)
    return [recovery_row(group, currency, *acc) for (group, currency), acc in sorted(sums.items())]


def recovery_row(
    group: str, currency: str, devices: int, revenue: int, fees: int, repair: int, paid: int
) -> RecoveryRow:
    net = revenue - fees - repair
    return RecoveryRow(
        group, currency, devices, revenue, fees, repair, paid, net, net - paid,
        share_bp(net - paid, revenue),
    )  # fmt: skip


def recovery_totals(rows: Iterable[RecoveryRow]) -> list[RecoveryRow]:
    """The rows added up per currency (group ``total``)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for r in rows:
        acc = sums[r.currency]
        for i, v in enumerate((r.devices, r.revenue, r.fees, r.repair_cost, r.paid)):
            acc[i] += v
    return [recovery_row("total", cur, *acc) for cur, acc in sorted(sums.items())]


# Disposition mix: where the disposed devices went.


@dataclass(frozen=True, slots=True)
class MixRow:
    route: str
    channel: str  # "" while the device has no inventory item
    devices: int
    share_bp: int  # of all devices disposed in the period
    reuse: bool


MIX_COLUMNS = tuple(MixRow.__slots__)


def _dispositions(session: Session, program_id: str, period: Period):  # type: ignore[no-untyped-def]
    query = (
        select(Disposition.route, Channel.code, Disposition.disposed_at)
        .join(TradeIn, TradeIn.id == Disposition.trade_in_id)
        .outerjoin(InventoryItem, InventoryItem.trade_in_id == Disposition.trade_in_id)
        .outerjoin(Channel, Channel.id == InventoryItem.channel_id)
        .where(TradeIn.program_id == program_id)
    )
    return session.execute(period.where(query, Disposition.disposed_at))


def disposition_mix(
    session: Session, program_id: str, *, period: Period = Period()
) -> list[MixRow]:
    """Devices disposed in the period, by route and channel, with their share."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for route, channel, _at in _dispositions(session, program_id, period):
        counts[route, channel or ""] += 1
    whole = sum(counts.values())
    return [
        MixRow(route, channel, n, share_bp(n, whole), route in REUSE_ROUTES)
        for (route, channel), n in sorted(counts.items())
    ]


# Days to sell, per channel.


@dataclass(frozen=True, slots=True)
class SpeedRow:
    channel: str
    sold: int
    mean_days: float
    median_days: float
    p90_days: float  # nearest rank: 90 % sold within this


SPEED_COLUMNS = tuple(SpeedRow.__slots__)


def days_to_sell(session: Session, program_id: str, *, period: Period = Period()) -> list[SpeedRow]:
    """Per channel, the days from disposal (or the item's creation, with no disposition) to
    the sale, for sales in the period."""
    item = InventoryItem
    started = func.coalesce(Disposition.disposed_at, item.created_at)
    query = (
        select(Channel.code, started, Sale.sold_at)
        .join(item, item.id == Sale.item_id)
        .join(Channel, Channel.id == Sale.channel_id)
        .outerjoin(Disposition, Disposition.trade_in_id == Sale.trade_in_id)
        .where(Sale.program_id == program_id)
    )
    days: dict[str, list[float]] = defaultdict(list)
    for channel, since, sold_at in session.execute(period.where(query, Sale.sold_at)):
        days[channel].append((sold_at - _aware(since)).total_seconds() / SECONDS_A_DAY)
    return [SpeedRow(channel, len(d), *distribution(d)) for channel, d in sorted(days.items())]


def _aware(at: datetime) -> datetime:
    # ``coalesce`` loses the column's UTC type: SQLite hands back a naive (UTC) time.
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def distribution(values: list[float]) -> tuple[float, float, float]:
    """Mean, median and 90th percentile (nearest rank), to two decimals."""
    ordered = sorted(values)
    p90 = ordered[max(0, -(-9 * len(ordered) // 10) - 1)]  # the ceil(0.9 n)-th value
    return round(statistics.fmean(ordered), 2), round(statistics.median(ordered), 2), round(p90, 2)


# Objectives against targets.


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    metric: str
    target: int
    actual: int
    met: bool


OBJECTIVE_COLUMNS = tuple(ObjectiveRow.__slots__)


def actuals(session: Session, program_id: str, period: Period) -> dict[ObjectiveMetric, int]:
    """Each metric over the period: devices disposed a calendar month on average (over the
    months from the period's first to its last, or the first and last disposal's), the reuse
    routes' share of them, and the margin of sales as a share of their revenue."""
    rows = list(_dispositions(session, program_id, period))
    reused = sum(1 for route, _c, _at in rows if route in REUSE_ROUTES)
    first = period.start or min((at.date() for _r, _c, at in rows), default=None)
    last = (
        date.fromordinal(period.end.toordinal() - 1)
        if period.end
        else max((at.date() for _r, _c, at in rows), default=None)
    )
    months = (last.year - first.year) * 12 + last.month - first.month + 1 if first and last else 0
    sold = recovery_totals(recovery(session, program_id, period=period))
    return {
        ObjectiveMetric.DEVICES_PER_MONTH: rounded(len(rows), months),
        ObjectiveMetric.REUSE_SHARE_BP: share_bp(reused, len(rows)),
        # One currency a program: the first total is all of it.
        ObjectiveMetric.AVERAGE_MARGIN_BP: sold[0].margin_bp if sold else 0,
    }


def objectives(
    session: Session, program_id: str, *, period: Period = Period()
) -> list[ObjectiveRow]:
    """The program's objectives, each with its actual value and whether it is met (at least
    the target)."""
    program = programs.get(session, program_id)
    measured = actuals(session, program_id, period)
    out = []
    for objective in program.objectives:
        actual = measured[ObjectiveMetric(objective["metric"])]
        out.append(
            ObjectiveRow(
                objective["metric"], objective["target"], actual, actual >= objective["target"]
            )
        )
    return out
