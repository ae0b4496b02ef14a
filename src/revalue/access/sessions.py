"""Staff sign-in: passwords checked with Argon2, sessions as random bearer secrets, and the
login rate limit (counted from the recorded failures, so it holds across server processes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from revalue.access import audit, passwords, repository
from revalue.access.models import StaffSession, StaffUser
from revalue.domain.access import Kind, Principal, Role
from revalue.domain.context import Context
from revalue.domain.errors import RateLimited
from revalue.tokens import digest, matches, new_secret

PREFIX = "rvs_"
WINDOW_MINUTES = 15
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
# Verified when the account does not exist, so a wrong email takes as long as a wrong password
# and the answer's timing does not tell which accounts exist.
_DECOY_HASH = passwords.hash_password("decoy-password-never-matches")


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: StaffUser
    token: str
    csrf_token: str
    expires_at: datetime


def check_rate(session: Session, *, email: str, client: str, now: datetime) -> None:
    """Refuse a sign-in while an account, or a client, has failed too often lately."""
    since = audit.window(now, WINDOW_MINUTES)
    count, oldest = audit.recent_failures(session, subject=email.strip().lower(), since=since)
    if count >= MAX_FAILURES_PER_ACCOUNT and oldest is not None:
        _refuse(oldest, now)
    count, oldest = audit.recent_failures(session, client=client, since=since)
    if count >= MAX_FAILURES_PER_CLIENT and oldest is not None:
        _refuse(oldest, now)


def _refuse(oldest: datetime, now: datetime) -> None:
    wait = oldest + timedelta(minutes=WINDOW_MINUTES) - now
    retry_after = max(int(wait.total_seconds()) + 1, 1)
    raise RateLimited(
        f"too many failed sign-ins; try again in {retry_after} seconds", retry_after=retry_after
    )


def check_password(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account these credentials open, or None (whatever was wrong)."""
    user = repository.by_email(session, email.strip())
    if user is None:
        passwords.verify(_DECOY_HASH, password)
        return None
    if not passwords.verify(user.password_hash, password) or user.disabled_at is not None:
        return None
    return user


def open_session(
    session: Session, user_id: int, *, password: str, hours: int, ctx: Context
) -> SignedIn:
    """A new session for an account whose password was just checked; a hash made with
    weaker parameters than today's is upgraded now, while the password is at hand."""
    user = session.get(StaffUser, user_id)
    assert user is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    token, csrf = PREFIX + new_secret(), new_secret()
    row = StaffSession(
        user_id=user.id,
        token_hash=digest(token),
        csrf_hash=digest(csrf),
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    return SignedIn(user=user, token=token, csrf_token=csrf, expires_at=row.expires_at)


def find(session: Session, token: str, now: datetime) -> StaffSession | None:
    """The live session of a token: not expired, not signed out, its account not disabled."""
    stmt = (
        select(StaffSession)
        .where(StaffSession.token_hash == digest(token))
        .options(selectinload(StaffSession.user).selectinload(StaffUser.memberships))
    )
    row = session.scalars(stmt).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.user.disabled_at is not None:
        return None
    return row


def csrf_ok(row: StaffSession, presented: str | None) -> bool:
    return presented is not None and matches(presented, row.csrf_hash)


def close(session: Session, token: str, now: datetime) -> bool:
    """Sign out; signing out twice changes nothing."""
    row = session.scalars(
        select(StaffSession).where(StaffSession.token_hash == digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def principal(user: StaffUser) -> Principal:
    roles: dict[str | None, set[Role]] = {}
    for m in user.memberships:
        roles.setdefault(m.program_id, set()).add(Role(m.role))
    return Principal(
        kind=Kind.STAFF,
        actor=f"staff:{user.email}",
        roles={p: frozenset(r) for p, r in roles.items()},
    )
