"""The calibration report: per inspector, agreement with second opinions, re-quote rate and
average adjustment, read from the custody log (every inspection and second opinion is there)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.domain.calibration import cohens_kappa
from revalue.domain.fairness import Outcome
from revalue.domain.lifecycle import Action
from revalue.tradeins.models import CustodyEvent, TradeIn

REQUOTING = {str(Outcome.REQUOTE), str(Outcome.HELD)}


@dataclass
class InspectorStats:
    inspector: str
    inspections: int = 0
    requotes: int = 0
    adjustments: list[int] = field(default_factory=list)  # found - quoted, minor units
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (own grade, second grade)

    @property
    def requote_rate(self) -> Fraction | None:
        return Fraction(self.requotes, self.inspections) if self.inspections else None

    @property
    def average_adjustment(self) -> Fraction | None:
        return Fraction(sum(self.adjustments), len(self.adjustments)) if self.adjustments else None

    @property
    def agreement(self) -> Fraction | None:
        if not self.pairs:
            return None
        return Fraction(sum(a == b for a, b in self.pairs), len(self.pairs))

    @property
    def kappa(self) -> Fraction | None:
        return cohens_kappa(self.pairs)


def report(session: Session, within: frozenset[str] | None = None) -> list[InspectorStats]:
    """Every inspector with an inspection in those programs (None: all), by name."""
    stmt = (
        select(CustodyEvent.actor, CustodyEvent.action, CustodyEvent.data)
        .join(TradeIn, TradeIn.id == CustodyEvent.trade_in_id)
        .where(CustodyEvent.action.in_([str(Action.INSPECT), str(Action.SECOND_OPINION)]))
        .order_by(CustodyEvent.id)
    )
    if within is not None:
        stmt = stmt.where(TradeIn.program_id.in_(within))
    stats: dict[str, InspectorStats] = defaultdict(lambda: InspectorStats(""))

    def of(name: str) -> InspectorStats:
        row = stats[name]
        row.inspector = name
        return row

    for actor, action, data in session.execute(stmt):
        if action == Action.INSPECT:
            row = of(actor)
            row.inspections += 1
            row.requotes += data.get("outcome") in REQUOTING
            if data.get("found") is not None and data.get("quoted") is not None:
                row.adjustments.append(data["found"] - data["quoted"])
        else:
            first = data.get("first_grade"), data.get("grade")
            if None not in first:
                of(data["first_inspector"]).pairs.append((first[0], first[1]))
    return sorted(stats.values(), key=lambda s: s.inspector)
