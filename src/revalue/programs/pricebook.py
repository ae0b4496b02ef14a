"""Builds the domain's price book from a program's rows, cached per process.

The cache is keyed by the program's version and the catalog's version, both held by the
database: any process that changes a price bumps the version, and every other process then
misses its cache on the next quote instead of serving a stale price.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from sqlalchemy.orm import Session

from revalue.catalog import repository as catalog_repository
from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.condition import Grade
from revalue.domain.pricing import PayoutOption, PriceBook, Promotion
from revalue.domain.program import PayoutMethod
from revalue.programs import repository
from revalue.programs.models import Program

_MAX_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class ProgramFacts:
    """What quoting needs of a program, as of one version."""

    id: str
    currency: str
    version: int
    accepted_categories: frozenset[str]
    quote_validity_days: int


@dataclass(frozen=True, slots=True)
class PricingInputs:
    program: ProgramFacts
    book: PriceBook
    payout_options: tuple[PayoutOption, ...]
    facts: dict[str, ModelFacts]  # variant SKU -> facts of its model


class _Cache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, PricingInputs] = OrderedDict()
        self._facts: tuple[int, dict[str, ModelFacts]] | None = None
        self._lock = Lock()

    def inputs(self, session: Session, program_id: str) -> PricingInputs | None:
        """The program's pricing inputs, or None when there is no such program.

        One small query reads both versions; the program itself is loaded only on a miss.
        """
        versions = repository.versions(session, program_id)
        if versions is None:
            return None
        key = (program_id, *versions)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        program = repository.get(session, program_id)
        assert program is not None  # its version was just read in this transaction
        facts = self._catalog_facts(session, versions[1])
        built = PricingInputs(
            program=ProgramFacts(
                id=program.id,
                currency=program.currency,
                version=program.version,
                accepted_categories=frozenset(program.accepted_categories),
                quote_validity_days=program.quote_validity_days,
            ),
            book=build_price_book(session, program),
            payout_options=payout_options(program),
            facts=facts,
        )
        with self._lock:
            self._entries[key] = built
            while len(self._entries) > _MAX_ENTRIES:
                self._entries.popitem(last=False)
        return built

    def _catalog_facts(self, session: Session, catalog_version: int) -> dict[str, ModelFacts]:
        cached = self._facts
        if cached is not None and cached[0] == catalog_version:
            return cached[1]
        facts = {
            sku: ModelFacts(model_id=model_id, category=Category(category), release_date=released)
            for sku, model_id, category, released in catalog_repository.variant_facts(session)
        }
        self._facts = (catalog_version, facts)
        return facts

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._facts = None


CACHE = _Cache()


def payout_options(program: Program) -> tuple[PayoutOption, ...]:
    return tuple(
        PayoutOption(method=PayoutMethod(o["method"]), bonus_bp=o["bonus_bp"])
        for o in program.payout_options
    )


def rules_kwargs(rules: dict) -> dict:
    """A price book's rules, from their JSON form (a program's ``pricing``, a quote's terms)."""
    return {
        "grade_multipliers_bp": {Grade(k): v for k, v in rules["grade_multipliers_bp"].items()},
        "deductions_bp": dict(rules["deductions_bp"]),
        "monthly_depreciation_bp": {
            Category(k): v for k, v in rules["monthly_depreciation_bp"].items()
        },
        "max_depreciation_bp": rules["max_depreciation_bp"],
        "floor": rules["floor"],
        "rounding_increment": rules["rounding_increment"],
    }


def build_price_book(session: Session, program: Program, **overrides: object) -> PriceBook:
    promos = tuple(
        Promotion(
            name=p.name,
            starts_at=p.starts_at,
            ends_at=p.ends_at,
            model_id=p.model_id,
            category=Category(p.category) if p.category else None,
            amount=p.amount,
            percent_bp=p.percent_bp,
        )
        for p in repository.promotions(session, program.id)
    )
    base_prices = overrides.pop("base_prices", None)
    fields = {
        "currency": program.currency,
        "base_prices": base_prices
        if base_prices is not None
        else repository.base_prices(session, program.id),
        **rules_kwargs(program.pricing),
        "promotions": promos,
    }
    fields.update(overrides)
    return PriceBook(**fields)  # type: ignore[arg-type]
