"""Random sequences of postings between random accounts, reposts and reversals, through the
real ledger and database, against a model kept in plain Python: every balance is the sum of
its entries, the ledger sums to zero per currency, and the checks find exactly what is wrong."""

from collections import Counter
from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from revalue.domain.errors import RevalueError
from revalue.domain.ledger import Entry
from revalue.payouts import ledger
from revalue.payouts.models import LedgerEntry, LedgerTransaction
from revalue.programs import service as programs
from tests import factories

ACCOUNTS = ["trade_in_liability", "device_purchases", "cash_clearing", "store_credit:c_1", "bank"]
CURRENCIES = ["USD", "EUR", "JPY"]
TRADE_INS = ["t_1", "t_2", "t_3"]
EXAMPLES = count()  # the database outlives examples: each gets a program of its own


@st.composite
def postings(draw):  # type: ignore[no-untyped-def]
    """A balanced set of entries in one or two currencies: random amounts to random accounts,
    and the last one of each currency takes what balances them."""
    entries = []
    for currency in draw(
        st.lists(st.sampled_from(CURRENCIES), min_size=1, max_size=2, unique=True)
    ):
        legs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(ACCOUNTS),
                    st.integers(1, 10**12) | st.integers(-(10**12), -1),
                ),
                min_size=1,
                max_size=4,
            )
        )
        entries += [Entry(account, amount, currency) for account, amount in legs]
        total = sum(amount for _, amount in legs)
        if total:
            entries.append(Entry(draw(st.sampled_from(ACCOUNTS)), -total, currency))
    return entries


STEPS = st.one_of(
    st.tuples(
        st.just("post"), st.sampled_from(["accrue", "pay"]), st.sampled_from(TRADE_INS), postings()
    ),
    st.tuples(st.just("repost"), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEPS, max_size=16))
def test_random_postings_and_reversals_keep_the_ledger_whole(sessions, seeded, steps):
    program = f"prop-{next(EXAMPLES)}"
    with sessions.begin() as s:
        programs.create(s, factories.program_in(id=program), factories.ctx())
    # (id, kind, trade-in, entries, the id it reverses) of every transaction posted
    posted: list[tuple[str, str, str, list[Entry], str | None]] = []
    reversed_: dict[str, str] = {}  # original id -> reversal id
    now = factories.NOW
    for n, step in enumerate(steps):
        now += timedelta(minutes=1)
        ctx = factories.ctx(now)
        before = _rows(sessions)
        if step[0] == "post":
            _, kind, trade_in, entries = step
            trade_in = f"{program}:{trade_in}"  # trade-in ids are unique across programs
            with sessions.begin() as s:
                tx = ledger.post(
                    s, program_id=program, trade_in_id=trade_in, kind=kind,
                    reference=f"{program}:{n}", entries=entries, memo="", ctx=ctx,
                )  # fmt: skip
            posted.append((tx.id, kind, trade_in, entries, None))
            continue
        if not posted:
            continue
        tid, kind, trade_in, entries, reverses = posted[step[1] % len(posted)]
        if step[0] == "repost":
            with sessions.begin() as s:
                again = ledger.post(
                    s, program_id=program, trade_in_id=trade_in, kind=kind,
                    reference=_reference_of(s, tid), entries=entries[::-1], memo="", ctx=ctx,
                    reverses=reverses,
                )  # fmt: skip
            assert again.id == tid and _rows(sessions) == before
            continue
        refused = tid in reversed_ or kind == ledger.REVERSE
        try:
            with sessions.begin() as s:
                undo = ledger.reverse(s, tid, reason="property", ctx=ctx)
        except RevalueError:
            assert refused and _rows(sessions) == before
            continue
        assert not refused
        reversed_[tid] = undo.id
        negated = [Entry(e.account, -e.amount, e.currency) for e in entries]
        posted.append((undo.id, ledger.REVERSE, trade_in, negated, tid))

    expected: Counter[tuple[str, str]] = Counter()
    for _, _, _, entries, _ in posted:
        for e in entries:
            expected[(e.account, e.currency)] += e.amount
    standing = [(t, tid) for tid, kind, t, *_ in posted if kind == "pay" and tid not in reversed_]
    paid = Counter(t for t, _ in standing)
    # Shown by --hypothesis-show-statistics: the examples reach reversals and double payments.
    event(f"{len(reversed_)} reversal(s)")
    event(f"paid twice: {max(paid.values(), default=0) > 1}")
    with sessions() as s:
        assert ledger.balances(s, program_id=program) == dict(expected)
        for (account, currency), total in expected.items():
            assert (
                ledger.balances(s, program_id=program, prefix=account)[(account, currency)] == total
            )
        per_currency: Counter[str] = Counter()
        for (_, currency), total in ledger.balances(s).items():
            per_currency[currency] += total
        assert set(per_currency.values()) <= {0}
        report = ledger.check(s, program_id=program)
        # The only thing that can be wrong: a trade-in with two payments standing.
        assert {(p.kind, p.subject) for p in report.problems} == {
            ("paid_twice", t) for t, n in paid.items() if n > 1
        }
        assert report.transactions == len(posted)
        assert report.entries == sum(len(p[3]) for p in posted)
    # Reversing the surplus payments leaves nothing wrong, in this program or any.
    with sessions.begin() as s:
        for t in paid:
            for _, tid in [x for x in standing if x[0] == t][1:]:
                ledger.reverse(s, tid, reason="paid twice", ctx=factories.ctx(now))
    with sessions() as s:
        assert ledger.check(s, program_id=program).ok
        assert ledger.check(s).ok


def _rows(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(LedgerTransaction)),
            s.scalar(select(func.count()).select_from(LedgerEntry)),
        )


def _reference_of(s, tid: str) -> str:  # type: ignore[no-untyped-def]
    return s.get(LedgerTransaction, tid).reference
