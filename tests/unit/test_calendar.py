from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from revalue.domain.calendar import add_business_days

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_business_days_skip_the_weekend():
    friday = MONDAY + timedelta(days=4)
    assert add_business_days(friday, 1) == MONDAY + timedelta(days=7)  # next Monday
    assert add_business_days(MONDAY, 2) == MONDAY + timedelta(days=2)
    saturday = MONDAY + timedelta(days=5)
    assert add_business_days(saturday, 2) == MONDAY + timedelta(days=8)  # Tuesday
    assert add_business_days(MONDAY, 0) == MONDAY


@given(st.integers(0, 2000), st.integers(0, 60))
def test_a_due_date_is_a_weekday_and_counts_exactly_that_many_weekdays(offset_hours, days):
    start = MONDAY + timedelta(hours=offset_hours)
    due = add_business_days(start, days)
    assert due >= start and due.time() == start.time()
    if days:
        assert due.weekday() < 5
        walked = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
        assert sum(1 for d in walked if d.weekday() < 5) == days
