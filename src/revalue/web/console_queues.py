"""The console's queues: what waits for someone, with counts and the first few trade-ins.

Each queue is read by the query its own feature answers with (the screening queue, the
trade-in search, the erasures awaiting verification, the payouts awaiting approval, the
devices waiting for a disposition plan, the SLA breaches), limited to the programs where the
staff member holds a role that queue serves: the same roles its API operation admits, so the
page shows nobody more than the API would. A queue none of their roles serves is left out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from revalue.catalog import repository as catalog
from revalue.domain.access import Policy, Role
from revalue.domain.lifecycle import State
from revalue.http.auth import Grant, allow
from revalue.http.deps import read_session, state
from revalue.logistics import sla
from revalue.payouts import api as payouts_api
from revalue.programs import service as programs
from revalue.recovery import repository as recovery
from revalue.tradeins import repository as tradeins
from revalue.tradeins import sanitization, screening_api
from revalue.web import console, render

router = console.pages_router()
A, PM, SA, R = Role.ADMIN, Role.PROGRAM_MANAGER, Role.STORE_ASSOCIATE, Role.RECEIVER
INS, T, F, AU = Role.INSPECTOR, Role.TECHNICIAN, Role.FINANCE, Role.AUDITOR
STAFF = (A, PM, R, INS, T, F, AU)  # the console's "Queues" section
SHOWN = 8  # items listed per queue; the count says how many there are
ALL_FLAGS = 1000  # the screening queue's largest page
BREACHES = {
    "not_shipped": "Not shipped in time",
    "in_transit_too_long": "In transit too long",
    "batch_not_arrived": "Store batch not arrived",
    "not_paid": "Received, not paid",
}


@dataclass(frozen=True, slots=True)
class Item:
    trade_in_id: str
    what: str  # why it waits, in words
    device: str = ""


@dataclass(frozen=True, slots=True)
class Queue:
    key: str
    heading: str
    hint: str
    count: int
    items: list[Item]


@dataclass(frozen=True, slots=True)
class Reader:
    """Reads one queue for the programs given (None: every program) as (count, items)."""

    key: str
    heading: str
    hint: str
    roles: frozenset[Role]
    read: Callable[[Session, Grant, frozenset[str] | None, datetime], tuple[int, list[Item]]]


def _flags(s: Session, grant: Grant, within, now):  # type: ignore[no-untyped-def]
    # The screening API's own queue: most severe first, then oldest.
    # The grant holds it to the programs ``within`` names.
    flags = screening_api.screening_queue(
        status="open", severity=None, program_id=None, limit=ALL_FLAGS, grant=grant, session=s
    )
    items = [Item(f.trade_in_id, f"{_words(f.severity)}: {f.reason}") for f in flags]
    return len(items), items


def _in_states(*states: State, what: Callable[[datetime, datetime], str]):  # type: ignore[no-untyped-def]
    def read(s: Session, grant: Grant, within, now):  # type: ignore[no-untyped-def]
        total, items = 0, []
        for st in states:
            n, rows = tradeins.search(
                s, program_id=None, state=str(st), limit=SHOWN, offset=0, within=within,
                oldest_first=True,
            )  # fmt: skip
            total += n
            items += [Item(t.id, what(t.expires_at, now)) for t in rows]
        return total, items

    return read


def _days_left(expires_at: datetime, now: datetime) -> str:
    days = math.ceil((expires_at - now).total_seconds() / 86_400)
    if days <= 0:
        return "Answer due now: lapses at the next sweep"
    return f"{_days(days)} left to answer"


def _unverified(s: Session, grant: Grant, within, now):  # type: ignore[no-untyped-def]
    rows = sanitization.awaiting_verification(s, within)
    return len(rows), [Item(r.trade_in_id, f"Erased {render.when(r.completed_at)}") for r in rows]


def _payouts(s: Session, grant: Grant, within, now):  # type: ignore[no-untyped-def]
    # The payouts API's own queue of payouts above the limit, oldest first.
    rows = payouts_api.awaiting_approval(grant=grant, session=s)
    items = [
        Item(p.trade_in_id, f"{_words(p.method)}, {render.money(p.amount, p.currency)}")
        for p in rows
    ]
    return len(items), items


def _per_program(s: Session, within: frozenset[str] | None) -> list[str]:
    every = [p.id for p in programs.list_all(s)]
    return every if within is None else [p for p in every if p in within]


def _waiting(s: Session, grant: Grant, within, now):  # type: ignore[no-untyped-def]
    rows = [t for pid in _per_program(s, within) for t, _model, _cat in recovery.waiting(s, pid)]
    return len(rows), [Item(t.id, "Erased, waiting for a disposition plan") for t in rows]


def _overdue(s: Session, grant: Grant, within, now):  # type: ignore[no-untyped-def]
    rows = [b for pid in _per_program(s, within) for b in sla.overdue(s, pid, now)]
    rows.sort(key=lambda b: -b.days_late)
    items = [
        Item(b.trade_in_id, f"{BREACHES.get(b.kind, _words(b.kind))}: {_days(b.days_late)} late")
        for b in rows
    ]
    return len(items), items


QUEUES = (
    Reader(
        "screening",
        "Screening flags",
        "Open flags: blocklist, locks, repeats, mismatches.",
        frozenset({A, PM, R, INS, AU}),
        _flags,
    ),
    Reader(
        "requotes",
        "Re-quotes awaiting the customer",
        "Offered after inspection; the customer has not answered yet.",
        frozenset({A, PM, R, INS, AU}),
        _in_states(State.REQUOTE_OFFERED, what=_days_left),
    ),
    Reader(
        "erasure",
        "Waiting for erasure",
        "Inspected, with a final offer: erase next.",
        frozenset({A, PM, T, AU}),
        _in_states(
            State.INSPECTED, State.REQUOTE_ACCEPTED, what=lambda _e, _n: "Inspected, not erased yet"
        ),
    ),
    Reader(
        "erasure_failed",
        "Erasure failed",
        "Erase again, or destroy the storage.",
        frozenset({A, PM, T, AU}),
        _in_states(State.SANITIZATION_FAILED, what=lambda _e, _n: "Not fully erased"),
    ),
    Reader(
        "verification",
        "Erasures awaiting verification",
        "Sampled: someone other than the operator checks them.",
        frozenset({A, PM, T, AU}),
        _unverified,
    ),
    Reader(
        "payouts",
        "Payouts awaiting approval",
        "Above the program's limit: a second person approves.",
        frozenset({A, F, PM, AU}),
        _payouts,
    ),
    Reader(
        "disposition",
        "Waiting for a disposition plan",
        "Erased devices not yet routed.",
        frozenset({A, PM, AU}),
        _waiting,
    ),
    Reader(
        "overdue",
        "Overdue",
        "Past the program's shipping, transit, batch or payout days.",
        frozenset({A, PM, AU}),
        _overdue,
    ),
)


def queues(session: Session, grant: Grant, program_id: str | None, now: datetime) -> list[Queue]:
    """The queues the caller's roles serve, within ``program_id`` if given."""
    who = grant.who
    assert who is not None
    if program_id is not None:
        # The same staff member, seen as holding their roles in that one program only: every
        # query below, the features' own included, then reads that program alone.
        who = dataclasses.replace(who, roles={program_id: who.roles_in(program_id)})
    out = []
    for reader in QUEUES:
        policy = Policy(reader.roles)
        if not policy.admits_somewhere(who, reader.key):
            continue
        within = policy.programs(who)
        scoped = Grant(who, policy, reader.key)
        count, items = reader.read(session, scoped, within, now)
        out.append(
            Queue(reader.key, reader.heading, reader.hint, count, _named(session, items[:SHOWN]))
        )
    return out


def _named(session: Session, items: list[Item]) -> list[Item]:
    """The items with their devices' names (two queries for the whole page)."""
    found = tradeins.by_ids(session, [i.trade_in_id for i in items])
    models = catalog.models_by_id(session, {t.model_id for t in found.values()})
    out = []
    for i in items:
        t = found.get(i.trade_in_id)
        m = models.get(t.model_id) if t else None
        out.append(Item(i.trade_in_id, i.what, _device(m.brand, m.name) if m else ""))
    return out


def _device(brand: str, name: str) -> str:
    """ "Apple iPhone 16"; a name that says its brand already keeps it once."""
    return name if name.lower().startswith(brand.lower()) else f"{brand} {name}"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


@router.get("/console/queues", response_class=HTMLResponse)
def console_queues(
    request: Request,
    program: str | None = Query(None, description="Only this program's queues"),
    grant: Grant = Depends(allow(*STAFF)),
    session: Session = Depends(read_session),
):
    """What waits for someone, with counts and the first trade-ins of each queue: screening
    flags, re-quotes awaiting the customer, erasure (waiting, failed, to verify), payouts
    awaiting approval, devices waiting for a disposition plan, overdue items."""
    if program is not None:
        grant.require_program(program, lambda: _missing(program))
    staff = console.staff_of(request, grant, session)
    now = state(request).clock()
    return console.show(
        request,
        "console/queues.html",
        staff,
        section="Queues",
        queues=queues(session, grant, program, now),
        picked=program,
        choices=_choices(staff, STAFF),
    )


def _missing(program_id: str) -> programs.ProgramNotFound:
    return programs.ProgramNotFound(f"no program {program_id!r}", field="program")


def _choices(staff: console.Staff, roles: Iterable[Role]) -> list:  # type: ignore[type-arg]
    return [p for p in staff.programs if staff.holds(roles, p.id)]
