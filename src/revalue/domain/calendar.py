"""Business days: Monday to Friday, counted in UTC (public holidays differ by country and are
left to the program's choice of days)."""

from __future__ import annotations

from datetime import datetime, timedelta

SATURDAY = 5


def add_business_days(start: datetime, days: int) -> datetime:
    """The ``days``-th weekday after ``start``, same time of day (from a Saturday, 2 days is
    the Tuesday; from a Friday, 1 day is the Monday)."""
    if days < 0:
        raise ValueError("days must not be negative")
    moment = start
    left = days
    while left:
        moment += timedelta(days=1)
        if moment.weekday() < SATURDAY:
            left -= 1
    return moment
