"""Quote use cases: price a device for a program, store the offer, read it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from revalue.catalog.service import ModelNotFound, VariantNotFound
from revalue.domain.condition import Condition
from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput, NotFound
from revalue.domain.money import format_major
from revalue.domain.pricing import Quotation, narrowed, quote
from revalue.ids import new_id
from revalue.programs.pricebook import PricingInputs, ProgramFacts
from revalue.quotes import repository, terms
from revalue.quotes.models import Quote
from revalue.quotes.schemas import ConditionIn, QuoteOut


@dataclass(frozen=True, slots=True)
class Priced:
    model_id: str
    quotation: Quotation
    terms: dict[str, Any]  # what the quote locks in: see revalue.quotes.terms


class QuoteNotFound(NotFound):
    code = "quote_not_found"


class CategoryNotAccepted(InvalidInput):
    code = "category_not_accepted"


def price(
    *,
    inputs: PricingInputs,
    variant_sku: str,
    condition: Condition,
    as_of: datetime,
    model_id: str | None = None,
) -> Priced:
    """The quotation for a variant in a program as at ``as_of``, with the terms it locks in."""
    program = inputs.program
    facts = inputs.facts.get(variant_sku)
    if facts is None:
        raise VariantNotFound(f"no catalog variant {variant_sku!r}", field="variant_sku")
    if model_id is not None and model_id != facts.model_id:
        raise ModelNotFound(
            f"variant {variant_sku!r} is a {facts.model_id}, not a {model_id}", field="model_id"
        )
    if str(facts.category) not in program.accepted_categories:
        raise CategoryNotAccepted(
            f"program {program.id!r} does not accept {facts.category} devices",
            field="variant_sku",
            accepted=sorted(program.accepted_categories),
        )
    book = narrowed(inputs.book, model=facts, variant_sku=variant_sku, as_of=as_of)
    return Priced(
        model_id=facts.model_id,
        quotation=quote(
            book=book,
            model=facts,
            variant_sku=variant_sku,
            condition=condition,
            payout_options=inputs.payout_options,
            as_of=as_of,
        ),
        terms=terms.dump(book, inputs.payout_options, facts),
    )


def reprice(row: Quote, condition: Condition) -> Priced:
    """The quote's device in another condition, on the quote's own terms and date."""
    book, options, facts = terms.load(row.terms)
    return Priced(
        model_id=row.model_id,
        quotation=quote(
            book=book,
            model=facts,
            variant_sku=row.variant_sku,
            condition=condition,
            payout_options=options,
            as_of=row.as_of,
        ),
        terms=row.terms,
    )


def store(
    session: Session,
    *,
    kind: str,
    program: ProgramFacts,
    trade_in_id: str,
    variant_sku: str,
    condition: Condition,
    priced: Priced,
    as_of: datetime,
    expires_at: datetime,
    ctx: Context,
) -> Quote:
    quotation = priced.quotation
    row = Quote(
        id=new_id("q", ctx.now),
        kind=kind,
        program_id=program.id,
        trade_in_id=trade_in_id,
        model_id=priced.model_id,
        variant_sku=variant_sku,
        condition=ConditionIn.dump(condition),
        grade=str(quotation.grade) if quotation.grade else None,
        recycle_only=quotation.recycle_only,
        currency=program.currency,
        offers=[
            {
                "method": str(o.method),
                "amount": o.amount.amount,
                "lines": [
                    {"code": ln.code, "label": ln.label, "amount": ln.amount} for ln in o.lines
                ],
            }
            for o in quotation.offers
        ],
        as_of=as_of,
        expires_at=expires_at,
        program_version=program.version,
        terms=priced.terms,
        created_at=ctx.now,
    )
    repository.insert_new(session, row)
    return row


def get(session: Session, quote_id: str) -> Quote:
    row = repository.get(session, quote_id)
    if row is None:
        raise QuoteNotFound(f"no quote {quote_id!r}", field="quote_id")
    return row


def offer_amount(row: Quote, method: str) -> int:
    for offer in row.offers:
        if offer["method"] == method:
            return offer["amount"]
    raise InvalidInput(
        f"quote {row.id} has no offer for payout method {method!r}",
        field="payout_method",
        offered=[o["method"] for o in row.offers],
    )


def to_out(row: Quote) -> QuoteOut:
    cur = row.currency

    def money(amount: int) -> dict:
        return {
            "amount": amount,
            "currency": cur,
            "formatted": f"{format_major(amount, cur)} {cur}",
        }

    return QuoteOut.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "trade_in_id": row.trade_in_id,
            "program_id": row.program_id,
            "model_id": row.model_id,
            "variant_sku": row.variant_sku,
            "condition": row.condition,
            "grade": row.grade,
            "recycle_only": row.recycle_only,
            "offers": [
                {"method": o["method"], "amount": money(o["amount"]), "lines": o["lines"]}
                for o in row.offers
            ],
            "as_of": row.as_of,
            "expires_at": row.expires_at,
            "created_at": row.created_at,
        }
    )
