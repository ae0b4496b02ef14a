"""The pricing engine: from a device, its condition and a price book to itemized offers.

The order of the steps, each a line of the explanation the customer sees:

1. base price of the variant at the top grade, as at release;
2. age depreciation: a monthly rate, compounding over whole months since release, capped;
3. condition: the grade multiplier of the declared (or, at inspection, found) cosmetic grade;
4. one deduction per defect (cracked screen, each known fault), as a share of the graded value;
5. the floor for working devices (never above the base price);
6. the best promotion running for the model or its category;
7. the bonus of each payout method;
8. rounding down to the program's increment.

A device that does not power on, or whose activation lock is still on, is worth nothing here
and is taken for free recycling. Exact values are kept as fractions; each line is the
difference of two values rounded to the minor unit, so the lines always add up to the offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction

from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.condition import SCREEN_CRACKED, Condition, Fault, Grade, check_faults
from revalue.domain.errors import InvalidInput
from revalue.domain.money import Money, check_currency, format_major, round_minor
from revalue.domain.program import PayoutMethod

BP = 10_000  # basis points in one


class InvalidPriceBook(InvalidInput):
    code = "invalid_price_book"


class NotPriced(InvalidInput):
    """The variant exists, but this program's price book has no price for it."""

    code = "variant_not_priced"


@dataclass(frozen=True, slots=True, kw_only=True)
class Promotion:
    name: str
    starts_at: datetime
    ends_at: datetime
    model_id: str | None = None  # one model, or
    category: Category | None = None  # a whole category, or (both None) everything
    amount: int = 0  # minor units added to a working device's value
    percent_bp: int = 0  # or a share of it

    def applies(self, *, model: ModelFacts, as_of: datetime) -> bool:
        return (
            self.starts_at <= as_of < self.ends_at
            and self.model_id in (None, model.model_id)
            and self.category in (None, model.category)
        )

    def value(self, graded: Fraction) -> Fraction:
        return self.amount + graded * self.percent_bp / BP


@dataclass(frozen=True, slots=True, kw_only=True)
class Deduction:
    percent_bp: int  # share of the graded value taken off for this defect


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutOption:
    method: PayoutMethod
    bonus_bp: int = 0  # e.g. 1000 = +10% when paid this way


DEFAULT_GRADE_MULTIPLIERS_BP = {Grade.A: 10_000, Grade.B: 8_500, Grade.C: 6_500, Grade.D: 4_000}
DEFAULT_DEDUCTIONS_BP = {
    SCREEN_CRACKED: 3_000, Fault.BATTERY: 1_000, Fault.DISPLAY: 2_000, Fault.CAMERA: 1_500,
    Fault.SPEAKER: 800, Fault.MICROPHONE: 800, Fault.BUTTONS: 800, Fault.BIOMETRICS: 1_200,
    Fault.CHARGING_PORT: 1_000, Fault.CONNECTIVITY: 1_500, Fault.KEYBOARD: 1_500,
    Fault.TRACKPAD: 1_200, Fault.PORTS: 800, Fault.HINGE: 1_500, Fault.SENSORS: 1_500,
    Fault.STRAP: 300, Fault.CROWN: 800,
}  # fmt: skip
DEFAULT_MONTHLY_DEPRECIATION_BP = {Category.SMARTPHONE: 300, Category.TABLET: 250,
                                   Category.LAPTOP: 200, Category.WEARABLE: 350}  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceBook:
    currency: str
    base_prices: Mapping[str, int]  # variant SKU -> minor units, top grade, as at release
    grade_multipliers_bp: Mapping[Grade, int] = field(
        default_factory=lambda: dict(DEFAULT_GRADE_MULTIPLIERS_BP)
    )
    deductions_bp: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DEDUCTIONS_BP))
    monthly_depreciation_bp: Mapping[Category, int] = field(
        default_factory=lambda: dict(DEFAULT_MONTHLY_DEPRECIATION_BP)
    )
    max_depreciation_bp: int = 8_500  # age alone never takes more than this share
    floor: int = 0  # minor units: the least a working device gets
    rounding_increment: int = 1  # minor units: offers are rounded down to a multiple
    promotions: tuple[Promotion, ...] = ()

    def __post_init__(self) -> None:
        check_currency(self.currency)
        for sku, price in self.base_prices.items():
            _check_int(price, f"base_prices.{sku}", low=0)
        missing = set(Grade) - set(self.grade_multipliers_bp)
        if missing:
            raise InvalidPriceBook(
                f"grade multipliers missing for {sorted(missing)}", field="grade_multipliers_bp"
            )
        previous = BP
        for grade in Grade:  # best first: a worse grade may never be worth more
            value = self.grade_multipliers_bp[grade]
            _check_int(value, f"grade_multipliers_bp.{grade}", low=0, high=previous)
            previous = value
        for key, value in self.deductions_bp.items():
            _check_int(value, f"deductions_bp.{key}", low=0, high=BP)
        for key, value in self.monthly_depreciation_bp.items():
            _check_int(value, f"monthly_depreciation_bp.{key}", low=0, high=BP)
        _check_int(self.max_depreciation_bp, "max_depreciation_bp", low=0, high=BP)
        _check_int(self.floor, "floor", low=0)
        _check_int(self.rounding_increment, "rounding_increment", low=1)
        for promo in self.promotions:
            _check_int(promo.amount, f"promotions.{promo.name}.amount", low=0)
            _check_int(promo.percent_bp, f"promotions.{promo.name}.percent_bp", low=0, high=BP)
            if promo.ends_at <= promo.starts_at:
                raise InvalidPriceBook(
                    f"promotion {promo.name!r} ends before it starts", field="promotions"
                )


def narrowed(book: PriceBook, *, model: ModelFacts, variant_sku: str, as_of: datetime) -> PriceBook:
    """The price book cut down to what prices one variant at one moment: the terms a quote
    locks in, so a re-quote after inspection changes the condition and nothing else."""
    if variant_sku not in book.base_prices:
        raise NotPriced(
            f"variant {variant_sku!r} has no base price in this program's price book",
            field="variant_sku",
        )
    rate = book.monthly_depreciation_bp.get(model.category, 0)
    return replace(
        book,
        base_prices={variant_sku: book.base_prices[variant_sku]},
        monthly_depreciation_bp={model.category: rate},
        promotions=tuple(p for p in book.promotions if p.applies(model=model, as_of=as_of)),
    )


def _check_int(value: object, name: str, *, low: int, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidPriceBook(f"{name} must be a whole number, got {value!r}", field=name)
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidPriceBook(f"{name} must be {bounds}, got {value}", field=name)


@dataclass(frozen=True, slots=True)
class Line:
    code: str  # stable: base_price, age_depreciation, condition, deduction, floor, ...
    label: str  # what a customer reads
    amount: int  # signed minor units


@dataclass(frozen=True, slots=True)
class Offer:
    method: PayoutMethod
    amount: Money
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Quotation:
    grade: Grade | None  # None when the device is taken for recycling only
    recycle_only: bool
    offers: tuple[Offer, ...]

    def offer_for(self, method: PayoutMethod) -> Offer:
        for offer in self.offers:
            if offer.method == method:
                return offer
        raise InvalidInput(f"no offer for payout method {method}", field="payout_method")


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


class _Ledger:
    """Accumulates exact values and emits lines of rounded differences."""

    def __init__(self, start: Fraction, line: Line) -> None:
        self.value = start
        self.lines = [line]

    def fork(self) -> _Ledger:
        other = _Ledger(self.value, self.lines[0])
        other.lines = list(self.lines)
        return other

    def add(self, code: str, label: str, delta: Fraction) -> None:
        before = round_minor(self.value)
        self.value += delta
        amount = round_minor(self.value) - before
        if amount:
            self.lines.append(Line(code, label, amount))


def quote(
    *,
    book: PriceBook,
    model: ModelFacts,
    variant_sku: str,
    condition: Condition,
    payout_options: tuple[PayoutOption, ...],
    as_of: datetime,
) -> Quotation:
    """Offer per payout method, itemized. Same inputs and ``as_of`` give the same quotation."""
    check_faults(condition.faults, model.category)
    if not payout_options:
        raise InvalidInput("the program offers no payout method", field="payout_methods")
    try:
        base = book.base_prices[variant_sku]
    except KeyError:
        raise NotPriced(
            f"variant {variant_sku!r} has no base price in this program's price book",
            field="variant_sku",
        ) from None
    cur = book.currency
    money = lambda minor: f"{format_major(minor, cur)} {cur}"  # noqa: E731 - local formatter
    ledger = _Ledger(Fraction(base), Line("base_price", "Base price at top grade", base))

    recycle_reason = None
    if not condition.powers_on:
        recycle_reason = "Does not power on: taken for free recycling"
    elif not condition.activation_lock_off:
        recycle_reason = "Activation lock / Find My is on: turn it off to receive value"
    if recycle_reason:
        ledger.add("recycle_only", recycle_reason, -ledger.value)
        lines = tuple(ledger.lines)
        offers = tuple(Offer(o.method, Money(0, cur), lines) for o in payout_options)
        return Quotation(grade=None, recycle_only=True, offers=offers)

    months = months_between(model.release_date, as_of.date())
    rate = book.monthly_depreciation_bp.get(model.category, 0)
    kept = max(Fraction(BP - rate, BP) ** months, Fraction(BP - book.max_depreciation_bp, BP))
    age = f"Age: {months} months since release"
    ledger.add("age_depreciation", age, ledger.value * kept - base)

    grade = condition.grade
    multiplier = book.grade_multipliers_bp[grade]
    ledger.add(
        "condition",
        f"Cosmetic grade {grade} ({condition.cosmetic}): {multiplier / 100:g}% of value",
        ledger.value * (multiplier - BP) / BP,
    )

    graded = ledger.value
    defects = ([SCREEN_CRACKED] if condition.screen_cracked else []) + sorted(condition.faults)
    taken = Fraction(0)
    for defect in defects:
        share = Fraction(book.deductions_bp.get(defect, 0), BP)
        cut = min(graded * share, graded - taken)  # deductions never take the value below zero
        taken += cut
        label = "Cracked screen" if defect == SCREEN_CRACKED else f"Fault: {defect}"
        ledger.add("deduction", f"{label} (-{float(share * 100):g}%)", -cut)

    floor = min(book.floor, base)
    if ledger.value < floor:
        ledger.add("floor", f"Minimum for a working device: {money(floor)}", floor - ledger.value)

    promos = [p for p in book.promotions if p.applies(model=model, as_of=as_of)]
    if promos:
        best = max(promos, key=lambda p: (p.value(ledger.value), p.name))
        ledger.add("promotion", f"Promotion: {best.name}", best.value(ledger.value))

    offers = []
    for option in payout_options:
        method_ledger = ledger.fork()
        if option.bonus_bp:
            method_ledger.add(
                "payout_bonus",
                f"Bonus for {option.method}: +{option.bonus_bp / 100:g}%",
                ledger.value * option.bonus_bp / BP,
            )
        rounded = round_minor(method_ledger.value)
        final = rounded - rounded % book.rounding_increment
        if final != rounded:
            method_ledger.lines.append(
                Line(
                    "rounding",
                    f"Rounded down to a multiple of {money(book.rounding_increment)}",
                    final - rounded,
                )
            )
        offers.append(Offer(option.method, Money(final, cur), tuple(method_ledger.lines)))
    return Quotation(grade=grade, recycle_only=False, offers=tuple(offers))
