"""Webhook delivery end to end: the outbox, the worker, and a real HTTP receiver on loopback
that verifies every signature."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revalue.cli.main import app
from revalue.config import get_settings
from revalue.db import make_engine, make_sessionmaker
from revalue.events import outbox, repository, schemas, service, signing
from revalue.events.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from revalue.events.worker import Backoff, Round, Worker
from tests import factories

STATE = outbox.TRADE_IN_STATE_CHANGED


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that checks signatures as a partner would, records what
    it got, and answers ``status``."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.secret = ""
        self.status = 200
        self.on_request: Callable[[], None] = lambda: None  # e.g. move the test's clock on
        self.received: list[dict] = []  # verified requests, in arrival order
        self.refused = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.on_request()
                try:
                    signing.verify(
                        receiver.secret, self.headers[signing.SIGNATURE], body, receiver.now()
                    )
                except signing.InvalidSignature:
                    with receiver.lock:
                        receiver.refused += 1
                    status = 401
                else:
                    with receiver.lock:
                        receiver.received.append(
                            {"body": json.loads(body), "headers": dict(self.headers)}
                        )
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass  # keep the test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def event_ids(self) -> list[str]:
        with self.lock:
            return [r["body"]["id"] for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver(clock) -> Iterator[Receiver]:
    r = Receiver(lambda: clock().timestamp())
    yield r
    r.close()


@pytest.fixture
def box(tmp_path):
    return signing.cipher(str(tmp_path / "secrets"))


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def subscribe(sessions, box, url: str, types=(STATE,), *, receiver: Receiver | None = None):
    with sessions.begin() as s:
        data = schemas.SubscriptionIn(url=url, event_types=list(types))
        sub, secret = service.subscribe(s, "acme", data, factories.ctx(), box)
    if receiver is not None:
        receiver.secret = secret
    return sub.id


def emit(sessions, clock, n: int = 1, type: str = STATE) -> list[str | None]:
    with sessions.begin() as s:
        return [
            outbox.emit(
                s,
                program_id="acme",
                type=type,
                payload={"state": "accepted", "n": i},
                ctx=factories.ctx(clock.now),
                trade_in_id=f"t_{i}",
            )
            for i in range(n)
        ]


def deliveries(sessions) -> list[WebhookDelivery]:
    with sessions() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def make_worker(sessions, box, http, clock, **kw) -> Worker:
    return Worker(sessions, box=box, http=http, clock=clock, **kw)


def test_emit_writes_nothing_when_nobody_listens(sessions, seeded, clock, box):
    assert emit(sessions, clock) == [None]
    subscribe(sessions, box, "https://partner.example/a", types=[outbox.PAYOUT_MADE])
    off = subscribe(sessions, box, "https://partner.example/b")
    with sessions.begin() as s:
        service.disable(s, "acme", off, factories.ctx())
    assert emit(sessions, clock) == [None]
    assert count(sessions, OutboxEvent) == 0 and count(sessions, WebhookDelivery) == 0


def test_emit_fans_out_within_the_callers_transaction(sessions, seeded, clock, box):
    a = subscribe(sessions, box, "https://partner.example/a", types=[STATE, outbox.PAYOUT_MADE])
    b = subscribe(sessions, box, "https://partner.example/b")
    subscribe(sessions, box, "https://partner.example/c", types=[outbox.PAYOUT_MADE])
    with sessions() as s:
        outbox.emit(s, program_id="acme", type=STATE, payload={}, ctx=factories.ctx())
        s.rollback()  # the change failed: its event must not exist
    assert count(sessions, OutboxEvent) == 0 and count(sessions, WebhookDelivery) == 0

    (event_id,) = emit(sessions, clock)
    rows = deliveries(sessions)
    assert {(d.subscription_id, d.event_id) for d in rows} == {(a, event_id), (b, event_id)}
    assert all((d.status, d.attempts, d.next_attempt_at) == ("pending", 0, clock.now) for d in rows)
    with pytest.raises(ValueError, match="unknown event type"), sessions.begin() as s:
        outbox.emit(s, program_id="acme", type="trade_in.exploded", payload={}, ctx=factories.ctx())


def test_a_delivery_arrives_signed_and_is_recorded(sessions, seeded, clock, box, http, receiver):
    sub = subscribe(sessions, box, receiver.url, receiver=receiver)
    (event_id,) = emit(sessions, clock)

    done = make_worker(sessions, box, http, clock).run_once()

    assert done == Round(claimed=1, delivered=1)
    assert receiver.refused == 0
    (got,) = receiver.received
    assert got["body"] == {
        "id": event_id,
        "type": STATE,
        "created_at": "2026-06-15T12:00:00.000000Z",
        "program_id": "acme",
        "trade_in_id": "t_0",
        "data": {"state": "accepted", "n": 0},
    }
    assert got["headers"][signing.EVENT_ID] == event_id
    assert got["headers"][signing.EVENT_TYPE] == STATE
    assert got["headers"][signing.ATTEMPT] == "1"
    (d,) = deliveries(sessions)
    assert (d.subscription_id, d.status, d.attempts) == (sub, "delivered", 1)
    assert (d.delivered_at, d.last_status_code, d.last_error, d.lease_until) == (
        clock.now,
        200,
        None,
        None,
    )
    assert make_worker(sessions, box, http, clock).run_once() == Round()  # nothing twice


def test_a_failing_receiver_gets_jittered_exponential_backoff_then_dead_letter(
    sessions, seeded, clock, box, http, receiver
):
    receiver.status = 500
    subscribe(sessions, box, receiver.url, receiver=receiver)
    emit(sessions, clock)
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(seconds=60), max_attempts=6)
    worker = make_worker(sessions, box, http, clock, backoff=backoff, rand=random.Random(7).random)
    twin = random.Random(7)  # the same draws, to know the exact waits

    gaps = []
    for attempt in range(1, 6):
        assert worker.run_once() == Round(claimed=1, retried=1)
        (d,) = deliveries(sessions)
        assert (d.status, d.attempts, d.last_status_code) == ("pending", attempt, 500)
        assert d.last_error == "HTTP 500: not a 2xx answer"
        gap = d.next_attempt_at - clock.now
        ceiling = min(timedelta(seconds=10 * 2 ** (attempt - 1)), timedelta(seconds=60))
        assert timedelta(0) <= gap <= ceiling  # full jitter: anywhere up to the ceiling
        assert gap == ceiling * twin.random()
        gaps.append(gap)
        # Not due yet: a worker running a moment early takes nothing.
        clock.now = d.next_attempt_at - timedelta(microseconds=1)
        assert worker.run_once() == Round()
        clock.now = d.next_attempt_at

    assert worker.run_once() == Round(claimed=1, dead=1)
    (d,) = deliveries(sessions)
    assert (d.status, d.attempts, d.last_status_code) == ("dead", 6, 500)
    clock.advance(days=30)
    assert worker.run_once() == Round()  # a dead letter waits for a replay
    assert [r["headers"][signing.ATTEMPT] for r in receiver.received] == list("123456")
    assert len(set(receiver.event_ids())) == 1 and receiver.refused == 0
    assert len(set(gaps)) == len(gaps)  # jittered: no two waits alike


def test_without_jitter_the_waits_double_up_to_the_cap(sessions, seeded, clock, box, http):
    subscribe(sessions, box, closed_port_url())
    emit(sessions, clock)
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(seconds=60), max_attempts=6)
    worker = make_worker(sessions, box, http, clock, backoff=backoff, rand=lambda: 1.0)
    waits = []
    for _ in range(5):
        assert worker.run_once().retried == 1
        (d,) = deliveries(sessions)
        waits.append((d.next_attempt_at - clock.now).total_seconds())
        clock.now = d.next_attempt_at
    assert waits == [10, 20, 40, 60, 60]
    assert d.last_status_code is None and d.last_error.startswith("ConnectError")


def test_replay_sends_a_dead_delivery_again(sessions, seeded, clock, box, http, receiver):
    receiver.status = 503
    subscribe(sessions, box, receiver.url, receiver=receiver)
    (event_id,) = emit(sessions, clock)
    worker = make_worker(sessions, box, http, clock, backoff=Backoff(max_attempts=1))
    assert worker.run_once() == Round(claimed=1, dead=1)
    (d,) = deliveries(sessions)

    receiver.status = 204  # the partner fixed its endpoint
    clock.advance(hours=1)
    with sessions.begin() as s:
        replayed, event_type = service.replay(s, "acme", d.id, factories.ctx(clock.now))
        assert (replayed.status, replayed.attempts, event_type) == ("pending", 0, STATE)
    assert worker.run_once() == Round(claimed=1, delivered=1)
    (d,) = deliveries(sessions)
    assert (d.status, d.attempts, d.last_status_code) == ("delivered", 1, 204)

    # A delivered one can be replayed too (the partner lost it): same event id again.
    with sessions.begin() as s:
        service.replay(s, "acme", d.id, factories.ctx(clock.now))
    assert worker.run_once().delivered == 1
    assert receiver.event_ids() == [event_id] * 3


def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(
    sessions, seeded, clock, box, http, receiver
):
    subscribe(sessions, box, receiver.url, receiver=receiver)
    emit(sessions, clock)
    worker = make_worker(sessions, box, http, clock)
    with sessions.begin() as s:  # a worker claims, then dies before posting
        (job,) = repository.claim(s, now=clock.now, lease_until=clock.now + worker.lease, limit=10)
    assert worker.run_once() == Round()  # the lease holds
    clock.now = job.lease_until
    assert worker.run_once() == Round(claimed=1, delivered=1)
    (d,) = deliveries(sessions)
    assert d.attempts == 2  # the dead worker's attempt counts
    assert receiver.received[0]["headers"][signing.ATTEMPT] == "2"


def test_a_worker_short_of_lease_hands_the_rest_back_untried(
    sessions, seeded, clock, box, http, receiver
):
    subscribe(sessions, box, receiver.url, receiver=receiver)
    emit(sessions, clock, n=3)
    worker = make_worker(sessions, box, http, clock)
    receiver.on_request = lambda: clock.advance(seconds=worker.lease.total_seconds())  # slow
    assert worker.run_once() == Round(claimed=3, delivered=1, lost=2)
    assert [(d.status, d.attempts) for d in deliveries(sessions)] == [
        ("delivered", 1),
        ("pending", 0),
        ("pending", 0),
    ]
    receiver.on_request = lambda: None
    assert worker.run_once() == Round(claimed=2, delivered=2)
    assert len(set(receiver.event_ids())) == 3 == len(receiver.event_ids())


def test_a_disabled_subscription_gets_nothing(sessions, seeded, clock, box, http, receiver):
    sub = subscribe(sessions, box, receiver.url, receiver=receiver)
    emit(sessions, clock)
    with sessions.begin() as s:
        service.disable(s, "acme", sub, factories.ctx())
    (d,) = deliveries(sessions)
    assert (d.status, d.last_error) == ("dead", "the subscription was disabled")
    with sessions.begin() as s, pytest.raises(service.SubscriptionDisabled):
        service.replay(s, "acme", d.id, factories.ctx())

    # Emitted in a transaction that raced the disabling: the worker gives it up unsent.
    with sessions.begin() as s:
        s.get(WebhookDelivery, d.id).status = "pending"
    assert make_worker(sessions, box, http, clock).run_once() == Round(claimed=1, dead=1)
    assert receiver.received == [] and receiver.refused == 0


def test_a_rotated_secret_signs_from_then_on(sessions, seeded, clock, box, http, receiver):
    sub = subscribe(sessions, box, receiver.url, receiver=receiver)
    with sessions.begin() as s:
        _, receiver.secret = service.rotate_secret(s, "acme", sub, box)
    emit(sessions, clock)
    assert make_worker(sessions, box, http, clock).run_once().delivered == 1
    assert receiver.refused == 0


def test_a_secret_the_key_cannot_open_fails_without_posting(
    sessions, seeded, clock, box, http, receiver, tmp_path
):
    subscribe(sessions, box, receiver.url, receiver=receiver)
    emit(sessions, clock)
    other_box = signing.cipher(str(tmp_path / "another-installation"))
    assert make_worker(sessions, other_box, http, clock).run_once().retried == 1
    (d,) = deliveries(sessions)
    assert "REVALUE_SECRETS_DIR" in d.last_error and receiver.received == []


def test_two_workers_deliver_each_event_exactly_once(
    database_url, sessions, seeded, clock, box, receiver
):
    """The SKIP LOCKED case on PostgreSQL; on SQLite the write lock serializes the claims."""
    subscribe(sessions, box, receiver.url, receiver=receiver)
    emitted = emit(sessions, clock, n=200)
    barrier, rounds = threading.Barrier(2), []

    def work() -> None:
        engine = make_engine(database_url)  # a pool of its own, like another process
        try:
            with httpx.Client() as client:
                worker = make_worker(make_sessionmaker(engine), box, client, clock, batch=5)
                barrier.wait()
                done = Round()
                while (step := worker.run_once()).claimed:
                    done += step
                rounds.append(done)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(rounds) == 2, "a worker failed"
    seen = Counter(receiver.event_ids())
    assert [e for e, n in seen.items() if n > 1] == [], "delivered more than once"
    assert set(seen) == set(emitted) and len(emitted) == 200 and receiver.refused == 0
    assert all(r.claimed > 0 for r in rounds), rounds  # both took part
    assert sum(r.delivered for r in rounds) == 200 and sum(r.lost for r in rounds) == 0
    assert {(d.status, d.attempts) for d in deliveries(sessions)} == {("delivered", 1)}


def test_the_worker_command_delivers_and_prints_no_secret(
    database_url, engine, seeded, sessions, box, tmp_path, monkeypatch
):
    receiver = Receiver(time.time)
    try:
        monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
        monkeypatch.setenv("REVALUE_SECRETS_DIR", str(tmp_path / "secrets"))
        get_settings.cache_clear()
        subscribe(sessions, box, receiver.url, receiver=receiver)
        now = datetime.now(UTC)
        with sessions.begin() as s:
            outbox.emit(s, program_id="acme", type=STATE, payload={}, ctx=factories.ctx(now))
        result = CliRunner().invoke(app, ["worker", "--once"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
        receiver.close()
    assert result.exit_code == 0, result.output
    assert "1 delivered, 0 to retry, 0 dead" in result.output
    assert receiver.secret not in result.output and receiver.url not in result.output
    assert len(receiver.received) == 1 and receiver.refused == 0
    with sessions() as s:
        stored = s.scalar(select(WebhookSubscription.secret_encrypted))
    assert receiver.secret not in stored


def closed_port_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"
