"""Business lot use cases: price a manifest as one lot, accept it, settle it. Receiving
against the manifest is in ``receiving``.

Pricing runs the pure pricing function once per distinct (variant, declared condition):
interchangeable devices share a price, so a 10,000-row manifest of a few hundred kinds of
device prices in a fraction of a second. The lot keeps the terms each variant was priced on,
so every device's own quote, made when it is received, stands on the lot's price whatever the
program's price book says by then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from revalue.customers.schemas import ContactIn
from revalue.domain.condition import Condition
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.program import Pathway, PayoutMethod
from revalue.ids import new_id
from revalue.lots import manifest, repository
from revalue.lots.models import BusinessLot, LotContact
from revalue.programs import service as programs
from revalue.quotes import service as quotes
from revalue.quotes.schemas import ConditionIn

# Lot statuses: quoted -> accepted -> receiving (first scan) -> received (receiving closed)
# -> settled. Line statuses: expected -> matched or missing; extra (found, not on the manifest).
QUOTED, ACCEPTED, RECEIVING, RECEIVED, SETTLED = (
    "quoted", "accepted", "receiving", "received", "settled",
)  # fmt: skip
EXPECTED, MATCHED, MISSING, EXTRA = "expected", "matched", "missing", "extra"
LINE_STATUSES = (EXPECTED, MATCHED, MISSING, EXTRA)

Progress = Callable[[int, int], None]


class LotNotFound(NotFound):
    code = "lot_not_found"


class LotExists(Conflict):
    code = "lot_exists"


class IllegalLotTransition(Conflict):
    code = "illegal_lot_transition"


class LotExpired(Conflict):
    code = "quote_expired"


class NotOffered(InvalidInput):
    code = "not_offered"


@dataclass(frozen=True, slots=True)
class Priced:
    """A priced manifest, before it is written."""

    rows: list[manifest.ManifestRow]
    amounts: dict[tuple[str, Condition], int]  # (variant, condition) -> offer for the method
    terms: dict[str, dict]  # variant SKU -> the terms its quotes lock in

    def amount(self, row: manifest.ManifestRow) -> int:
        return self.amounts[(row.variant_sku, row.condition)]


def get(session: Session, lot_id: str, *, for_update: bool = False) -> BusinessLot:
    lot = repository.get(session, lot_id, for_update=for_update)
    if lot is None:
        raise LotNotFound(f"no business lot {lot_id!r}", field="lot_id")
    return lot


def require(lot: BusinessLot, action: str, *allowed: str) -> None:
    if lot.status not in allowed:
        raise IllegalLotTransition(
            f"cannot {action} a lot that is {lot.status}",
            lot_status=lot.status,
            action=action,
            allowed_from=list(allowed),
        )


def price_rows(
    session: Session,
    *,
    program_id: str,
    text: str,
    payout_method: PayoutMethod,
    ctx: Context,
    progress: Progress | None = None,
) -> Priced:
    """Check the manifest (every problem at once) and price it; nothing is written."""
    inputs = programs.pricing_inputs(session, program_id)
    rows = manifest.parse(
        text, facts=inputs.facts, accepted_categories=inputs.program.accepted_categories
    )
    amounts: dict[tuple[str, Condition], int] = {}
    terms: dict[str, dict] = {}
    for done, row in enumerate(rows, 1):
        key = (row.variant_sku, row.condition)
        if key not in amounts:
            priced = quotes.price(
                inputs=inputs, variant_sku=row.variant_sku, condition=row.condition, as_of=ctx.now
            )
            amounts[key] = priced.quotation.offer_for(payout_method).amount.amount
            terms.setdefault(row.variant_sku, priced.terms)
        if progress is not None and (done % 500 == 0 or done == len(rows)):
            progress(done, len(rows))
    return Priced(rows, amounts, terms)


def create(
    session: Session,
    *,
    program_id: str,
    reference: str,
    business_name: str,
    text: str,
    payout_method: PayoutMethod,
    ctx: Context,
    progress: Progress | None = None,
) -> BusinessLot:
    """Price a manifest as one lot and store it, status ``quoted``; a manifest with any
    problem is refused whole (InvalidManifest lists each by line and column)."""
    program = programs.get(session, program_id)
    if str(Pathway.BUSINESS_LOT) not in program.pathways:
        raise NotOffered(
            f"program {program_id!r} has no business_lot pathway",
            field="program_id",
            offered=program.pathways,
        )
    methods = [o["method"] for o in program.payout_options]
    if str(payout_method) not in methods:
        raise NotOffered(
            f"program {program_id!r} does not pay in {payout_method}",
            field="payout_method",
            offered=methods,
        )
    if repository.by_reference(session, program_id, reference) is not None:
        raise LotExists(
            f"program {program_id!r} already has a lot {reference!r}", field="reference"
        )
    priced = price_rows(
        session,
        program_id=program_id,
        text=text,
        payout_method=payout_method,
        ctx=ctx,
        progress=progress,
    )
    lot = BusinessLot(
        id=new_id("lot", ctx.now),
        program_id=program_id,
        reference=reference,
        business_name=business_name,
        status=QUOTED,
        payout_method=str(payout_method),
        currency=program.currency,
        devices=len(priced.rows),
        quoted_total=sum(priced.amount(r) for r in priced.rows),
        terms=priced.terms,
        expires_at=ctx.now + timedelta(days=program.quote_validity_days),
        created_by=ctx.actor,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    repository.add(session, lot)
    declared: dict[Condition, dict] = {}  # one JSON document per distinct condition
    repository.insert_lines(
        session,
        [
            {
                "lot_id": lot.id,
                "line_no": row.line,
                "imei": row.imei,
                "serial": row.serial,
                "model_id": row.model_id,
                "variant_sku": row.variant_sku,
                "declared": declared.setdefault(row.condition, ConditionIn.dump(row.condition)),
                "quoted": priced.amount(row),
                "asset_tag": row.asset_tag,
                "status": EXPECTED,
                "trade_in_id": None,
            }
            for row in priced.rows
        ],
    )
    return lot


def accept(session: Session, lot_id: str, contact: ContactIn | None, ctx: Context) -> BusinessLot:
    """The business accepts the lot's quote before it expires; its contact is kept apart,
    as personal data, and the lot refers to it by id."""
    lot = get(session, lot_id, for_update=True)
    require(lot, "accept", QUOTED)
    if ctx.now >= lot.expires_at:
        raise LotExpired(
            f"the lot's quote expired at {lot.expires_at.isoformat()}; upload the manifest again",
            expires_at=lot.expires_at.isoformat(),
        )
    if contact is not None:
        lot.contact_ref = _save_contact(session, lot, contact, ctx).id
    lot.status = ACCEPTED
    lot.updated_at = ctx.now
    session.flush()
    return lot


def _save_contact(session: Session, lot: BusinessLot, data: ContactIn, ctx: Context) -> LotContact:
    row = repository.contact(session, lot.id)
    if row is None:
        row = LotContact(id=new_id("c", ctx.now), lot_id=lot.id, created_at=ctx.now)
        session.add(row)
    given = data.model_dump(exclude_unset=True, mode="json")
    if given.get("email"):
        given["email"] = given["email"].strip().lower()
    for name, value in given.items():
        setattr(row, name, value)
    row.erased_at = None
    row.updated_at = ctx.now
    session.flush()
    return row


def contact(session: Session, lot_id: str) -> LotContact | None:
    return repository.contact(session, lot_id)


def of_program(session: Session, program_id: str) -> list[BusinessLot]:
    programs.get(session, program_id)
    return repository.of_program(session, program_id)
