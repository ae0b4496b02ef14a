"""What a request needs: sessions, the clock, and the actor of every service call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from revalue.config import Settings
from revalue.domain.context import SYSTEM_ACTOR, Context


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class AppState:
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]  # same pool; on SQLite they never wait for a writer
    settings: Settings
    clock: Callable[[], datetime]


def state(request: Request) -> AppState:
    return request.app.state.revalue


def context(request: Request) -> Context:
    """The actor is the system until access control lands (issue 3)."""
    st = state(request)
    return Context(actor=SYSTEM_ACTOR, place=st.settings.place, now=st.clock())


def read_session(request: Request) -> Iterator[Session]:
    """A read-only session: whatever it did is rolled back at the end of the request."""
    with state(request).read_sessions() as session:
        yield session
