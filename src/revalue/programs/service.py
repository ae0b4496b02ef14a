"""Program use cases. Every change bumps the program's version (the price-book cache key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from revalue.catalog import repository as catalog_repository
from revalue.catalog.service import ModelNotFound
from revalue.domain.catalog import Category
from revalue.domain.condition import Condition, Cosmetic
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.domain.money import check_currency
from revalue.domain.pricing import BP, quote
from revalue.grading import library as grading
from revalue.programs import pricebook, repository, schemas
from revalue.programs.models import Program, Promotion


class ProgramNotFound(NotFound):
    code = "program_not_found"


class ProgramExists(Conflict):
    code = "program_exists"


class UnknownVariants(InvalidInput):
    code = "unknown_variants"


def get(session: Session, program_id: str) -> Program:
    program = repository.get(session, program_id)
    if program is None:
        raise ProgramNotFound(f"no program {program_id!r}", field="program_id")
    return program


def pricing_inputs(session: Session, program_id: str) -> pricebook.PricingInputs:
    inputs = pricebook.CACHE.inputs(session, program_id)
    if inputs is None:
        raise ProgramNotFound(f"no program {program_id!r}", field="program_id")
    return inputs


def list_all(session: Session) -> list[Program]:
    return repository.list_all(session)


def create(session: Session, data: schemas.ProgramIn, ctx: Context) -> Program:
    check_currency(data.currency)
    if repository.get(session, data.id) is not None:
        raise ProgramExists(f"program {data.id!r} already exists", field="id")
    program = Program(
        id=data.id,
        name=data.name,
        currency=data.currency,
        version=1,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    _apply(program, data.model_dump(mode="json", exclude={"id", "currency"}))
    session.add(program)
    session.flush()
    _validate_rules(session, program)
    return program


def update(session: Session, program_id: str, patch: schemas.ProgramPatch, ctx: Context) -> Program:
    program = get(session, program_id)
    values = patch.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    if "pricing" in values:
        # A patch names only the rules it changes; the others stay as they were.
        values["pricing"] = {**program.pricing, **values["pricing"]}
    _apply(program, values)
    program.updated_at = ctx.now
    program.version += 1
    session.flush()
    _validate_rules(session, program)
    return program


def _apply(program: Program, values: dict) -> None:
    for name, value in values.items():
        setattr(program, name, value)


def _validate_rules(session: Session, program: Program) -> None:
    # The scale must exist: shipped, or loaded for this program (UnknownScale, 404).
    try:
        grading.get_scale(session, program.grading_scale, programs=frozenset({program.id}))
    except grading.UnknownScale as exc:
        raise grading.UnknownScale(exc.message, field="grading_scale") from None
    # The domain's PriceBook checks the rules (ordering of grade multipliers and the like);
    # building it here turns a bad configuration into a clear 422 before anything is stored.
    pricebook.build_price_book(session, program, base_prices={})


def set_base_prices(
    session: Session, program_id: str, data: schemas.BasePricesIn, ctx: Context
) -> int:
    program = get(session, program_id)
    prices = {p.variant_sku: p.amount for p in data.prices}
    if len(prices) != len(data.prices):
        raise InvalidInput("a variant appears more than once", field="prices")
    known = catalog_repository.variants_by_sku(session, prices)
    unknown = sorted(set(prices) - set(known))
    if unknown:
        raise UnknownVariants(
            f"{len(unknown)} unknown variant(s): {', '.join(unknown[:5])}",
            field="prices.variant_sku",
            unknown=unknown,
        )
    repository.upsert_base_prices(session, program.id, prices)
    _touch(program, ctx)
    return len(prices)


def derive_base_prices(
    session: Session, program_id: str, data: schemas.DerivePricesIn, ctx: Context
) -> int:
    """Seed base prices from launch prices, for variants launched in the program's currency."""
    program = get(session, program_id)
    categories = {str(c) for c in (data.categories or program.accepted_categories)}
    prices = {}
    for model in catalog_repository.all_models(session):
        if model.category not in categories:
            continue
        for variant in model.variants:
            if variant.currency == program.currency:
                prices[variant.sku] = variant.launch_price * data.share_of_launch_bp // BP
    if not prices:
        raise InvalidInput(
            f"no catalog variant has a launch price in {program.currency} for these categories",
            field="categories",
        )
    repository.upsert_base_prices(session, program.id, prices)
    _touch(program, ctx)
    return len(prices)


def add_promotion(
    session: Session, program_id: str, data: schemas.PromotionIn, ctx: Context
) -> Promotion:
    program = get(session, program_id)
    if data.model_id and catalog_repository.get_model(session, data.model_id) is None:
        raise ModelNotFound(f"no catalog model {data.model_id!r}", field="model_id")
    promo = Promotion(program_id=program.id, **data.model_dump(exclude_none=False))
    promo.category = str(data.category) if data.category else None
    session.add(promo)
    _touch(program, ctx)
    session.flush()
    return promo


def _touch(program: Program, ctx: Context) -> None:
    program.version += 1
    program.updated_at = ctx.now


def to_out(session: Session, program: Program) -> schemas.ProgramOut:
    return schemas.ProgramOut.model_validate(
        {
            **{
                c: getattr(program, c)
                for c in schemas.ProgramOut.model_fields
                if hasattr(program, c)
            },
            "priced_variants": repository.count_base_prices(session, program.id),
        }
    )


def price_list(session: Session, program_id: str, as_of: datetime) -> list[dict]:
    """Today's best offer per priced variant: what a partner shows before any question."""
    inputs = pricing_inputs(session, program_id)
    program = inputs.program
    best = Condition(powers_on=True, screen_cracked=False, cosmetic=Cosmetic.FLAWLESS)
    models = {m.id: m for m in catalog_repository.all_models(session)}
    out = []
    for sku in sorted(inputs.book.base_prices):
        facts = inputs.facts.get(sku)
        if facts is None or str(facts.category) not in program.accepted_categories:
            continue
        quotation = quote(
            book=inputs.book,
            model=facts,
            variant_sku=sku,
            condition=best,
            payout_options=inputs.payout_options,
            as_of=as_of,
        )
        model = models[facts.model_id]
        out.append(
            {
                "model_id": model.id,
                "variant_sku": sku,
                "brand": model.brand,
                "name": model.name,
                "category": Category(model.category),
                "top_offer": max(o.amount.amount for o in quotation.offers),
                "currency": program.currency,
            }
        )
    return out
