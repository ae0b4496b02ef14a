"""Inspection, grading and the fair re-quote.

An inspection records what was found: the full record (graded on the program's scale and every
shipped one) or, for a quick in-store check, the condition alone. The found condition is priced
on the quote's own terms; the program's fairness policy (``domain.fairness``) then decides:
the quote stands, the offer goes up by itself, or the customer gets a re-quote to answer,
held first for a second inspector when the cut is large. A re-quote nobody answers lapses as
the program's terms say. Every step is an event on the custody chain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from revalue.domain import fairness
from revalue.domain.catalog import Category
from revalue.domain.condition import Condition, Cosmetic
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput
from revalue.domain.inspection import BLOCKING_LOCKS, priced_condition
from revalue.domain.lifecycle import Action, State
from revalue.domain.program import PayoutMethod
from revalue.evidence import service as evidence
from revalue.grading import library
from revalue.programs import service as programs
from revalue.programs.models import Program
from revalue.quotes import service as quotes
from revalue.quotes.models import Quote
from revalue.quotes.schemas import ConditionIn
from revalue.quotes.service import Priced
from revalue.tradeins import repository, schemas, screening
from revalue.tradeins.models import Inspection, TradeIn
from revalue.tradeins.service import get, move, target

PRIMARY, SECOND = "primary", "second_opinion"
REQUIRED, SAMPLED, DONE = "required", "sampled", "done"


class SameInspector(Conflict):
    code = "second_inspector_required"


class PhotoNotAttached(InvalidInput):
    code = "photo_not_found"


@dataclass(frozen=True, slots=True)
class Assessment:
    """What one inspector found, priced."""

    condition: Condition
    priced: Priced
    amount: int  # the found offer for the customer's payout method
    record: dict[str, Any] | None
    grades: dict[str, Any] | None
    scale_id: str | None

    @property
    def grade(self) -> str | None:
        if self.grades is None or self.scale_id is None:
            grade = self.priced.quotation.grade
            return str(grade) if grade else None
        return self.grades[self.scale_id]["label"]


def policy(program: Program) -> fairness.Policy:
    return fairness.Policy(
        tolerance_bp=program.requote_tolerance_bp,
        tolerance_steps=program.requote_tolerance_steps,
        upward=program.upward_requote,
        second_opinion_above=program.second_opinion_above,
    )


def assess(
    session: Session, trade_in: TradeIn, program: Program, quote: Quote, data: schemas.InspectIn
) -> Assessment:
    if data.record is not None:
        category = Category(quote.terms["model"]["category"])
        record = data.record.to_domain(category)
        photos = {f.photo for f in record.findings if f.photo}
        missing = photos - evidence.attached(session, trade_in.id, photos)
        if missing:
            raise PhotoNotAttached(
                f"photo {sorted(missing)[0]} was not uploaded for this trade-in",
                field="record.findings",
            )
        graded = library.grade_all(session, record, program_id=program.id)
        if program.grading_scale not in graded:
            raise library.UnknownScale(
                f"program {program.id!r} grades on {program.grading_scale!r}, which is not loaded",
                field="scale_id",
            )
        grades = {scale_id: library.grade_to_dict(g) for scale_id, g in graded.items()}
        tier = Cosmetic(grades[program.grading_scale]["price_tier"])
        condition = priced_condition(record, tier)
        if record.locks & BLOCKING_LOCKS:
            # A lock is the customer's to remove within the program's grace period: it holds
            # the device (screening), it does not cut the offer.
            condition = replace(condition, activation_lock_off=True)
        doc, scale_id = data.record.model_dump(mode="json"), program.grading_scale
    else:
        assert data.condition is not None  # the schema asks for one of the two
        condition, doc, grades, scale_id = data.condition.to_domain(), None, None, None
    priced, amount = _priced(session, trade_in, quote, condition)
    return Assessment(condition, priced, amount, doc, grades, scale_id)


def _priced(
    session: Session, trade_in: TradeIn, quote: Quote, condition: Condition
) -> tuple[Priced, int]:
    if trade_in.variant_sku == quote.variant_sku:
        priced = quotes.reprice(quote, condition)
    else:  # not the device declared: priced as found, at the date the customer was quoted
        inputs = programs.pricing_inputs(session, trade_in.program_id)
        priced = quotes.price(
            inputs=inputs, variant_sku=trade_in.variant_sku, condition=condition, as_of=quote.as_of
        )
    method = PayoutMethod(trade_in.payout_method or "")
    return priced, priced.quotation.offer_for(method).amount.amount


def recorded(session: Session, trade_in: TradeIn, quote: Quote, row: Inspection) -> Assessment:
    """A stored inspection as it was assessed then (its grades as given at the time)."""
    condition = ConditionIn.model_validate(row.condition).to_domain()
    priced, amount = _priced(session, trade_in, quote, condition)
    return Assessment(condition, priced, amount, row.record, row.grades, row.scale_id)


def _store(
    session: Session, trade_in: TradeIn, found: Assessment, kind: str, notes: str, ctx: Context
) -> None:
    repository.add(
        session,
        Inspection(
            trade_in_id=trade_in.id,
            inspector=ctx.actor,
            kind=kind,
            condition=ConditionIn.dump(found.condition),
            grade=found.priced.quotation.grade and str(found.priced.quotation.grade),
            record=found.record,
            grades=found.grades,
            scale_id=found.scale_id,
            notes=notes,
            inspected_at=ctx.now,
        ),
    )


def inspect(session: Session, trade_in_id: str, data: schemas.InspectIn, ctx: Context) -> TradeIn:
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.INSPECT)
    program = programs.get(session, trade_in.program_id)
    quote = quotes.get(session, trade_in.quote_id)
    declared = trade_in.variant_sku
    if data.variant_sku is not None and data.variant_sku != declared:
        _found_instead(session, trade_in, quote, data.variant_sku)
    found = assess(session, trade_in, program, quote, data)
    _store(session, trade_in, found, PRIMARY, data.notes, ctx)
    quoted, outcome = decide(trade_in, program, quote, found, second_opinion_done=False)
    if trade_in.offer_final_at is not None and outcome is not fairness.Outcome.AS_QUOTED:
        # Found after the carrier lost it: the customer was owed the quote from the loss on,
        # so the finding is recorded and the quote stands.
        outcome = fairness.Outcome.HONOURED
    if outcome is fairness.Outcome.HELD:
        trade_in.second_opinion = REQUIRED
    elif fairness.sampled(trade_in.id, program.second_opinion_sample_bp):
        trade_in.second_opinion = SAMPLED
    move(
        session,
        trade_in,
        Action.INSPECT,
        ctx,
        {
            "grade": found.grade,
            "scale": found.scale_id,
            "condition": ConditionIn.dump(found.condition),
            "quoted": quoted,
            "found": found.amount,
            "outcome": str(outcome),
            "second_opinion": trade_in.second_opinion,
            **(
                {"declared_variant": declared, "found_variant": trade_in.variant_sku}
                if trade_in.variant_sku != declared
                else {}
            ),
        },
    )
    if data.record is not None and data.record.locks:
        screening.record_locks(session, trade_in, frozenset(data.record.locks), ctx)
    _settle(session, trade_in, program, quote, found, outcome, quoted, ctx)
    return trade_in


class NotTheSameCategory(InvalidInput):
    code = "category_differs"


def _found_instead(session: Session, trade_in: TradeIn, quote: Quote, variant_sku: str) -> None:
    """The device is another variant than declared: the trade-in is for the device found."""
    facts = programs.pricing_inputs(session, trade_in.program_id).facts.get(variant_sku)
    if facts is None:
        raise quotes.VariantNotFound(f"no catalog variant {variant_sku!r}", field="variant_sku")
    if str(facts.category) != quote.terms["model"]["category"]:
        raise NotTheSameCategory(
            f"{variant_sku} is a {facts.category}, the customer declared a "
            f"{quote.terms['model']['category']}: reject it as not the declared device",
            field="variant_sku",
        )
    trade_in.variant_sku, trade_in.model_id = variant_sku, facts.model_id


def decide(
    trade_in: TradeIn,
    program: Program,
    quote: Quote,
    found: Assessment,
    *,
    second_opinion_done: bool,
) -> tuple[int, fairness.Outcome]:
    """The quoted offer, and what the program's fairness policy makes of the finding."""
    quoted = quotes.offer_amount(quote, trade_in.payout_method or "")
    outcome = fairness.decide(
        quoted=quoted,
        found=found.amount,
        declared=ConditionIn.model_validate(quote.condition).to_domain(),
        found_condition=found.condition,
        policy=policy(program),
        second_opinion_done=second_opinion_done,
    )
    if trade_in.variant_sku != quote.variant_sku and outcome is not fairness.Outcome.HELD:
        # Not the device the customer was quoted for: whatever it is worth, they decide.
        outcome = fairness.Outcome.REQUOTE
    return quoted, outcome


def _settle(
    session: Session,
    trade_in: TradeIn,
    program: Program,
    quote: Quote,
    found: Assessment,
    outcome: fairness.Outcome,
    quoted: int,
    ctx: Context,
) -> None:
    """Raise the offer, or offer the re-quote; the other outcomes change nothing more."""
    if outcome not in (fairness.Outcome.RAISED, fairness.Outcome.REQUOTE):
        return
    raised = outcome is fairness.Outcome.RAISED
    facts = programs.pricing_inputs(session, trade_in.program_id).program
    expires_at = ctx.now + timedelta(days=program.requote_window_days)
    requote = quotes.store(
        session,
        kind="raised" if raised else "requote",
        program=facts,
        trade_in_id=trade_in.id,
        variant_sku=trade_in.variant_sku,
        condition=found.condition,
        priced=found.priced,
        as_of=quote.as_of,
        expires_at=expires_at,
        ctx=ctx,
    )
    trade_in.requote_id = requote.id
    if not raised:
        trade_in.expires_at = expires_at  # the customer's window to answer
    move(
        session,
        trade_in,
        Action.RAISE_OFFER if raised else Action.OFFER_REQUOTE,
        ctx,
        {
            "requote_id": requote.id,
            "quoted": quoted,
            "found": found.amount,
            "difference": found.amount - quoted,
            "currency": quote.currency,
        },
    )


def second_opinion(
    session: Session, trade_in_id: str, data: schemas.InspectIn, ctx: Context
) -> TradeIn:
    """Another inspector grades the device again. Where the first inspection's re-quote waits
    for it, the customer gets the better of the two findings: a doubt is theirs."""
    trade_in = get(session, trade_in_id)
    target(trade_in, Action.SECOND_OPINION)
    first = repository.latest_inspection(session, trade_in.id, PRIMARY)
    assert first is not None  # an inspected trade-in has its inspection
    if first.inspector == ctx.actor:
        raise SameInspector(
            "a second opinion comes from another inspector than the first", field="inspector"
        )
    program = programs.get(session, trade_in.program_id)
    quote = quotes.get(session, trade_in.quote_id)
    found = assess(session, trade_in, program, quote, data)
    _store(session, trade_in, found, SECOND, data.notes, ctx)
    first_found = recorded(session, trade_in, quote, first)
    held = trade_in.second_opinion == REQUIRED
    trade_in.second_opinion = DONE
    move(
        session,
        trade_in,
        Action.SECOND_OPINION,
        ctx,
        {
            "first_inspector": first.inspector,
            "first_grade": first_found.grade,
            "grade": found.grade,
            "agree": first_found.grade == found.grade,
            "first_found": first_found.amount,
            "found": found.amount,
        },
    )
    if held:
        best = max((first_found, found), key=lambda a: a.amount)
        quoted, outcome = decide(trade_in, program, quote, best, second_opinion_done=True)
        _settle(session, trade_in, program, quote, best, outcome, quoted, ctx)
    return trade_in


def lapse_due(session: Session, ctx: Context) -> int:
    """Close every re-quote whose answer window has ended, as its program's terms say."""
    ids = repository.due_to_expire(session, ctx.now, [str(State.REQUOTE_OFFERED)])
    for trade_in_id in ids:
        trade_in = get(session, trade_in_id)
        program = programs.get(session, trade_in.program_id)
        accept = fairness.Lapse(program.requote_lapse) is fairness.Lapse.ACCEPT
        action = Action.REQUOTE_LAPSED_ACCEPT if accept else Action.REQUOTE_LAPSED_RETURN
        move(
            session,
            trade_in,
            action,
            ctx,
            {"requote_id": trade_in.requote_id, "window_ended": trade_in.expires_at.isoformat()},
        )
    return len(ids)
