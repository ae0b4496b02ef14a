"""The fairness policy of re-quotes: what an inspection's finding does to the offer.

Pure rules a program configures: a finding within tolerance keeps the quote; a better device
raises the offer (when the program says so); a worse one beyond tolerance becomes a re-quote
the customer answers, held first for a second inspector when the cut is large.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from revalue.domain.condition import COSMETIC_ORDER, Condition


class Outcome(StrEnum):
    AS_QUOTED = "as_quoted"  # found worth what was quoted
    HONOURED = "honoured"  # found worth less, within tolerance: the quote stands
    RAISED = "raised"  # found worth more: the offer goes up, nothing to answer
    REQUOTE = "requote"  # found worth less beyond tolerance: the customer decides
    HELD = "held"  # as REQUOTE, but a second inspector must look first


class Lapse(StrEnum):
    """What an unanswered re-quote becomes when its window closes."""

    RETURN = "return"  # declined: the device goes back, free
    ACCEPT = "accept"  # accepted, where the program's terms say so


class LockExpiry(StrEnum):
    """What happens to a device whose lock the customer did not remove in time."""

    RETURN = "return"
    RECYCLE = "recycle"  # where the program's terms say so


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    tolerance_bp: int = 1000  # of the quoted offer
    tolerance_steps: int = 0  # cosmetic grade steps, when nothing else differs
    upward: bool = True
    second_opinion_above: int | None = None  # minor units of cut; None: never required


def cosmetic_steps(declared: Condition, found: Condition) -> int:
    """How many cosmetic tiers the found condition is below the declared one."""
    return COSMETIC_ORDER.index(found.cosmetic) - COSMETIC_ORDER.index(declared.cosmetic)


def only_cosmetic_worse(declared: Condition, found: Condition) -> bool:
    same_otherwise = Condition(
        powers_on=found.powers_on,
        screen_cracked=found.screen_cracked,
        cosmetic=declared.cosmetic,
        faults=found.faults,
        activation_lock_off=found.activation_lock_off,
    )
    return same_otherwise.is_no_better_than(declared) and declared.is_no_better_than(same_otherwise)


def decide(
    *,
    quoted: int,
    found: int,
    declared: Condition,
    found_condition: Condition,
    policy: Policy,
    second_opinion_done: bool,
) -> Outcome:
    if found == quoted:
        return Outcome.AS_QUOTED
    if found > quoted:
        return Outcome.RAISED if policy.upward else Outcome.AS_QUOTED
    cut = quoted - found
    if cut * 10_000 <= quoted * policy.tolerance_bp:
        return Outcome.HONOURED
    steps = cosmetic_steps(declared, found_condition)
    if only_cosmetic_worse(declared, found_condition) and steps <= policy.tolerance_steps:
        return Outcome.HONOURED
    above = policy.second_opinion_above
    if above is not None and cut > above and not second_opinion_done:
        return Outcome.HELD
    return Outcome.REQUOTE


def sampled(key: str, sample_bp: int) -> bool:
    """Whether a trade-in falls in the random sample for a second opinion. Derived from its
    id, so the draw is fixed, reproducible in an audit, and the same in every process."""
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 10_000
    return draw < sample_bp
