"""What a request needs: sessions, the clock, and the actor of every service call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from revalue.config import Settings
from revalue.domain.access import Principal
from revalue.domain.context import Context

# Who called, for the features' authenticator to find (``None``: nobody signed in) ...
Authenticator = Callable[[Request, Session], Principal | None]
# ... and where refused attempts go: (request, kind, status, subject, detail).
AuditHook = Callable[[Request, str, int, str, dict], None]

ANONYMOUS_ACTOR = "customer"  # public calls (a quote) come from a customer who is not known


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class AppState:
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]  # same pool; on SQLite they never wait for a writer
    settings: Settings
    clock: Callable[[], datetime]
    authenticate: Authenticator
    audit: AuditHook


def state(request: Request) -> AppState:
    return request.app.state.revalue


def context(request: Request) -> Context:
    """The actor is whoever the operation's guard let through."""
    st = state(request)
    who: Principal | None = getattr(request.state, "principal", None)
    actor = who.actor if who is not None else ANONYMOUS_ACTOR
    return Context(actor=actor, place=st.settings.place, now=st.clock())


def read_session(request: Request) -> Iterator[Session]:
    """A read-only session: whatever it did is rolled back at the end of the request."""
    with state(request).read_sessions() as session:
        yield session


def public_base(request: Request) -> str:
    """Where the public reaches this installation: the setting, else the request's own
    address (behind a proxy that rewrites the host, set ``REVALUE_PUBLIC_URL``)."""
    return (state(request).settings.public_url or str(request.base_url)).rstrip("/")
