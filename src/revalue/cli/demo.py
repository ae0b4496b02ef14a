"""``revalue demo``: a demo program and a seeded population of trade-ins, every path walked.

Each trade-in lives its own story on a simulated clock over the last four months: quoted,
maybe accepted, shipped (labelled, tracked, received at the processing site) or handed over
in store (and sent on in the store's weekly batch), inspected (sometimes worse than declared,
which opens a re-quote), sanitized, paid and disposed of; or cancelled, expired, rejected,
returned, lost in transit. Recent ones stop part-way, as live trade-ins do. A store device's
story pauses at the store and goes on once its batch is scanned in, so the batches can be
made after every story has reached the store. Then one business lot, the sweeps, and the
summary. Same seed, same story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from revalue.catalog import repository as catalog_repository
from revalue.catalog import service as catalog
from revalue.cli import (
    common,
    demo_batches,
    demo_erasure,
    demo_inspection,
    demo_logistics,
    demo_lots,
    demo_payouts,
    demo_recovery,
    demo_screening,
    demo_summary,
    demo_users,
)
from revalue.cli.common import console
from revalue.cli.demo_batches import Handed
from revalue.config import get_settings
from revalue.customers.schemas import AddressIn, ContactIn
from revalue.db import make_sessionmaker
from revalue.domain.access import Role
from revalue.domain.catalog import Category
from revalue.domain.condition import FAULTS_BY_CATEGORY, Cosmetic
from revalue.domain.context import Context
from revalue.domain.program import Pathway, PayoutMethod
from revalue.domain.records import RejectReason, Route
from revalue.logistics import sla
from revalue.payouts import instant
from revalue.payouts.instruments import cipher
from revalue.programs import repository as programs_repository
from revalue.programs import schemas as program_schemas
from revalue.programs import service as programs
from revalue.quotes.schemas import ConditionIn, QuoteRequest
from revalue.tradeins import inspection, processing, repository, schemas, screening
from revalue.tradeins import service as tradeins

PROGRAM_ID = "demo"
CATEGORY_WEIGHTS = {
    Category.SMARTPHONE: 70,
    Category.TABLET: 12,
    Category.LAPTOP: 10,
    Category.WEARABLE: 8,
}
PATHWAY_WEIGHTS = {
    Pathway.IN_STORE: 45,
    Pathway.MAIL_IN: 40,
    Pathway.KIOSK: 10,
    Pathway.BUSINESS_LOT: 5,
}
METHOD_WEIGHTS = {
    PayoutMethod.STORE_CREDIT: 50,
    PayoutMethod.CASH: 30,
    PayoutMethod.PURCHASE_DISCOUNT: 15,
    PayoutMethod.LOYALTY_POINTS: 5,
}
COSMETIC_WEIGHTS = {Cosmetic.FLAWLESS: 20, Cosmetic.GOOD: 45, Cosmetic.FAIR: 25, Cosmetic.POOR: 10}


def demo_program() -> program_schemas.ProgramIn:
    return program_schemas.ProgramIn(
        id=PROGRAM_ID,
        name="Revalue Demo Trade-In",
        currency="USD",
        accepted_categories=list(Category),
        pathways=list(Pathway),
        payout_options=[
            program_schemas.PayoutOptionIn(method=PayoutMethod.CASH, bonus_bp=0),
            program_schemas.PayoutOptionIn(method=PayoutMethod.STORE_CREDIT, bonus_bp=1000),
            program_schemas.PayoutOptionIn(method=PayoutMethod.PURCHASE_DISCOUNT, bonus_bp=1500),
            program_schemas.PayoutOptionIn(method=PayoutMethod.LOYALTY_POINTS, bonus_bp=500),
        ],
        # Re-quotes cutting more than 100.00 wait for a second inspector.
        second_opinion_above=10000,
        payout_approval_above=80000,  # payouts over 800.00 wait for a second person
        instant_credit=True,  # store credit at the till, settled once the offer is final
        receiving_site_id=demo_logistics.PROCESSING,  # where mail-in labels are addressed
        objectives=[
            {"metric": "devices_per_month", "target": 600},
            {"metric": "reuse_share_bp", "target": 8000},
            {"metric": "average_margin_bp", "target": 1800},
        ],
        # Gentler age curves than the defaults, closer to what flagship trade-ins fetch after
        # two or three years; the program's own price book, as a retailer would set it.
        pricing=program_schemas.PricingRules(
            monthly_depreciation_bp={
                "smartphone": 200,
                "tablet": 180,
                "laptop": 150,
                "wearable": 250,
            },
        ),
    )


def set_up(session: Session, catalog_path: Path, ctx: Context) -> demo_logistics.Sites:
    """The default catalog, the sites, and the demo program with prices and a promotion, if
    missing."""
    sites = demo_logistics.set_up(session, ctx)
    if not catalog_repository.variant_facts(session):
        catalog.import_csv(session, catalog_path.read_text(encoding="utf-8"))
    if programs_repository.get(session, PROGRAM_ID) is None:
        programs.create(session, demo_program(), ctx)
        programs.derive_base_prices(
            session, PROGRAM_ID, program_schemas.DerivePricesIn(share_of_launch_bp=5500), ctx
        )
        programs.add_promotion(
            session,
            PROGRAM_ID,
            program_schemas.PromotionIn(
                name="Holiday smartphone bonus",
                category=Category.SMARTPHONE,
                amount=2500,
                starts_at=ctx.now - timedelta(days=30),
                ends_at=ctx.now + timedelta(days=45),
            ),
            ctx,
        )
    return sites


@dataclass
class Story:
    """One trade-in's walk; ``at`` moves forward, and the walk stops when it reaches today."""

    session: Session
    rng: random.Random
    now: datetime
    at: datetime
    place: str
    tacs: dict[str, str]  # the demo's TAC per phone and tablet model
    secrets_dir: str  # where certificates' signing keys live
    box: Fernet  # encrypts store-credit and coupon codes
    sites: demo_logistics.Sites  # the processing site's locations

    def ctx(self, actor: str, place: str | None = None) -> Context:
        return Context(actor=actor, place=place or self.place, now=self.at)

    def wait(self, low_hours: float, high_hours: float) -> bool:
        self.at += timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return self.at <= self.now


def _pick(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _declared(rng: random.Random, category: Category) -> ConditionIn:
    faults = []
    if rng.random() < 0.15:
        faults = [rng.choice(sorted(FAULTS_BY_CATEGORY[category]))]
    return ConditionIn(
        powers_on=rng.random() < 0.96,
        screen_cracked=rng.random() < 0.08,
        cosmetic=_pick(rng, COSMETIC_WEIGHTS),
        faults=faults,
        activation_lock_off=rng.random() < 0.98,
    )


def walk(story: Story, variant: str, category: Category, index: int) -> Handed | None:
    """One trade-in's story; a device handed over in store pauses at the store's receipt
    (returned, to travel on in its store's weekly batch)."""
    rng, s = story.rng, story.session
    declared = _declared(rng, category)
    req = QuoteRequest(program_id=PROGRAM_ID, variant_sku=variant, answers=declared)
    trade_in, _ = tradeins.start(s, req, story.ctx("customer", "web"))
    tid = trade_in.id
    if rng.random() < 0.15:  # never accepted: cancelled, or left to expire
        if rng.random() < 0.3 and story.wait(2, 72):
            tradeins.cancel(s, tid, schemas.NoteIn(note="changed my mind"), story.ctx("customer"))
        return None
    pathway = _pick(rng, PATHWAY_WEIGHTS)
    method = _pick(rng, METHOD_WEIGHTS)
    if not story.wait(0.1, 48):
        return None
    in_person = pathway in (Pathway.IN_STORE, Pathway.KIOSK)
    site = demo_logistics.site_for(story, pathway)
    story.place = site if in_person else "web"
    n = rng.randint(1, 10**6)
    kit = not in_person and rng.random() < 0.2  # some customers ask for a box to send it in
    # Made-up customers on a reserved domain: the demo shows where contact details live.
    contact = ContactIn(
        name=f"Demo Customer {n}",
        email=f"customer{n}@{demo_users.DOMAIN}",
        address=AddressIn(
            line1=f"{n % 900 + 10} Elm Street",
            city="Springfield",
            postal_code=f"{45000 + n % 900}",
            region="OH",
            country="US",
        )
        if kit
        else None,
    )
    accept = schemas.AcceptIn(payout_method=method, pathway=pathway, contact=contact)
    tradeins.accept(s, tid, accept, story.ctx("customer"))
    model, tacs = trade_in.model_id, story.tacs
    if in_person:
        associate = story.ctx(f"associate-{rng.randint(1, 90)}")
        ids = demo_screening.identifiers(rng, model, category, tacs)
        demo_logistics.hand_over(story, tid, site, ids, associate)
        demo_payouts.at_hand_over(story, tid, associate)
        return Handed(index, tid, site, story.at, declared, category)
    received = demo_logistics.mail_in(
        story,
        tid,
        lambda: demo_screening.identifiers(rng, model, category, tacs),
        lambda: demo_screening.other_device(rng, model, category, tacs),
        kit,
    )
    if received:
        process(story, tid, declared, category)
    return None


def process(story: Story, tid: str, declared: ConditionIn, category: Category) -> None:
    """The device's story at the processing site, from its arrival."""
    rng, s = story.rng, story.session
    story.place = demo_logistics.PROCESSING
    if not demo_screening.settle_flags(story, tid):
        return
    if not declared.activation_lock_off or rng.random() < 0.02:
        reason = (
            RejectReason.ACTIVATION_LOCKED
            if not declared.activation_lock_off
            else rng.choice([RejectReason.BLOCKLISTED, RejectReason.NOT_DECLARED_DEVICE])
        )
        processing.reject(s, tid, schemas.RejectIn(reason=reason), story.ctx("receiver-1"))
        if story.wait(24, 120):
            if reason == RejectReason.BLOCKLISTED or rng.random() < 0.4:
                processing.dispose(
                    s, tid, schemas.DisposeIn(route=Route.RECYCLE), story.ctx("recycler")
                )
            else:
                tradeins.return_device(
                    s, tid, schemas.ShipmentIn(carrier="UPS"), story.ctx("shipping-desk")
                )
        return
    if not story.wait(4, 36):
        return
    if not demo_inspection.inspect(story, tid, declared, category):
        return
    shelf = rng.choice(story.sites.shelves())
    demo_logistics.move(story, tid, shelf, "inspection-runner")
    if not demo_screening.settle_flags(story, tid):
        return
    if not story.wait(2, 30):
        return
    # Paid once the offer is final: the customer does not wait for the erasure.
    demo_payouts.pay(story, tid)
    demo_logistics.move(story, tid, story.sites.locations["CAGE-1"], "erasure-desk")
    # Erased, the device waits for the week's disposition plan (demo_recovery).
    demo_erasure.erase(story, tid, category)


def run(*, count: int, seed: int, if_empty: bool, catalog_path: Path) -> None:
    engine = common.engine()
    try:
        _run(
            make_sessionmaker(engine),
            count=count,
            seed=seed,
            if_empty=if_empty,
            catalog_path=catalog_path,
        )
    finally:
        engine.dispose()


def _run(
    factory: sessionmaker[Session], *, count: int, seed: int, if_empty: bool, catalog_path: Path
) -> None:
    now = datetime.now(UTC)
    rng = random.Random(seed)
    with factory.begin() as session:
        if if_empty and repository.count_trade_ins(session):
            console.print(
                "Trade-ins exist already: the demo leaves them as they are. Forgot the demo "
                f"password? [bold]revalue users set-password {demo_users.email(Role.ADMIN)}"
                "[/bold]"
            )
            return
        sites = set_up(session, catalog_path, common.context(now, actor="demo"))
        tacs = demo_screening.set_up(session, common.context(now, actor="demo"))
        demo_users.create(session, PROGRAM_ID, common.context(now, actor="demo"))
        facts = catalog_repository.variant_facts(session)
    by_category: dict[Category, list[tuple[str, object]]] = {}
    for sku, _model, category, released in facts:
        by_category.setdefault(Category(category), []).append((sku, released))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    secrets = get_settings().secrets_dir
    box = cipher(secrets)
    handed: list[Handed] = []
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Trade-ins", total=count)
        for index in range(count):
            category = _pick(rng, CATEGORY_WEIGHTS)
            variants = by_category[category]
            # Newer devices are traded in more often: weight by release date.
            sku = rng.choices(
                [v for v, _ in variants], weights=[r.toordinal() - 735000 for _, r in variants]
            )[0]
            start = now - timedelta(days=rng.uniform(0, 120))
            with factory.begin() as session:
                story = Story(session, rng, now, start, "web", tacs, secrets, box, sites)
                paused = walk(story, sku, category, index)
            if paused is not None:
                handed.append(paused)
            progress.advance(task)

        # Stores send what they took in each week on to the processing site, in a batch.
        def go_on(session: Session, h: Handed, at: datetime) -> None:
            story = Story(
                session, rng, now, at, demo_logistics.PROCESSING, tacs, secrets, box, sites
            )
            process(story, h.tid, h.declared, h.category)

        task = progress.add_task("Store batches", total=len(handed))
        demo_batches.run(
            factory,
            now=now,
            rng=rng,
            handed=handed,
            dock=sites.locations["DOCK-1"],
            go_on=go_on,
            advance=lambda: progress.advance(task),
        )
    with factory.begin() as session:
        lot = demo_lots.run(
            session,
            rng,
            now,
            tacs,
            lambda s, at: Story(
                s, rng, now, at, demo_logistics.PROCESSING, tacs, secrets, box, sites
            ),
        )
    with console.status("Value recovery: weekly plans, repairs, sales, the market feed"):
        recovered = demo_recovery.run(factory, rng=rng, now=now, program_id=PROGRAM_ID)
    with factory.begin() as session:
        sweep = common.context(now, actor="scheduler")
        expired = tradeins.expire_due(session, sweep)
        inspection.lapse_due(session, sweep)
        screening.lapse_locks(session, sweep)
        swept = sla.sweep(session, PROGRAM_ID, sweep)
        today = Story(session, rng, now, now, "web", tacs, secrets, box, sites)
        demo_logistics.pay_claimed(today, swept.claims_opened)
        instant.reconcile(session, sweep)
        demo_summary.trade_ins(session, PROGRAM_ID, expired)
        demo_summary.logistics(session, PROGRAM_ID, demo_lots.line(session, lot))
        demo_summary.recovery(session, PROGRAM_ID, recovered)
        demo_summary.custody_line(session, PROGRAM_ID, expired)
