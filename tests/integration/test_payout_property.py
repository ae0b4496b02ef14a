"""Random sequences of payouts (every method, instant credit at the till), inspections,
store-credit redemptions (more than the balance among them), refunds of redemptions
(reversals) and reconciliations, through the real services and database. After every step:
each account's balance is the sum of its entries, the ledger sums to zero, no card is
overdrawn, no trade-in is paid twice, and the ledger check is clean."""

from collections import defaultdict
from itertools import count

from cryptography.fernet import Fernet
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from revalue.domain.errors import RevalueError
from revalue.payouts import instant, instruments, ledger, redemption
from revalue.payouts import service as payouts
from revalue.payouts.models import LedgerEntry, LedgerTransaction, StoreCredit
from revalue.payouts.schemas import PayIn
from revalue.programs import schemas as program_schemas
from revalue.programs import service as programs
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import inspection, schemas, service
from revalue.tradeins.models import Payment
from tests import factories

BOX = Fernet(Fernet.generate_key())
METHODS = ["cash", "store_credit", "purchase_discount", "loyalty_points"]
EXAMPLES = count()  # the database outlives examples: each gets a program of its own
ORDERS = count()


def _program(session) -> str:  # type: ignore[no-untyped-def]
    program_id = f"prop-{next(EXAMPLES)}"
    options = [{"method": m, "bonus_bp": 1000 if m != "cash" else 0} for m in METHODS]
    programs.create(
        session,
        factories.program_in(
            id=program_id, name=program_id, payout_options=options, instant_credit=True
        ),
        factories.ctx(),
    )
    programs.derive_base_prices(
        session,
        program_id,
        program_schemas.DerivePricesIn(share_of_launch_bp=6000),
        factories.ctx(),
    )
    return program_id


def _received(session, program_id: str, method: str) -> str:  # type: ignore[no-untyped-def]
    c = factories.ctx()
    req = QuoteRequest(
        program_id=program_id, variant_sku=factories.PHONE, answers=factories.condition()
    )
    contact = {"name": "Ada", "email": "ada@example.com"}
    t, _ = service.start(session, req, c)
    accept = schemas.AcceptIn(payout_method=method, pathway="in_store", contact=contact)
    service.accept(session, t.id, accept, c)
    service.receive(session, t.id, schemas.NoteIn(), c)
    return t.id


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_payouts_and_redemptions_keep_the_ledger_true(sessions, seeded, data):
    with sessions.begin() as s:
        program_id = _program(s)
        # Store credit more often than not: its card is what redemptions and clawbacks touch.
        methods = st.sampled_from(["store_credit", "store_credit", *METHODS])
        tids = [_received(s, program_id, data.draw(methods)) for _ in range(3)]
    c = factories.ctx()
    steps = {
        "instant": lambda s, t: instant.pay_instant(s, t, c, box=BOX),
        "inspect": lambda s, t: inspection.inspect(
            s,
            t,
            schemas.InspectIn(
                condition=factories.condition(
                    cosmetic=data.draw(st.sampled_from(["flawless", "good", "poor"]))
                )
            ),
            c,
        ),
        "accept_requote": lambda s, t: service.accept_requote(s, t, schemas.NoteIn(), c),
        "decline_requote": lambda s, t: service.decline_requote(s, t, schemas.NoteIn(), c),
        "pay": lambda s, t: payouts.pay(s, t, PayIn(), c, box=BOX),
        "redeem": lambda s, t: _redeem(s, t, data.draw(st.integers(1, 40_000)), c),
        "refund": lambda s, t: _refund(s, t, c),
        "reconcile": lambda s, t: instant.reconcile(s, c),
    }
    for _ in range(data.draw(st.integers(1, 18))):
        name = data.draw(st.sampled_from(sorted(steps)))
        tid = data.draw(st.sampled_from(tids))
        try:
            with sessions.begin() as s:
                steps[name](s, tid)
            event(f"{name}: done")
        except RevalueError as exc:
            event(f"{name}: refused ({exc.code})")
        with sessions() as s:
            _holds(s, program_id, tids)


def _redeem(s, tid: str, amount: int, c) -> None:  # type: ignore[no-untyped-def]
    card = s.scalars(select(StoreCredit).where(StoreCredit.trade_in_id == tid)).first()
    if card is None:
        event("redeem: no card")
        return
    redemption.redeem_store_credit(
        s, program_id=card.program_id, code=instruments.reveal(BOX, card), amount=amount,
        currency=card.currency, order_reference=f"ORD-{next(ORDERS)}", ctx=c,
    )  # fmt: skip


def _refund(s, tid: str, c) -> None:  # type: ignore[no-untyped-def]
    """An order returned: its redemption reversed, the money back on the card."""
    redeemed = s.scalars(
        select(LedgerTransaction.id).where(
            LedgerTransaction.trade_in_id == tid,
            LedgerTransaction.kind == "redeem",
            LedgerTransaction.id.not_in(
                select(LedgerTransaction.reverses).where(LedgerTransaction.reverses.is_not(None))
            ),
        )
    ).first()
    if redeemed is not None:
        ledger.reverse(s, redeemed, reason="order returned", ctx=c)


def _holds(s, program_id: str, tids: list[str]) -> None:  # type: ignore[no-untyped-def]
    rows = s.execute(
        select(LedgerEntry.account, LedgerEntry.currency, LedgerEntry.amount)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.program_id == program_id)
    ).all()
    mine: dict[tuple[str, str], int] = defaultdict(int)
    for account, currency, amount in rows:
        mine[(account, currency)] += amount
    balances = ledger.balances(s, program_id=program_id)
    assert {k: v for k, v in balances.items() if v} == {k: v for k, v in mine.items() if v}
    assert sum(mine.values()) == 0
    for (account, _), balance in mine.items():
        if account.startswith("store_credit:"):
            assert balance <= 0, f"{account} overdrawn: {balance}"
    for tid in tids:
        assert s.scalar(select(func.count()).where(Payment.trade_in_id == tid)) <= 1
    assert ledger.check(s, program_id=program_id).ok
