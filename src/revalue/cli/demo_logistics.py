"""The demo's logistics: a processing site with its dock, benches, shelves and cage, twelve
stores and three kiosks; mail-in parcels labelled, tracked by the built-in carrier and
received at the site (now and then empty, holding another device, or lost on the way);
devices handed over in store received there (the batches are demo_batches'); moves inside
the processing site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.cli import demo_payouts
from revalue.domain.context import Context
from revalue.domain.logistics import Contents, SiteKind
from revalue.domain.program import Pathway
from revalue.logistics import receipts, receiving, sites, tracking
from revalue.logistics import shipments as labels
from revalue.logistics.carriers import CarrierEvent, Status
from revalue.logistics.models import Location, Shipment, TransitClaim
from revalue.logistics.models import Site as SiteRow
from revalue.tradeins import schemas
from revalue.tradeins import service as tradeins

if TYPE_CHECKING:  # the walk's state, defined by the demo that calls this
    from revalue.cli.demo import Story

PROCESSING = "processing-center-1"
STORES = [f"store-{i:04d}" for i in range(1, 13)]
KIOSKS = [f"kiosk-{i:02d}" for i in range(1, 4)]
CITIES = [
    ("Columbus", "OH", "43215"),
    ("Dayton", "OH", "45402"),
    ("Toledo", "OH", "43604"),
    ("Akron", "OH", "44308"),
    ("Indianapolis", "IN", "46204"),
    ("Fort Wayne", "IN", "46802"),
    ("Louisville", "KY", "40202"),
    ("Lexington", "KY", "40507"),
    ("Pittsburgh", "PA", "15222"),
    ("Detroit", "MI", "48226"),
    ("Grand Rapids", "MI", "49503"),
    ("Cincinnati", "OH", "45202"),
]
# Code, kind, what it is for: the site's dock, receiving benches, shelves and erasure cage.
LOCATIONS = [
    ("DOCK-1", "dock", "inbound dock: store batches are scanned in here"),
    ("RCV-1", "bench", "receiving bench: parcels opened and weighed"),
    ("RCV-2", "bench", "receiving bench: parcels opened and weighed"),
    ("RCV-3", "bench", "receiving bench: parcels opened and weighed"),
    ("SHELF-A", "shelf", "inspected, waiting for the offer to settle"),
    ("SHELF-B", "shelf", "inspected, waiting for the offer to settle"),
    ("SHELF-C", "shelf", "inspected, waiting for the offer to settle"),
    ("CAGE-1", "cage", "locked cage: devices awaiting erasure"),
]
CARRIER = "revalue-post"
DEVICE_WEIGHT_G = 180  # about what the device adds to its padded box


@dataclass(frozen=True)
class Sites:
    """The demo's location ids at the processing site, by code."""

    locations: dict[str, int]

    def benches(self) -> list[int]:
        return [v for k, v in sorted(self.locations.items()) if k.startswith("RCV-")]

    def shelves(self) -> list[int]:
        return [v for k, v in sorted(self.locations.items()) if k.startswith("SHELF-")]


def set_up(session: Session, ctx: Context) -> Sites:
    """The demo's sites and locations, if missing (before the program, which names its
    receiving site)."""
    if session.get(SiteRow, PROCESSING) is None:
        address = {
            "name": "Revalue Demo Processing",
            "line1": "4100 Logistics Parkway",
            "city": "Groveport",
            "region": "OH",
            "postcode": "43125",
            "country": "US",
        }
        sites.create_site(
            session,
            site_id=PROCESSING,
            kind=SiteKind.PROCESSING,
            name="Processing center 1",
            address=address,
            ctx=ctx,
        )
        for code, kind, description in LOCATIONS:
            sites.create_location(
                session, PROCESSING, code=code, kind=kind, description=description
            )
        for i, site_id in enumerate(STORES + KIOSKS):
            city, region, postcode = CITIES[i % len(CITIES)]
            kind = SiteKind.KIOSK if site_id.startswith("kiosk") else SiteKind.STORE
            label = f"Demo {'kiosk' if kind is SiteKind.KIOSK else 'store'} {city}"
            address = {
                "line1": f"{100 + 17 * i} Main Street",
                "city": city,
                "region": region,
                "postcode": postcode,
                "country": "US",
            }
            sites.create_site(
                session, site_id=site_id, kind=kind, name=label, address=address, ctx=ctx
            )
    rows = session.scalars(select(Location).where(Location.site_id == PROCESSING))
    return Sites({row.code: row.id for row in rows})


def site_for(story: Story, pathway: Pathway) -> str:
    return story.rng.choice(KIOSKS if pathway == Pathway.KIOSK else STORES)


# --- mail-in -----------------------------------------------------------------------------


def track(story: Story, shipment: Shipment, status: Status, where: str, n: int) -> str:
    """The carrier posts one scan of the parcel (its ``n``-th), as its webhook would."""
    event = CarrierEvent(
        event_id=f"{shipment.tracking_number}-{n}",
        tracking_number=shipment.tracking_number,
        status=status,
        occurred_at=story.at,
        location=where,
    )
    ctx = story.ctx(f"carrier:{CARRIER}", "in transit")
    return tracking.ingest(story.session, CARRIER, [event], ctx)[0].result


def mail_in(story: Story, tid: str, found_ids, other_ids, kit: bool) -> bool:  # type: ignore[no-untyped-def]
    """Label, kit, the carrier's scans and the receipt at the processing site. True when the
    device was received and its story goes on; ``found_ids`` / ``other_ids`` give the
    identifiers of the device declared and of a different one (called only when needed)."""
    s, rng = story.session, story.rng
    made = labels.create_label(s, tid, story.ctx("customer", "web"), carrier=CARRIER, kit=kit)
    parcel = made[0]
    if kit and story.wait(2, 10):  # the empty box and padding go out to the customer first
        track(story, made[1], Status.PICKED_UP, "Groveport OH", 1)
        if not story.wait(24, 72):
            return False
        track(story, made[1], Status.DELIVERED, "customer's door", 2)
    if rng.random() < 0.04:
        if story.wait(24, 96):
            tradeins.cancel(s, tid, schemas.NoteIn(), story.ctx("customer"))
        return False
    if not story.wait(12, 96):
        return False
    track(story, parcel, Status.PICKED_UP, "drop-off point", 1)
    if not story.wait(4, 20):
        return False
    track(story, parcel, Status.IN_TRANSIT, "Columbus OH hub", 2)
    if rng.random() < 0.01:  # lost: the carrier says so, or the sweep finds it too long
        if rng.random() < 0.5 and story.wait(72, 200):
            track(story, parcel, Status.LOST, "Columbus OH hub", 3)  # declared lost: paid
            return _pay_lost(story, tid)
        return False
    if not story.wait(18, 60):
        return False
    track(story, parcel, Status.DELIVERED, "Groveport OH", 3)
    if rng.random() < 0.03:  # the carrier's webhook sends the delivery again: a duplicate
        track(story, parcel, Status.DELIVERED, "Groveport OH", 3)
    if not story.wait(1, 30):
        return False
    story.place = PROCESSING
    receiver = story.ctx(f"receiver-{rng.randint(1, 6)}")
    scan = rng.choice([parcel.tracking_number, parcel.id])  # either barcode of the label
    declared = parcel.declared_weight_g or 0
    bench = rng.choice(story.sites.benches())
    roll = rng.random()
    if roll < 0.01:  # an empty box (or a charger alone): held until someone looks into it
        contents = rng.choice([Contents.EMPTY, Contents.ACCESSORIES_ONLY])
        found = receiving.Found(
            contents=contents,
            location_id=bench,
            weighed_weight_g=declared - DEVICE_WEIGHT_G + rng.randint(-20, 20),
            accessories=("charger",) if contents is Contents.ACCESSORIES_ONLY else (),
            note="no device in the box",
        )
        held = receiving.receive(s, PROCESSING, scan, found, receiver).receipt
        if not story.wait(24, 120):
            return False
        desk = story.ctx("receiving-desk")
        if rng.random() < 0.5:
            receipts.resolve(
                s,
                held.id,
                "return_to_sender",
                desk,
                reason="the customer kept the device; accessories sent back",
            )
            return False
        again = receiving.Found(identifiers=found_ids(), location_id=bench)
        receipts.resolve(
            s,
            held.id,
            "device_found",
            desk,
            found=again,
            reason="found in the padding of the next parcel on the bench",
        )
        return True
    if roll < 0.02:  # another device than the one declared: inspection prices what came
        found = receiving.Found(
            contents=Contents.DIFFERENT_DEVICE,
            identifiers=other_ids(),
            location_id=bench,
            weighed_weight_g=declared + rng.randint(-60, 60),
        )
    else:
        found = receiving.Found(
            identifiers=found_ids(),
            location_id=bench,
            weighed_weight_g=declared + rng.randint(-40, 40),
        )
    receiving.receive(s, PROCESSING, scan, found, receiver)
    return True


def _pay_lost(story: Story, tid: str) -> bool:
    """The program protects the customer: paid as quoted once the parcel is declared lost."""
    if story.wait(2, 48):
        demo_payouts.pay(story, tid)
    return False


def pay_claimed(story_at_now, claim_ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Customers whose parcel the sweep declared lost are paid as quoted, today."""
    for claim_id in claim_ids:
        claim = story_at_now.session.get(TransitClaim, claim_id)
        if claim is not None and claim.trade_in_id:
            demo_payouts.pay(story_at_now, claim.trade_in_id)


# --- in store and at the site ------------------------------------------------------------


def hand_over(story: Story, tid: str, site_id: str, ids, associate: Context) -> None:  # type: ignore[no-untyped-def]
    """The associate receives the device at the store (scanning the trade-in's barcode)."""
    found = receiving.Found(identifiers=ids)
    receiving.receive(story.session, site_id, tid, found, associate)


def move(story: Story, tid: str, location_id: int, actor: str) -> None:
    """Put the device on another location of the processing site (if it is there)."""
    if story.at > story.now:  # the story reached today before the move
        return
    trade_in = tradeins.get(story.session, tid)
    placed = sites.placement_of(story.session, tid)
    if placed is None or placed.site_id != PROCESSING or placed.location_id == location_id:
        return
    sites.place(story.session, trade_in, PROCESSING, location_id, story.ctx(actor))
