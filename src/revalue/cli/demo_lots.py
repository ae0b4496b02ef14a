"""The demo's business lot: Demo Fleet Co refreshes its fleet and sends a manifest of 60
devices five weeks ago; the lot is priced, accepted, received two devices short and with one
nobody listed, inspected (some worse than declared: the business accepts each re-quote),
settled (leaving out the devices whose offer is not final) and paid by bank transfer."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from revalue.catalog import repository as catalog_repository
from revalue.cli import demo_inspection, demo_screening, demo_users
from revalue.customers.schemas import ContactIn
from revalue.domain.catalog import Category
from revalue.domain.context import Context
from revalue.domain.lifecycle import State
from revalue.domain.money import format_major
from revalue.domain.program import PayoutMethod
from revalue.lots import receiving, settlement
from revalue.lots import repository as lots_repository
from revalue.lots import service as lots
from revalue.payouts import service as payouts
from revalue.payouts.schemas import PayIn
from revalue.quotes.schemas import ConditionIn
from revalue.tradeins import inspection, processing, schemas
from revalue.tradeins import service as tradeins

if TYPE_CHECKING:  # the walk's state, defined by the demo that calls this
    from revalue.cli.demo import Story

PROGRAM_ID = "demo"
REFERENCE = "DEMO-FLEET-2026-Q3"
BUSINESS = "Demo Fleet Co"
MIX = {Category.SMARTPHONE: 40, Category.TABLET: 10, Category.LAPTOP: 8, Category.WEARABLE: 2}
ACCOUNT = "US-DEMO-FLEET-000123"  # the business's (made-up) bank account
COSMETIC = ["flawless", "good", "good", "good", "fair", "fair", "poor"]


def manifest(
    session: Session, rng: random.Random, tacs: dict[str, str]
) -> tuple[str, dict[str, Category], list[str]]:
    """The manifest's CSV text, each identifier's category, and the identifiers in order."""
    by_category: dict[str, list[tuple[str, str]]] = {}
    for sku, model, category, _released in sorted(catalog_repository.variant_facts(session)):
        by_category.setdefault(category, []).append((sku, model))
    rows, kinds, ids = ["imei,serial,model,cosmetic,screen_cracked,faults,asset_tag"], {}, []
    n = 0
    for category, count in MIX.items():
        for _ in range(count):
            n += 1
            sku, model = rng.choice(by_category[str(category)])
            if category in demo_screening.WITH_IMEI:
                imei, serial = demo_screening.imei(tacs[model], 700000 + n), ""
            else:
                imei, serial = "", f"FLEET{n:05d}X{rng.randrange(10**4):04d}"
            cracked = "yes" if rng.random() < 0.05 else ""
            rows.append(f"{imei},{serial},{sku},{rng.choice(COSMETIC)},{cracked},,FC-{n:04d}")
            kinds[imei or serial] = category
            ids.append(imei or serial)
    return "\n".join(rows) + "\n", kinds, ids


def run(
    session: Session,
    rng: random.Random,
    now: datetime,
    tacs: dict[str, str],
    story_at: Callable[[Session, datetime], Story],
) -> str:
    """The lot, from its manifest to its settlement; its id (the existing one if the demo
    made it already)."""
    existing = lots_repository.by_reference(session, PROGRAM_ID, REFERENCE)
    if existing is not None:
        return existing.id
    text, kinds, ids = manifest(session, rng, tacs)
    at = now - timedelta(days=35)
    manager = Context(actor="program-manager", place="web", now=at)
    lot = lots.create(
        session,
        program_id=PROGRAM_ID,
        reference=REFERENCE,
        business_name=BUSINESS,
        text=text,
        payout_method=PayoutMethod.CASH,
        ctx=manager,
    )
    contact = ContactIn(name="Fleet procurement", email=f"fleet@{demo_users.DOMAIN}")
    lots.accept(
        session,
        lot.id,
        contact,
        Context(actor="fleet-manager", place="web", now=at + timedelta(days=1)),
    )
    # Two devices never made it into the boxes; one nobody listed did.
    missing = set(rng.sample(ids, 2))
    extra = demo_screening.imei(tacs[min(tacs)], 799999)
    scans = [i for i in ids if i not in missing] + [extra]
    dock = Context(actor="receiver-2", place="processing-center-1", now=at + timedelta(days=5))
    receiving.receive(session, lot.id, scans, dock)
    receiving.close(session, lot.id, replace(dock, now=dock.now + timedelta(hours=3)))
    lines = [ln for ln in lots_repository.lines(session, lot.id) if ln.trade_in_id]
    start = dock.now + timedelta(days=1)
    for i, line in enumerate(sorted(lines, key=lambda ln: ln.line_no)):
        if i >= len(lines) - 2:  # the last two wait on a shelf: settled without them
            break
        story = story_at(session, start + timedelta(minutes=25 * i))
        category = kinds[line.imei or line.serial or ""]
        _inspect(story, line.trade_in_id or "", ConditionIn.model_validate(line.declared), category)
    finance = Context(actor="finance-1", place="web", now=start + timedelta(days=6))
    settled = settlement.settle(session, lot.id, force=True, ctx=finance)
    # What the settlement counted is paid, device by device: the lot adds no other payment.
    left_out = {e["trade_in_id"] for e in (settled.summary or {}).get("excluded", [])}
    box = story_at(session, finance.now).box
    for j, line in enumerate(lines):
        if line.trade_in_id and line.trade_in_id not in left_out:
            when = replace(finance, now=finance.now + timedelta(minutes=j))
            _pay(session, line.trade_in_id, when, box)
    return settled.id


def _inspect(story: Story, tid: str, declared: ConditionIn, category: Category) -> None:
    """As any device: screened, inspected (a second opinion where asked); a re-quote is
    accepted by the business in process."""
    s, rng = story.session, story.rng
    if not demo_screening.settle_flags(story, tid):
        return
    inspector = f"inspector-{rng.randint(1, 8)}"
    record = demo_inspection.record_for(rng, declared, category, inspector)
    trade_in = inspection.inspect(s, tid, schemas.InspectIn(record=record), story.ctx(inspector))
    if trade_in.second_opinion in (inspection.REQUIRED, inspection.SAMPLED):
        story.wait(1, 4)
        second = f"inspector-{(int(inspector.rsplit('-', 1)[1]) % 8) + 1}"
        trade_in = inspection.second_opinion(
            s, tid, schemas.InspectIn(record=record), story.ctx(second)
        )
    if trade_in.state == State.REQUOTE_OFFERED:
        story.wait(2, 24)
        tradeins.accept_requote(
            s,
            tid,
            schemas.NoteIn(note="accepted for the business"),
            story.ctx("fleet-manager", "web"),
        )


def _pay(session: Session, tid: str, ctx: Context, box) -> None:  # type: ignore[no-untyped-def]
    """Each device settled is paid its final offer by bank transfer (large ones approved by
    a second person)."""
    trade_in = tradeins.get(session, tid)
    owed = processing.payable(session, trade_in)
    if owed is None or owed[0] == 0:
        return
    transfer = PayIn(rail="bank_transfer", account=ACCOUNT)
    payment = payouts.pay(session, tid, transfer, ctx, box=box)
    if payment.status == payouts.AWAITING_APPROVAL:
        second = replace(ctx, actor="finance-2", now=ctx.now + timedelta(hours=2))
        payouts.approve(session, tid, transfer, second, box=box)


def line(session: Session, lot_id: str) -> str:
    """The lot's summary in a sentence."""
    lot = lots.get(session, lot_id)
    summary = lot.summary or {}
    d, cur = summary.get("devices", {}), lot.currency

    def money(amount: int) -> str:
        return f"{format_major(amount, cur)} {cur}"

    return (
        f"Business lot {lot.reference} ({lot.business_name}), {lot.status}: {d.get('quoted')} "
        f"devices quoted, {d.get('received')} received, {d.get('missing')} missing, "
        f"{d.get('extra')} extra; quoted {money(lot.quoted_total)}, settled "
        f"{money(lot.settled_total or 0)} for {d.get('settled')} devices (adjustments "
        f"{money(summary.get('adjustment_total', 0))}, {d.get('excluded')} not final yet)."
    )
