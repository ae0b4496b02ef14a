"""Several requests or server processes on one database: one payment, fresh prices."""

import threading

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from revalue.db import make_engine, make_sessionmaker
from revalue.domain.errors import RevalueError
from revalue.payouts import service as payouts
from revalue.payouts.models import LedgerTransaction
from revalue.payouts.schemas import PayIn
from revalue.programs import schemas as program_schemas
from revalue.programs import service as programs
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import inspection, sanitization, schemas, service
from revalue.tradeins.models import CustodyEvent, Payment
from tests import factories
from tests.integration.test_lifecycle_property import BOX


def sanitized_trade_in(sessions) -> str:
    c = factories.ctx()
    with sessions.begin() as s:
        factories.seed(s)
        req = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        t, _ = service.start(s, req, c)
        service.accept(s, t.id, schemas.AcceptIn(payout_method="cash", pathway="kiosk"), c)
        service.receive(s, t.id, schemas.NoteIn(), c)
        inspection.inspect(s, t.id, schemas.InspectIn(condition=factories.condition()), c)
        sanitization.sanitize(
            s,
            t.id,
            schemas.SanitizeIn(level="purge", technique="cryptographic_erase", result="erased"),
            c,
        )
        return t.id


def test_two_racing_payments_pay_exactly_once(database_url, sessions):
    tid = sanitized_trade_in(sessions)
    barrier, outcomes = threading.Barrier(2), []

    def pay():
        engine = make_engine(database_url)  # a connection of its own, like another process
        try:
            barrier.wait()
            with make_sessionmaker(engine).begin() as s:
                payouts.pay(s, tid, PayIn(), factories.ctx(), box=BOX)
            outcomes.append("paid")
        except (RevalueError, SQLAlchemyError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("paid") == 1, outcomes
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        pays = select(func.count()).where(CustodyEvent.action == "pay")
        assert s.scalar(pays.select_from(CustodyEvent)) == 1
        assert service.get(s, tid).state == "sanitized"  # paying does not move the device
        # The ledger holds one purchase and one payout, not two.
        kinds = s.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.kind))
        assert list(kinds) == ["accrue", "pay"]


def test_a_price_change_made_elsewhere_is_seen_by_the_next_quote(database_url, sessions, seeded):
    req = QuoteRequest(
        program_id="acme",
        variant_sku=factories.PHONE,
        answers=factories.condition(cosmetic="flawless"),
    )
    now = factories.ctx(factories.NOW.replace(year=2023, month=9, day=22))
    with sessions.begin() as s:
        _, first = service.start(s, req, now)
    other = make_engine(database_url)  # another server process changes the price
    try:
        with make_sessionmaker(other).begin() as s:
            prices = [{"variant_sku": factories.PHONE, "amount": 12345}]
            programs.set_base_prices(s, "acme", program_schemas.BasePricesIn(prices=prices), now)
    finally:
        other.dispose()
    with sessions.begin() as s:
        _, second = service.start(s, req, now)
    assert first.offers[0]["amount"] == 47900  # 60% of 799.00, rounded down to whole dollars
    assert second.offers[0]["amount"] == 12300
    assert second.program_version == first.program_version + 1
