"""The quote price book regenerated from resale estimates, with a review step.

For each variant with a top-grade (A) estimate, the value a working top-grade device should be
offered today is the estimate less the expected costs of reselling it (a share and a fixed
amount) and the program's target margin. The price book's base price is a release-day price
that the quote depreciates by age, so the proposed base undoes that depreciation
(``domain.market.base_price_for``): a top-grade working device is then quoted that value.

A proposal is made with a report of how quotes would change (a set of conditions per variant
re-priced by the real pricing engine under the current and the proposed base prices), and
takes effect only when a second program manager approves it (four eyes). Approving writes the
base prices through the programs service, which bumps the program's version so new quotes use
them; a proposal whose current prices changed since it was made is stale and refused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from revalue.domain import market
from revalue.domain.condition import Condition, Cosmetic, Grade
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, NotFound
from revalue.domain.pricing import BP, PriceBook, quote
from revalue.ids import new_id
from revalue.programs import repository as program_prices
from revalue.programs import schemas as program_schemas
from revalue.programs import service as programs
from revalue.programs.pricebook import PricingInputs
from revalue.recovery import market as estimates
from revalue.recovery import setup
from revalue.recovery.models import PriceBookProposal

PROPOSED, APPLIED, REJECTED, SUPERSEDED = "proposed", "applied", "rejected", "superseded"
DEFAULT_COST_BP = 1_500
BIGGEST_SHOWN = 10
# The conditions re-priced per variant for the impact report: each grade working, and a
# cracked screen.
_WORKING = [Condition(powers_on=True, screen_cracked=False, cosmetic=c) for c in Cosmetic]
CONDITIONS = {
    **{f"grade_{c.grade}_working": c for c in _WORKING},
    "cracked_screen": Condition(powers_on=True, screen_cracked=True, cosmetic=Cosmetic.GOOD),
}


class ProposalNotFound(NotFound):
    code = "pricebook_proposal_not_found"


class IllegalProposalTransition(Conflict):
    code = "illegal_proposal_transition"


class SameReviewer(Conflict):
    code = "four_eyes"


class StaleProposal(Conflict):
    code = "stale_proposal"


def program_of(session: Session, proposal_id: str) -> str | None:
    stmt = select(PriceBookProposal.program_id).where(PriceBookProposal.id == proposal_id)
    return session.scalar(stmt)


def get(session: Session, proposal_id: str, *, for_update: bool = False) -> PriceBookProposal:
    stmt = select(PriceBookProposal).where(PriceBookProposal.id == proposal_id)
    row = session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise ProposalNotFound(f"no price-book proposal {proposal_id!r}", field="proposal_id")
    return row


def propose(
    session: Session,
    program_id: str,
    *,
    target_margin_bp: int | None,
    cost_bp: int,
    cost_fixed: int,
    ctx: Context,
) -> PriceBookProposal:
    """A new proposal from the program's grade-A estimates; it supersedes older open ones."""
    inputs = programs.pricing_inputs(session, program_id)
    margin_bp = (
        setup.settings(session, program_id).target_margin_bp
        if target_margin_bp is None
        else target_margin_bp
    )
    book = inputs.book
    accepted = inputs.program.accepted_categories
    lines = []
    for est in estimates.estimates(session, program_id, grade=str(Grade.A)):
        facts = inputs.facts.get(est.variant_sku)
        if facts is None or str(facts.category) not in accepted:
            continue
        value = est.value - est.value * cost_bp // BP - cost_fixed - est.value * margin_bp // BP
        proposed = market.base_price_for(max(value, 0), book=book, model=facts, as_of=ctx.now)
        lines.append(
            {
                "variant_sku": est.variant_sku,
                "estimate": est.value,
                "target_value": max(value, 0),
                "current": book.base_prices.get(est.variant_sku),
                "proposed": proposed,
            }
        )
    session.execute(
        update(PriceBookProposal)
        .where(PriceBookProposal.program_id == program_id, PriceBookProposal.status == PROPOSED)
        .values(status=SUPERSEDED)
    )
    row = PriceBookProposal(
        id=new_id("pbp", ctx.now),
        program_id=program_id,
        status=PROPOSED,
        parameters={
            "target_margin_bp": margin_bp,
            "cost_bp": cost_bp,
            "cost_fixed": cost_fixed,
            "currency": book.currency,
            "as_of": ctx.now.isoformat(),
        },
        prices=lines,
        impact=impact(inputs, lines, ctx),
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    session.add(row)
    session.flush()
    return row


def impact(inputs: PricingInputs, lines: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """How the proposal moves base prices and quotes."""
    changes = [ln for ln in lines if ln["current"] is not None]
    counts = {
        "up": sum(ln["proposed"] > ln["current"] for ln in changes),
        "down": sum(ln["proposed"] < ln["current"] for ln in changes),
        "unchanged": sum(ln["proposed"] == ln["current"] for ln in changes),
        "new": len(lines) - len(changes),
    }
    biggest = sorted(
        (ln for ln in changes if ln["proposed"] != ln["current"]),
        key=lambda ln: (-abs(ln["proposed"] - ln["current"]), ln["variant_sku"]),
    )[:BIGGEST_SHOWN]
    current = inputs.book
    proposed = {ln["variant_sku"]: ln["proposed"] for ln in lines}
    proposed_book = replace(current, base_prices={**current.base_prices, **proposed})
    deltas: list[int] = []
    per_condition: dict[str, list[int]] = {name: [] for name in CONDITIONS}
    for ln in changes:
        for name, condition in CONDITIONS.items():
            before = _offer(inputs, current, ln["variant_sku"], condition, ctx)
            after = _offer(inputs, proposed_book, ln["variant_sku"], condition, ctx)
            deltas.append(after - before)
            per_condition[name].append(after - before)
    return {
        "base_prices": counts,
        "biggest_changes": [{**ln, "change": ln["proposed"] - ln["current"]} for ln in biggest],
        "quotes": {
            "payout_method": str(inputs.payout_options[0].method),
            "compared": len(deltas),
            "average_change": _mean(deltas),
            "max_increase": max([d for d in deltas if d > 0], default=0),
            "max_decrease": -min([d for d in deltas if d < 0], default=0),
            "by_condition": {name: _mean(d) for name, d in per_condition.items()},
        },
    }


def _offer(
    inputs: PricingInputs, book: PriceBook, sku: str, condition: Condition, ctx: Context
) -> int:
    """The offer for the program's first payout method, in minor units."""
    quotation = quote(
        book=book,
        model=inputs.facts[sku],
        variant_sku=sku,
        condition=condition,
        payout_options=inputs.payout_options[:1],
        as_of=ctx.now,
    )
    return quotation.offers[0].amount.amount


def _mean(values: list[int]) -> int:
    """Rounded half away from zero, in minor units; 0 for none."""
    if not values:
        return 0
    total, n = sum(values), len(values)
    return (abs(total) * 2 + n) // (2 * n) * (1 if total >= 0 else -1)


def _require_open(row: PriceBookProposal, action: str) -> None:
    if row.status != PROPOSED:
        raise IllegalProposalTransition(
            f"cannot {action} a proposal that is {row.status}",
            field="proposal_id",
            proposal_status=row.status,
        )


def approve(session: Session, proposal_id: str, ctx: Context) -> PriceBookProposal:
    """A second program manager applies the proposal's base prices."""
    row = get(session, proposal_id, for_update=True)
    _require_open(row, "approve")
    if row.created_by == ctx.actor:
        raise SameReviewer(
            "a proposal is approved by someone other than who made it", field="proposal_id"
        )
    now = program_prices.base_prices(session, row.program_id)
    stale = sorted(
        ln["variant_sku"] for ln in row.prices if now.get(ln["variant_sku"]) != ln["current"]
    )
    if stale:
        raise StaleProposal(
            f"{len(stale)} base price(s) changed since the proposal was made: make a new one",
            field="proposal_id",
            changed=stale[:BIGGEST_SHOWN],
        )
    if row.prices:
        prices = [{"variant_sku": ln["variant_sku"], "amount": ln["proposed"]} for ln in row.prices]
        programs.set_base_prices(
            session,
            row.program_id,
            program_schemas.BasePricesIn.model_validate({"prices": prices}),
            ctx,
        )
    row.status, row.reviewed_by, row.reviewed_at = APPLIED, ctx.actor, ctx.now
    return row


def reject(session: Session, proposal_id: str, note: str, ctx: Context) -> PriceBookProposal:
    row = get(session, proposal_id, for_update=True)
    _require_open(row, "reject")
    row.status, row.reviewed_by, row.reviewed_at = REJECTED, ctx.actor, ctx.now
    row.review_note = note
    return row
