"""The webhook worker: claim due deliveries, post them signed, record what happened.

A round claims a batch in one short transaction (status ``delivering`` under a lease), posts
each delivery with no transaction open, and records each outcome in a transaction of its own:
``delivered`` on a 2xx; otherwise ``pending`` again after an exponential backoff with full
jitter, or ``dead`` after the last attempt. Several workers never take the same delivery: on
PostgreSQL the claim skips rows another worker has locked; on SQLite claims are serialized
by the database's write lock. A worker that dies mid-round leaves its claims to expire, and
they are taken again: delivery is at least once, and receivers deduplicate by event id.

The clock and the randomness are the caller's, so tests decide what time it is and how the
jitter falls.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import httpx
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session, sessionmaker

from revalue.events import repository, signing

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """After the n-th failed attempt, wait a uniformly random time up to
    ``min(cap, base * 2**(n-1))`` ("full jitter": retries of many deliveries that failed
    together spread out instead of hitting the recovering receiver at once)."""

    base: timedelta = timedelta(seconds=60)
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 8

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("backoff: base must be positive and cap at least base")
        if self.max_attempts < 1:
            raise ValueError("backoff: at least one attempt")

    def ceiling(self, attempt: int) -> timedelta:
        # In float seconds: base * 2**n overflows timedelta long before the cap matters.
        seconds = self.base.total_seconds() * 2.0 ** min(attempt - 1, 64)
        return min(self.cap, timedelta(seconds=seconds))

    def delay(self, attempt: int, rand: Callable[[], float]) -> timedelta:
        return self.ceiling(attempt) * rand()


@dataclass(frozen=True, slots=True)
class Round:
    """What a round (or a run) did. ``lost``: claims that expired before the outcome was
    recorded, or were handed back untried."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0

    def __add__(self, other: Round) -> Round:
        return Round(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    final: bool = False  # no point retrying


class Worker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        box: Fernet,
        http: httpx.Client,
        clock: Clock,
        rand: Callable[[], float] = random.random,
        backoff: Backoff | None = None,
        batch: int = 10,
        timeout: float = 10.0,
    ) -> None:
        if batch < 1 or timeout <= 0:
            raise ValueError("worker: batch must be at least 1 and timeout positive")
        self.sessions = sessions
        self.box = box
        self.http = http
        self.clock = clock
        self.rand = rand
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.timeout = timeout
        # A post is not started with less lease left than two timeouts (connect, then read),
        # so a live worker never outlasts its claim; the lease covers a whole slow batch.
        self.margin = timedelta(seconds=2 * timeout)
        self.lease = self.margin * batch + timedelta(seconds=60)

    def run_once(self) -> Round:
        """Claim what is due now and deliver it."""
        now = self.clock()
        with self.sessions.begin() as session:
            jobs = repository.claim(
                session, now=now, lease_until=now + self.lease, limit=self.batch
            )
        counts = dict.fromkeys(("delivered", "retried", "dead", "lost"), 0)
        for i, job in enumerate(jobs):
            if self.clock() + self.margin > job.lease_until:
                with self.sessions.begin() as session:
                    repository.release(session, jobs[i:])
                counts["lost"] += len(jobs) - i
                break
            counts[self._record(job, self._attempt(job))] += 1
        return Round(claimed=len(jobs), **counts)

    def run(
        self,
        stop: threading.Event,
        *,
        poll_interval: float,
        report: Callable[[Round], None] | None = None,
    ) -> Round:
        """Deliver until ``stop`` is set, polling when nothing is due; the totals."""
        total = Round()
        while not stop.is_set():
            done = self.run_once()
            total += done
            if report is not None:
                report(done)
            if done.claimed < self.batch:  # caught up: wait for more to fall due
                stop.wait(poll_interval)
        return total

    def _attempt(self, job: repository.Job) -> _Outcome:
        if job.subscription_disabled:
            return _Outcome(False, error="the subscription was disabled", final=True)
        try:
            secret = signing.unseal(self.box, job.secret_encrypted)
        except InvalidToken:
            return _Outcome(
                False,
                error="the signing secret cannot be decrypted: REVALUE_SECRETS_DIR does not "
                "hold the key it was encrypted with",
            )
        body = json.dumps(job.event, separators=(",", ":"), sort_keys=True).encode()
        headers = signing.headers(
            secret=secret,
            timestamp=int(self.clock().timestamp()),
            body=body,
            event_id=job.event["id"],
            event_type=job.event["type"],
            attempt=job.attempt,
        )
        try:
            # Streamed and closed unread: only the status matters, and a receiver's body
            # (however large) is never loaded.
            with self.http.stream(
                "POST", job.url, content=body, headers=headers, timeout=self.timeout
            ) as response:
                code = response.status_code
        except httpx.HTTPError as exc:
            return _Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= code < 300:
            return _Outcome(True, status_code=code)
        return _Outcome(False, status_code=code, error=f"HTTP {code}: not a 2xx answer")

    def _record(self, job: repository.Job, outcome: _Outcome) -> str:
        now = self.clock()
        result = {"last_status_code": outcome.status_code, "last_error": outcome.error}
        if outcome.ok:
            kind, values = "delivered", {"status": repository.DELIVERED, "delivered_at": now}
        elif outcome.final or job.attempt >= self.backoff.max_attempts:
            kind, values = "dead", {"status": repository.DEAD}
        else:
            wait = self.backoff.delay(job.attempt, self.rand)
            kind, values = "retried", {"status": repository.PENDING, "next_attempt_at": now + wait}
        with self.sessions.begin() as session:
            recorded = repository.finish(session, job, **result, **values)
        return kind if recorded else "lost"
