"""``revalue worker``: deliver webhooks from the outbox."""

from __future__ import annotations

import random
import signal
import threading
from datetime import UTC, datetime, timedelta

import httpx
import typer

from revalue import __version__
from revalue.cli import common
from revalue.cli.common import console
from revalue.config import get_settings
from revalue.db import make_sessionmaker
from revalue.events import signing
from revalue.events.worker import Backoff, Round, Worker


def worker(
    once: bool = typer.Option(False, "--once", help="Deliver what is due now, then exit"),
    batch: int = typer.Option(10, min=1, max=500, help="Deliveries claimed per round"),
    poll_interval: float = typer.Option(2.0, min=0.1, help="Seconds between polls when idle"),
    max_attempts: int = typer.Option(8, min=1, help="Attempts before a delivery is dead"),
    backoff_base: float = typer.Option(60.0, min=1, help="Seconds: longest first retry wait"),
    backoff_cap: float = typer.Option(21600.0, min=1, help="Seconds: longest retry wait"),
    timeout: float = typer.Option(10.0, min=1, help="Seconds to wait for a receiver"),
) -> None:
    """Deliver webhooks: post due events, signed, retrying with backoff (docs/webhooks.md).

    Several workers may run on PostgreSQL; on SQLite run one. Stop with Ctrl-C or SIGTERM.
    """
    common.require_schema()
    if backoff_cap < backoff_base:
        raise typer.BadParameter("must be at least --backoff-base", param_hint="--backoff-cap")
    engine = common.engine()
    http = httpx.Client(headers={"User-Agent": f"Revalue-Webhooks/{__version__}"})
    try:
        runner = Worker(
            make_sessionmaker(engine),
            box=signing.cipher(get_settings().secrets_dir),
            http=http,
            clock=lambda: datetime.now(UTC),
            rand=random.SystemRandom().random,
            backoff=Backoff(
                base=timedelta(seconds=backoff_base),
                cap=timedelta(seconds=backoff_cap),
                max_attempts=max_attempts,
            ),
            batch=batch,
            timeout=timeout,
        )
        total = runner.run_once() if once else _loop(runner, poll_interval)
    finally:
        http.close()
        engine.dispose()
    console.print(f"Webhooks: {_summary(total)}.")


def _loop(runner: Worker, poll_interval: float) -> Round:
    stop = threading.Event()
    # A service manager stops the worker with SIGTERM: finish the delivery in hand, then exit.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    totals = [Round()]
    with console.status("Delivering webhooks (Ctrl-C to stop)") as status:

        def report(done: Round) -> None:
            totals[0] += done
            if done.claimed:
                console.print(f"{datetime.now(UTC):%H:%M:%S} {_summary(done)}")
            status.update(f"Waiting for webhooks to fall due (polling every {poll_interval:g} s)")

        try:
            runner.run(stop, poll_interval=poll_interval, report=report)
        except KeyboardInterrupt:
            console.print("Stopped: a delivery in hand is taken again when its lease ends.")
    return totals[0]


def _summary(done: Round) -> str:
    # Counts only: URLs and errors are in the deliveries list, and secrets never leave here.
    return f"{done.delivered} delivered, {done.retried} to retry, {done.dead} dead" + (
        f", {done.lost} handed back or taken over" if done.lost else ""
    )
