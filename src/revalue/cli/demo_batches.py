"""The demo's store batches: the devices each store or kiosk took in during a week leave in one
batch when the courier next calls (each site has its day of the week) and are scanned in at the
processing site's dock one to three days later, where each device's story goes on. The latest
batches are still open or on their way; one older batch arrived a device short (closed with it
missing, as the overdue report shows)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from revalue.cli.demo_logistics import KIOSKS, PROCESSING, STORES
from revalue.domain.catalog import Category
from revalue.domain.context import Context
from revalue.logistics import batches
from revalue.quotes.schemas import ConditionIn

MISSING_AGE = (timedelta(days=30), timedelta(days=60))  # how old the batch a device is lost from
ROTA_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: the couriers' weekly rota counts from it
WEEK = timedelta(days=7)


@dataclass
class Handed:
    """A device handed over at a store or kiosk, its story paused at the store's receipt."""

    index: int  # the order the demo walked it in: keeps the seed's order
    tid: str
    site_id: str
    at: datetime
    declared: ConditionIn
    category: Category


def _rota(site_id: str) -> timedelta:
    """When in the week the courier calls at the site: each on its own day, at 16:00."""
    index = (STORES + KIOSKS).index(site_id)
    return timedelta(days=index % 7, hours=16)


def _collection(site_id: str, at: datetime) -> datetime:
    """The courier's next call at the site after ``at``: the batch the device leaves in."""
    offset = ROTA_EPOCH + _rota(site_id)
    return offset + ((at - offset) // WEEK + 1) * WEEK


def run(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    rng: random.Random,
    handed: list[Handed],
    dock: int,
    go_on: Callable[[Session, Handed, datetime], None],
    advance: Callable[[], None],
) -> None:
    """Batch the devices by (site, week), dispatch, scan in, and let ``go_on`` continue each
    device's story (in its own transaction) from the moment it was scanned in."""
    groups: dict[tuple[datetime, str], list[Handed]] = {}
    for h in sorted(handed, key=lambda h: (h.at, h.index)):
        groups.setdefault((_collection(h.site_id, h.at), h.site_id), []).append(h)
    lose_one = True
    for (collection, site_id), devices in sorted(groups.items()):
        dispatch_at = collection + timedelta(minutes=rng.uniform(0, 90))
        arrive_at = dispatch_at + timedelta(days=rng.uniform(1, 3))
        associate = f"associate-{site_id}"
        with factory.begin() as s:
            first = devices[0].at + timedelta(minutes=5)
            ctx = Context(actor=associate, place=site_id, now=min(first, now))
            batch = batches.create(s, from_site_id=site_id, to_site_id=PROCESSING, ctx=ctx)
            for h in devices:
                later = h.at + timedelta(minutes=rng.uniform(10, 240))
                packed = min(later, now, max(h.at, dispatch_at - timedelta(minutes=15)))
                batches.add_item(
                    s, batch.id, h.tid, Context(actor=associate, place=site_id, now=packed)
                )
            if dispatch_at <= now:
                batches.dispatch(
                    s,
                    batch.id,
                    Context(actor=associate, place=site_id, now=dispatch_at),
                    carrier="store courier",
                )
            batch_id = batch.id
        if dispatch_at > now:  # this week's batch: still open at the store
            for _ in devices:
                advance()
            continue
        # One older batch is closed a device short: it never reached the dock.
        short = lose_one and MISSING_AGE[0] <= now - dispatch_at <= MISSING_AGE[1]
        lose_one = lose_one and not short
        receiver = f"receiver-{rng.randint(1, 6)}"
        at = arrive_at
        for i, h in enumerate(devices):
            at += timedelta(minutes=rng.uniform(1, 6))
            if at > now or (short and i == len(devices) - 1):
                advance()
                continue
            with factory.begin() as s:
                ctx = Context(actor=receiver, place=PROCESSING, now=at)
                batches.receive_item(s, batch_id, PROCESSING, h.tid, ctx, location_id=dock)
                go_on(s, h, at)
            advance()
        closed = at + timedelta(hours=2)
        if closed <= now:
            with factory.begin() as s:
                batches.close(s, batch_id, Context(actor=receiver, place=PROCESSING, now=closed))
