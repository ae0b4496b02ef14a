"""The demo's value recovery: every week, the devices the erasure bench finished are planned
by the optimizer and the plan applied; technicians repair what the plan says (a few fail the
quality check), refurbished and marketplace devices are listed and sell after about their
channel's days to sell, wholesale devices leave in a weekly B2B lot, parts and recycling go
with the weekly pick-up. Then a market feed (with outliers) is imported, resale estimates are
refreshed and a price book is proposed for a manager's review."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from revalue.cli import demo_recovery_setup
from revalue.domain.condition import Grade
from revalue.domain.context import Context
from revalue.domain.lifecycle import State
from revalue.domain.records import Route, Verification
from revalue.domain.recovery import ChannelTerms, WorkOrderStatus
from revalue.recovery import (
    inputs,
    inventory,
    market,
    planning,
    repository,
    repricing,
    sales,
    saleslots,
)
from revalue.recovery import workorders as work
from revalue.recovery.models import Channel, ChannelPrice, InventoryItem, WorkOrder
from revalue.recovery.planning_schemas import FinishIn
from revalue.tradeins.models import Sanitization, TradeIn

PROCESSING = "processing-center-1"
WEEK = timedelta(days=7)
LISTED = (Route.REFURBISH_RESELL, Route.MARKETPLACE)
BUYERS = {
    "wholesale-tier1": "Northwind Devices Ltd",
    "liquidator": "Clearance Traders Inc",
    "parts": "Spare Parts Exchange LLC",
    "recycler": "GreenCycle Recycling",
}
WORSE = {Grade.A: Grade.B, Grade.B: Grade.C, Grade.C: Grade.D, Grade.D: Grade.D}


@dataclass
class Tally:
    plans: int = 0
    planned: int = 0
    recovery: int = 0  # the optimizer's expected net
    greedy: int = 0
    proposal: str | None = None
    feed_rows: int = 0
    estimates: int = 0
    routes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def run(
    factory: sessionmaker[Session], *, rng: random.Random, now: datetime, program_id: str
) -> Tally:
    with factory.begin() as session:
        demo_recovery_setup.set_up(session, program_id, now, _ctx("demo", now))
        erased = _erased_by_week(session, program_id, now)
    tally = Tally()
    for week_end, ids in sorted(erased.items()):
        with factory.begin() as session:
            _week(session, rng, now, program_id, week_end, ids, tally)
    with factory.begin() as session:
        _market(session, rng, now, program_id, tally)
    return tally


def _ctx(actor: str, at: datetime, place: str = PROCESSING) -> Context:
    return Context(actor=actor, place=place, now=at)


def _erased_by_week(session: Session, program_id: str, now: datetime) -> dict[datetime, list[str]]:
    """The devices waiting for a route, by the end of the week their erasure finished in;
    this week's wait for next week's plan."""
    unchecked = select(Sanitization.trade_in_id).where(
        Sanitization.verification == str(Verification.REQUIRED)
    )  # held until a second technician checks the erasure
    done = (
        select(TradeIn.id, func.max(Sanitization.completed_at))
        .join(Sanitization, Sanitization.trade_in_id == TradeIn.id)
        .where(
            TradeIn.program_id == program_id,
            TradeIn.state == str(State.SANITIZED),
            TradeIn.id.not_in(unchecked),
        )
        .group_by(TradeIn.id)
    )
    weeks: dict[datetime, list[str]] = defaultdict(list)
    start = (now - 26 * WEEK).replace(hour=0, minute=0, second=0, microsecond=0)
    origin = start - timedelta(days=start.weekday())  # plans are made on Monday mornings
    for tid, finished in session.execute(done):
        finished = finished if finished.tzinfo else finished.replace(tzinfo=now.tzinfo)
        week_end = origin + WEEK * ((finished - origin) // WEEK + 1)
        if week_end <= now:
            weeks[week_end].append(tid)
    return weeks


def _week(
    session: Session,
    rng: random.Random,
    now: datetime,
    program_id: str,
    week_end: datetime,
    ids: list[str],
    tally: Tally,
) -> None:
    plan = planning.make(
        session,
        program_id,
        strategy=None,
        horizon_days=None,
        time_limit_s=10,
        trade_in_ids=ids,
        ctx=_ctx("recovery-manager", week_end),
    )
    planning.apply(session, plan.id, _ctx("recovery-manager", week_end))
    tally.plans += 1
    tally.planned += plan.devices
    tally.recovery += plan.summary["recovery"]
    tally.greedy += plan.summary.get("greedy_recovery") or 0
    items = session.scalars(select(InventoryItem).where(InventoryItem.trade_in_id.in_(ids))).all()
    channels = {c.id: c for c in repository.channels(session, program_id)}
    # Each channel's price list as the optimizer reads it (an exact grade, else "*").
    terms = {t.id: t for t in inputs.channel_terms(session, program_id, 7)}
    orders = {
        o.trade_in_id: o
        for o in session.scalars(select(WorkOrder).where(WorkOrder.plan_id == plan.id))
    }
    lots: dict[str, list[tuple[InventoryItem, datetime]]] = defaultdict(list)
    for item in items:
        tally.routes[item.route] += 1
        ready = week_end + timedelta(hours=rng.uniform(2, 24))
        order = orders.get(item.trade_in_id)
        if order is not None:
            ready = _repair(session, rng, order, ready)
            if ready is None or ready > now:
                continue
        channel = channels[item.channel_id]
        price = terms[channel.id].price(item.variant_sku, item.grade) or 0
        if Route(item.route) in LISTED:
            _list_and_sell(session, rng, now, item, channel, price, ready)
        elif Route(item.route) == Route.WHOLESALE:
            lots[channel.code].append((item, ready))
        else:  # parts and recycling leave with the weekly pick-up
            pick_up = week_end + timedelta(days=rng.uniform(3, 8))
            if pick_up <= now:
                sell = _ctx("recovery-desk", pick_up)
                sales.sell(
                    session,
                    item.id,
                    price=price,
                    buyer=BUYERS[channel.code],
                    sold_at=None,
                    ctx=sell,
                )
    for code, held in lots.items():
        _wholesale_lot(session, rng, now, program_id, week_end, code, held, terms)


def _repair(
    session: Session, rng: random.Random, order: WorkOrder, at: datetime
) -> datetime | None:
    """The work order's story; when the device is back in stock, or None if still on a bench."""
    started = at + timedelta(hours=rng.uniform(4, 48))
    if started > at + timedelta(days=30):
        return None
    technician = f"technician-{rng.randint(1, 6)}"
    work.start(session, order.id, _ctx(technician, started))
    finished = started + timedelta(hours=rng.uniform(1, 30))
    passed = rng.random() < 0.92
    target = Grade(order.grade_target)
    work.finish(
        session,
        order.id,
        FinishIn(
            passed=passed,
            grade_after=target if passed else WORSE[target],
            actual_parts_cost=order.parts_cost + (0 if passed else rng.randint(0, 2_000)),
            actual_labour_minutes=max(5, int(order.labour_minutes * rng.uniform(0.7, 1.5))),
            notes="" if passed else "touch response uneven after the repair",
        ),
        _ctx(technician, finished),
    )
    assert order.status in (WorkOrderStatus.QC_PASSED, WorkOrderStatus.QC_FAILED)
    return finished


def _list_and_sell(
    session: Session,
    rng: random.Random,
    now: datetime,
    item: InventoryItem,
    channel: Channel,
    price: int,
    ready: datetime,
) -> None:
    listed_at = ready + timedelta(hours=rng.uniform(2, 24))
    if listed_at > now or not price:
        return
    inventory.list_item(session, item.id, price, _ctx("listing-desk", listed_at))
    sold_at = listed_at + timedelta(days=channel.days_to_sell * rng.uniform(0.3, 1.8))
    if sold_at <= now:
        paid = int(price * rng.uniform(0.9, 1.03)) // 100 * 100
        order = f"ORDER-{rng.randint(10**6, 10**7)}"  # an order reference, never the buyer
        sales.sell(
            session,
            item.id,
            price=paid,
            buyer=order,
            sold_at=None,
            ctx=_ctx("web-shop", sold_at, "web"),
        )


def _wholesale_lot(
    session: Session,
    rng: random.Random,
    now: datetime,
    program_id: str,
    week_end: datetime,
    code: str,
    held: list[tuple[InventoryItem, datetime]],
    terms: dict[str, ChannelTerms],
) -> None:
    built = max(ready for _, ready in held) + timedelta(days=1)
    sold = built + timedelta(days=rng.uniform(1, 4))
    if sold > now:
        return
    items = [item for item, _ in held]
    asking = sum(terms[i.channel_id].price(i.variant_sku, i.grade) or 0 for i in items)
    lot, _ = saleslots.create(
        session,
        program_id,
        reference=f"{code.upper()}-{week_end:%Y-%m-%d}",
        channel_id=items[0].channel_id,
        item_ids=[i.id for i in items],
        asking_price=asking,
        ctx=_ctx("wholesale-desk", built),
    )
    offer = int(asking * rng.uniform(0.94, 1.01))
    saleslots.sell(
        session,
        lot.id,
        buyer=BUYERS[code],
        price=offer,
        sold_at=None,
        ctx=_ctx("wholesale-desk", sold),
    )


def _market(
    session: Session, rng: random.Random, now: datetime, program_id: str, tally: Tally
) -> None:
    """A market feed for the most traded variants, a few rows wildly off, then the estimates
    and a price book proposed from them, awaiting a manager's review."""
    top = session.execute(
        select(ChannelPrice.variant_sku, ChannelPrice.grade, ChannelPrice.amount)
        .join(Channel, Channel.id == ChannelPrice.channel_id)
        .where(Channel.program_id == program_id, Channel.code == "marketplace")
    ).all()
    traded = {
        sku
        for (sku,) in session.execute(
            select(TradeIn.variant_sku).where(TradeIn.program_id == program_id).distinct()
        )
    }
    lines = ["variant_sku,grade,price,currency,observed_at,reference"]
    for sku, grade, amount in top:
        if sku not in traded or grade not in ("A", "B", "C"):
            continue
        for n in range(rng.randint(4, 9)):
            days_ago = rng.uniform(0, 120)
            drift = 1 + days_ago * 0.0008  # older sales were a little dearer
            noise = rng.uniform(0.93, 1.07)
            if rng.random() < 0.03:
                noise = rng.choice((0.25, 2.6))  # a mistyped or bundled listing
            price = int(amount * drift * noise)
            at = (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
            lines.append(f"{sku},{grade},{price},USD,{at},{sku}-{grade}-{n}")
    analyst = _ctx("pricing-analyst", now, "web")
    imported = market.import_feed(
        session, program_id, source="demo-market-feed", text="\n".join(lines) + "\n", ctx=analyst
    )
    tally.feed_rows = imported.imported
    tally.estimates = len(market.refresh(session, program_id, analyst))
    proposal = repricing.propose(
        session, program_id, target_margin_bp=None, cost_bp=1_500, cost_fixed=1_000, ctx=analyst
    )
    tally.proposal = proposal.id
