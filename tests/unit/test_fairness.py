"""The fairness policy of re-quotes, and Cohen's kappa for inspector calibration."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.calibration import cohens_kappa
from revalue.domain.condition import Condition, Cosmetic, Fault
from revalue.domain.fairness import Outcome, Policy, decide, sampled

GOOD = Condition(powers_on=True, screen_cracked=False, cosmetic=Cosmetic.GOOD)
FAIR = Condition(powers_on=True, screen_cracked=False, cosmetic=Cosmetic.FAIR)
POOR = Condition(powers_on=True, screen_cracked=False, cosmetic=Cosmetic.POOR)
GOOD_BATTERY = Condition(
    powers_on=True, screen_cracked=False, cosmetic=Cosmetic.GOOD, faults=frozenset({Fault.BATTERY})
)


@pytest.mark.parametrize(
    ("quoted", "found", "found_condition", "policy", "done", "outcome"),
    [
        (10000, 10000, GOOD, Policy(), False, Outcome.AS_QUOTED),
        (10000, 12000, GOOD, Policy(), False, Outcome.RAISED),
        (10000, 12000, GOOD, Policy(upward=False), False, Outcome.AS_QUOTED),
        # 10 % tolerance: exactly 10 % below is honoured, one unit more is a re-quote.
        (10000, 9000, FAIR, Policy(), False, Outcome.HONOURED),
        (10000, 8999, FAIR, Policy(), False, Outcome.REQUOTE),
        (10000, 8999, FAIR, Policy(tolerance_bp=0, tolerance_steps=1), False, Outcome.HONOURED),
        (10000, 7000, POOR, Policy(tolerance_bp=0, tolerance_steps=1), False, Outcome.REQUOTE),
        (10000, 7000, POOR, Policy(tolerance_bp=0, tolerance_steps=2), False, Outcome.HONOURED),
        # Grade steps forgive the cosmetic tier only: a new fault is still a re-quote.
        (
            10000,
            8000,
            GOOD_BATTERY,
            Policy(tolerance_bp=0, tolerance_steps=3),
            False,
            Outcome.REQUOTE,
        ),
        # A cut above the threshold waits for a second inspector, once.
        (10000, 5000, POOR, Policy(second_opinion_above=4999), False, Outcome.HELD),
        (10000, 5000, POOR, Policy(second_opinion_above=5000), False, Outcome.REQUOTE),
        (10000, 5000, POOR, Policy(second_opinion_above=4999), True, Outcome.REQUOTE),
    ],
)
def test_the_outcome_of_a_finding(quoted, found, found_condition, policy, done, outcome):
    got = decide(
        quoted=quoted,
        found=found,
        declared=GOOD,
        found_condition=found_condition,
        policy=policy,
        second_opinion_done=done,
    )
    assert got is outcome


@given(
    quoted=st.integers(1, 10**7),
    found=st.integers(0, 10**7),
    bp=st.integers(0, 10000),
)
def test_the_quote_is_never_cut_within_tolerance_nor_kept_beyond_it(quoted, found, bp):
    got = decide(
        quoted=quoted,
        found=found,
        declared=GOOD,
        found_condition=GOOD_BATTERY,
        policy=Policy(tolerance_bp=bp),
        second_opinion_done=False,
    )
    if found < quoted:
        within = (quoted - found) * 10000 <= quoted * bp
        assert got is (Outcome.HONOURED if within else Outcome.REQUOTE)
    else:
        assert got in (Outcome.AS_QUOTED, Outcome.RAISED)


def test_the_sample_is_fixed_per_trade_in_and_near_its_rate():
    ids = [f"t_{i:05d}" for i in range(20000)]
    picked = [sampled(i, 500) for i in ids]
    assert picked == [sampled(i, 500) for i in ids]  # the same draw every time
    assert 0.04 < sum(picked) / len(ids) < 0.06
    assert not any(sampled(i, 0) for i in ids[:100]) and all(sampled(i, 10000) for i in ids[:100])


def test_kappa_of_a_constructed_case():
    # 50 devices: both say A 20 times, B 15 times; A/B 5 and B/A 10 times.
    pairs = [("A", "A")] * 20 + [("A", "B")] * 5 + [("B", "A")] * 10 + [("B", "B")] * 15
    # Observed agreement 0.7; by chance 0.5 x 0.6 + 0.5 x 0.4 = 0.5; kappa = 0.2 / 0.5.
    assert cohens_kappa(pairs) == Fraction(2, 5)


def test_kappa_is_one_for_perfect_agreement_and_none_without_information():
    assert cohens_kappa([("A", "A"), ("B", "B"), ("C", "C")]) == 1
    assert cohens_kappa([]) is None
    assert cohens_kappa([("A", "A")] * 4) is None  # one grade only: chance explains it all
    assert cohens_kappa([("A", "B"), ("B", "A")]) == -1
