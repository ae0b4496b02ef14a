"""Inspector calibration: how often an inspector's grades agree with a second inspector's,
corrected for the agreement chance alone would give (Cohen's kappa)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction


def cohens_kappa(pairs: Sequence[tuple[str, str]]) -> Fraction | None:
    """Kappa of two raters over the same items: ``(po - pe) / (1 - pe)``, where ``po`` is the
    share of items they agree on and ``pe`` the agreement expected from each rater's own
    mix of grades. None when there is nothing to compare, or when both gave one and the same
    grade to every item (chance explains all agreement; kappa is undefined)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = Fraction(sum(a == b for a, b in pairs), n)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(Fraction(first[k] * second[k], n * n) for k in first.keys() | second.keys())
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)
