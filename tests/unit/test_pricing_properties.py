"""Rules that must hold for every price book, device and condition."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.condition import FAULTS_BY_CATEGORY, SCREEN_CRACKED, Condition, Cosmetic, Grade
from revalue.domain.pricing import PayoutOption, PriceBook, Promotion, quote
from revalue.domain.program import PayoutMethod

T0 = datetime(2024, 1, 1, tzinfo=UTC)
bp = st.integers(0, 10_000)


@st.composite
def price_books(draw):
    multipliers = sorted(draw(st.lists(bp, min_size=4, max_size=4)), reverse=True)
    keys = [SCREEN_CRACKED, *sorted(set().union(*FAULTS_BY_CATEGORY.values()))]
    promos = tuple(
        Promotion(
            name=f"p{i}",
            starts_at=T0 + timedelta(days=s),
            ends_at=T0 + timedelta(days=s + d),
            category=draw(st.none() | st.sampled_from(Category)),
            amount=draw(st.integers(0, 5000)),
            percent_bp=draw(st.integers(0, 2000)),
        )
        for i, (s, d) in enumerate(
            draw(st.lists(st.tuples(st.integers(0, 900), st.integers(1, 120)), max_size=3))
        )
    )
    return PriceBook(
        currency=draw(st.sampled_from(["USD", "EUR", "JPY"])),
        base_prices={"sku": draw(st.integers(0, 500_000))},
        grade_multipliers_bp=dict(zip(Grade, multipliers, strict=True)),
        deductions_bp={k: draw(bp) for k in keys},
        monthly_depreciation_bp={c: draw(st.integers(0, 1000)) for c in Category},
        max_depreciation_bp=draw(bp),
        floor=draw(st.integers(0, 5000)),
        rounding_increment=draw(st.sampled_from([1, 5, 100, 500])),
        promotions=promos,
    )


models = st.builds(
    lambda c, d: ModelFacts(model_id="m", category=c, release_date=d),
    st.sampled_from(Category),
    st.dates(date(2015, 1, 1), date(2027, 1, 1)),
)
as_ofs = st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
options = st.lists(
    st.builds(PayoutOption, method=st.sampled_from(PayoutMethod), bonus_bp=st.integers(0, 3000)),
    min_size=1,
    max_size=4,
    unique_by=lambda o: o.method,
).map(tuple)


def conditions(category):
    return st.builds(
        Condition,
        powers_on=st.booleans(),
        screen_cracked=st.booleans(),
        cosmetic=st.sampled_from(Cosmetic),
        faults=st.frozensets(st.sampled_from(sorted(FAULTS_BY_CATEGORY[category]))),
        activation_lock_off=st.booleans(),
    )


@st.composite
def worse(draw, condition, category):
    """A condition at least as bad as ``condition`` on every axis."""
    order = list(Cosmetic)
    extra = draw(st.frozensets(st.sampled_from(sorted(FAULTS_BY_CATEGORY[category]))))
    return Condition(
        powers_on=condition.powers_on and draw(st.booleans()),
        screen_cracked=condition.screen_cracked or draw(st.booleans()),
        cosmetic=draw(st.sampled_from(order[order.index(condition.cosmetic) :])),
        faults=condition.faults | extra,
        activation_lock_off=condition.activation_lock_off and draw(st.booleans()),
    )


@st.composite
def scenarios(draw):
    model = draw(models)
    return draw(price_books()), model, draw(conditions(model.category)), draw(as_ofs), draw(options)


def run(book, model, condition, as_of, opts):
    return quote(
        book=book,
        model=model,
        variant_sku="sku",
        condition=condition,
        payout_options=opts,
        as_of=as_of,
    )


@given(scenarios())
def test_same_inputs_give_the_same_offer(s):
    assert run(*s) == run(*s)


@given(scenarios())
def test_offers_are_never_negative_and_lines_add_up(s):
    for offer in run(*s).offers:
        assert offer.amount.amount >= 0
        assert sum(line.amount for line in offer.lines) == offer.amount.amount
        assert offer.amount.amount % s[0].rounding_increment == 0 or offer.amount.amount == 0


@given(st.data())
def test_a_worse_declared_condition_never_gets_a_higher_offer(data):
    book, model, condition, as_of, opts = data.draw(scenarios())
    bad = data.draw(worse(condition, model.category))
    assert bad.is_no_better_than(condition)
    good_offers = run(book, model, condition, as_of, opts).offers
    bad_offers = run(book, model, bad, as_of, opts).offers
    for good, worse_offer in zip(good_offers, bad_offers, strict=True):
        assert worse_offer.amount.amount <= good.amount.amount


@given(scenarios())
def test_a_bonus_never_lowers_an_offer(s):
    book, model, condition, as_of, opts = s
    plain = run(book, model, condition, as_of, tuple(PayoutOption(method=o.method) for o in opts))
    for with_bonus, without in zip(run(*s).offers, plain.offers, strict=True):
        assert with_bonus.amount.amount >= without.amount.amount
