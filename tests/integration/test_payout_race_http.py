"""Duplicate payout requests racing over HTTP, from two server processes on one database.

Fifty ``POST /trade-ins/{id}/pay`` requests without an ``Idempotency-Key`` (duplicates, not
retries) start together, alternately at two uvicorn processes serving the same database:
exactly one pays, every other one is refused with 409, and the database holds one payment,
one purchase and one payout on the ledger, and one custody event of the payment.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

import revalue
from revalue.domain.access import Role
from revalue.payouts import ledger
from revalue.payouts.models import LedgerTransaction
from revalue.quotes.schemas import QuoteRequest
from revalue.tradeins import custody, inspection, schemas, service
from revalue.tradeins.models import CustodyEvent, Payment
from tests import auth, factories

REQUESTS = 50
SERVERS = 2
REFUSALS = {"already_paid"}  # every loser of the race is told the trade-in is paid


def inspected_trade_in(sessions, clock: factories.Clock) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A trade-in inspected as quoted (its offer final, cash handed over at a kiosk), and an
    admin's bearer token."""
    c = factories.ctx(clock())
    with sessions.begin() as s:
        req = QuoteRequest(
            program_id="acme", variant_sku=factories.PHONE, answers=factories.condition()
        )
        t, _ = service.start(s, req, c)
        service.accept(s, t.id, schemas.AcceptIn(payout_method="cash", pathway="kiosk"), c)
        service.receive(s, t.id, schemas.NoteIn(), c)
        inspection.inspect(s, t.id, schemas.InspectIn(condition=factories.condition()), c)
        token = auth.staff(s, "admin@race.example", {None: [Role.ADMIN]})
        return t.id, token


# -- server processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVALUE_")}
    # The servers import the revalue this test imports, whatever the installation.
    src = str(Path(revalue.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env.update(
        REVALUE_DATABASE_URL=database_url,
        REVALUE_SECRETS_DIR=str(workdir / "secrets"),
        REVALUE_EVIDENCE_DIR=str(workdir / "evidence"),
        REVALUE_PLACE="race-lab",
    )
    return env


def start_server(env: dict[str, str], workdir: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory", "revalue.web.app:asgi",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        # cwd: the work directory, so no .env file of the checkout is read.
        return subprocess.Popen(
            cmd, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def wait_until_live(servers: list[tuple[subprocess.Popen, str, Path]], timeout: float = 60) -> None:
    waiting = list(servers)
    until = time.monotonic() + timeout
    with httpx.Client(timeout=2) as client:
        while waiting:
            if time.monotonic() > until:
                raise AssertionError(
                    f"/livez did not answer within {timeout:.0f} s:\n{logs(waiting)}"
                )
            for entry in list(waiting):
                server, base, _ = entry
                if server.poll() is not None:
                    raise AssertionError(
                        f"the server at {base} exited with status {server.returncode}:\n"
                        + logs([entry])
                    )
                try:
                    if client.get(base + "/livez").text == "ok":
                        waiting.remove(entry)
                except httpx.TransportError:
                    pass
            time.sleep(0.05)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
    except ProcessLookupError:
        server.wait(timeout=15)


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def logs(servers: list[tuple[subprocess.Popen, str, Path]]) -> str:
    return "\n".join(
        f"--- server {base} (log {log}), last lines:\n{tail(log) or '(empty)'}"
        for _, base, log in servers
    )


# -- the race --------------------------------------------------------------------------------


def race(bases: list[str], trade_in_id: str, token: str) -> list[tuple[int, int | None, str]]:
    """Every request at once, alternately at each server: (server, status, error code)."""
    barrier = threading.Barrier(REQUESTS)
    headers = auth.bearer(token)

    def pay(i: int) -> tuple[int, int | None, str]:
        server = i % len(bases)
        with httpx.Client(base_url=bases[server], headers=headers, timeout=30) as client:
            barrier.wait(timeout=30)
            try:
                resp = client.post(f"/trade-ins/{trade_in_id}/pay")
            except httpx.HTTPError as exc:
                return server, None, f"{type(exc).__name__}: {exc}"
        try:
            doc = resp.json()
        except ValueError:
            return server, resp.status_code, f"not JSON: {resp.text[:200]!r}"
        if resp.status_code == 200:
            return server, 200, "paid" if doc.get("id") == trade_in_id else f"other: {doc}"
        return server, resp.status_code, str(doc.get("code"))

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return list(pool.map(pay, range(REQUESTS)))


def test_duplicate_payouts_from_two_servers_pay_exactly_once(
    database_url, sessions, seeded, clock, tmp_path
):
    tid, token = inspected_trade_in(sessions, clock)
    env = server_env(database_url, tmp_path)
    servers: list[tuple[subprocess.Popen, str, Path]] = []
    passed = False
    try:
        for n in range(SERVERS):
            port, log = free_port(), tmp_path / f"server-{n}.log"
            servers.append(
                (start_server(env, tmp_path, port, log), f"http://127.0.0.1:{port}", log)
            )
        wait_until_live(servers)
        started = time.monotonic()
        outcomes = race([base for _, base, _ in servers], tid, token)
        took = time.monotonic() - started

        counts = Counter((status, code) for _, status, code in outcomes)
        per_server = Counter((server, status) for server, status, _ in outcomes)
        summary = (
            f"{REQUESTS} requests in {took:.2f} s; (status, code): {dict(counts)}; "
            f"(server, status): {dict(per_server)}"
        )
        print(summary)
        paid = [o for o in outcomes if o[1] == 200]
        refused = [o for o in outcomes if o[1] == 409 and o[2] in REFUSALS]
        assert len(paid) == 1 and paid[0][2] == "paid", summary
        assert len(refused) == REQUESTS - 1, summary
        for server, base, _ in servers:
            assert server.poll() is None, f"the server at {base} died: {summary}"

        with sessions() as s:
            payments = s.scalars(select(Payment).where(Payment.trade_in_id == tid)).all()
            assert [(p.status, p.method) for p in payments] == [("paid", "cash")], summary
            assert payments[0].amount > 0
            kinds = s.scalars(
                select(LedgerTransaction.kind)
                .where(LedgerTransaction.trade_in_id == tid)
                .order_by(LedgerTransaction.kind)
            ).all()
            assert kinds == ["accrue", "pay"], summary  # one purchase and one payout, not two
            pays = s.scalar(
                select(func.count())
                .select_from(CustodyEvent)
                .where(CustodyEvent.trade_in_id == tid, CustodyEvent.action == "pay")
            )
            assert pays == 1, summary
            trade_in = service.get(s, tid)
            assert trade_in.state == "inspected"  # paying does not move the device
            assert custody.verify_one(s, trade_in) is None
            report = ledger.check(s)
            assert report.ok, report.problems
            assert report.transactions == 2, report
        passed = True
    finally:
        for server, _, _ in servers:
            stop_server(server)
        if not passed:
            print(logs(servers))  # pytest shows it with the failure
