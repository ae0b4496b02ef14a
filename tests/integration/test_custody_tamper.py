"""The custody log resists change twice: the database refuses UPDATE and DELETE, and when an
administrator gets around that, the hash chain names the altered event."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import custody, repository, schemas, service
from tests import factories
from tests.conftest import BACKEND


def make_trade_in(sessions):
    with sessions.begin() as s:
        factories.seed(s)
        req = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        trade_in, _ = service.start(s, req, factories.ctx())
        service.accept(
            s,
            trade_in.id,
            schemas.AcceptIn(payout_method="cash", pathway="in_store"),
            factories.ctx(),
        )
        service.receive(s, trade_in.id, schemas.NoteIn(), factories.ctx())
        return trade_in.id


def test_the_database_refuses_to_update_or_delete_custody_events(sessions):
    tid = make_trade_in(sessions)
    for sql in ("UPDATE custody_events SET actor = 'mallory'", "DELETE FROM custody_events"):
        with pytest.raises(DatabaseError, match="append-only"), sessions.begin() as s:
            s.execute(text(sql))
    with sessions() as s:
        assert [e.actor for e in repository.events(s, tid)] == ["tester"] * 3


def drop_guard(s):
    if BACKEND == "postgres":
        s.execute(text("ALTER TABLE custody_events DISABLE TRIGGER custody_events_append_only"))
    else:
        s.execute(text("DROP TRIGGER custody_events_no_update"))
        s.execute(text("DROP TRIGGER custody_events_no_delete"))


def test_an_event_altered_with_sql_is_named_by_verification(sessions):
    tid = make_trade_in(sessions)
    with sessions() as s:
        assert custody.verify_all(s).breaks == []
        target = repository.events(s, tid)[1]
    with sessions.begin() as s:
        drop_guard(s)
        s.execute(
            text("UPDATE custody_events SET data = :d WHERE id = :id"),
            {"d": '{"amount": 1}', "id": target.id},
        )
    with sessions() as s:
        report = custody.verify_all(s)
    assert report.chains == 1 and report.events == 3
    [brk] = report.breaks
    assert (brk.trade_in_id, brk.event_id, brk.seq) == (tid, target.id, 2)
    assert "altered" in brk.reason


def test_a_deleted_last_event_is_caught(sessions):
    tid = make_trade_in(sessions)
    with sessions.begin() as s:
        drop_guard(s)
        s.execute(text("DELETE FROM custody_events WHERE seq = 3"))
    with sessions() as s:
        [brk] = custody.verify_all(s).breaks
    assert brk.trade_in_id == tid and brk.event_id is None and "records 3 events" in brk.reason
