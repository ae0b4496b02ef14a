"""Partner API keys: scoped to programs and operations, rotatable, revocable, rate-limited.

A key reads ``rvk_<id>.<secret>``. Only the secret's SHA-256 is stored; rotation issues a new
secret and keeps the previous one valid for a grace period, so a partner can switch over
without downtime.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from revalue.access.models import ApiKey
from revalue.domain.access import Kind, Principal
from revalue.domain.context import Context
from revalue.domain.errors import InvalidInput, NotFound, RateLimited
from revalue.ids import new_id
from revalue.tokens import digest, matches, new_secret

PREFIX = "rvk_"
DEFAULT_RATE_LIMIT = 600  # requests per minute
DEFAULT_GRACE_HOURS = 24


class KeyNotFound(NotFound):
    code = "api_key_not_found"


class UnknownOperation(InvalidInput):
    code = "unknown_operation"


@dataclass(frozen=True, slots=True)
class Issued:
    key: ApiKey
    plaintext: str  # shown once, never stored


def create(
    session: Session,
    *,
    name: str,
    program_ids: Iterable[str],
    operations: Iterable[str],
    allowed_operations: frozenset[str],
    rate_limit_per_minute: int,
    ctx: Context,
) -> Issued:
    programs = sorted(set(program_ids))
    if not programs:
        raise InvalidInput("a key is scoped to at least one program", field="program_ids")
    ops = _operations(operations, allowed_operations)
    secret = new_secret()
    key = ApiKey(
        id=new_id("k", ctx.now),
        name=name.strip(),
        secret_hash=digest(secret),
        program_ids=programs,
        operations=ops,
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=ctx.actor,
        created_at=ctx.now,
    )
    session.add(key)
    session.flush()
    return Issued(key, f"{PREFIX}{key.id}.{secret}")


def _operations(operations: Iterable[str], allowed: frozenset[str]) -> list[str]:
    ops = sorted(set(operations))
    if not ops:
        raise InvalidInput("a key is scoped to at least one operation", field="operations")
    unknown = [op for op in ops if op not in allowed]
    if unknown:
        raise UnknownOperation(
            f"not a partner operation: {', '.join(unknown)}",
            field="operations",
            allowed=sorted(allowed),
        )
    return ops


def get(session: Session, key_id: str) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise KeyNotFound(f"no API key {key_id!r}", field="key_id")
    return key


def list_all(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def rotate(session: Session, key_id: str, *, grace_hours: int, ctx: Context) -> Issued:
    key = get(session, key_id)
    if key.revoked_at is not None:
        raise InvalidInput("a revoked key cannot be rotated", field="key_id")
    secret = new_secret()
    key.previous_secret_hash = key.secret_hash
    key.previous_valid_until = ctx.now + timedelta(hours=grace_hours)
    key.secret_hash = digest(secret)
    key.rotated_at = ctx.now
    return Issued(key, f"{PREFIX}{key.id}.{secret}")


def revoke(session: Session, key_id: str, ctx: Context) -> ApiKey:
    """Revoke at once (the previous secret too); revoking twice changes nothing."""
    key = get(session, key_id)
    if key.revoked_at is None:
        key.revoked_at = ctx.now
        key.previous_valid_until = None
    return key


def find(session: Session, presented: str, now: datetime) -> ApiKey | None:
    """The live key these credentials name, or None: unknown, wrong secret, revoked."""
    key_id, dot, secret = presented.removeprefix(PREFIX).partition(".")
    if not dot or not key_id or not secret:
        return None
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return None
    if matches(secret, key.secret_hash):
        return key
    grace = key.previous_valid_until
    if grace is not None and now < grace and matches(secret, key.previous_secret_hash):
        return key
    return None


def principal(key: ApiKey) -> Principal:
    return Principal(
        kind=Kind.PARTNER,
        actor=f"key:{key.id}",
        programs=frozenset(key.program_ids),
        operations=frozenset(key.operations),
    )


class RateLimiter:
    """A sliding one-minute window per key, kept in this process: with several server
    processes each admits the key's limit, so the limit is per process (documented)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = Lock()

    def admit(self, key_id: str, limit: int, now: datetime) -> None:
        start = now - timedelta(minutes=1)
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= limit:
                wait = hits[0] + timedelta(minutes=1) - now
                retry_after = max(int(wait.total_seconds()) + 1, 1)
                raise RateLimited(
                    f"this key's limit is {limit} requests a minute; retry in {retry_after} s",
                    retry_after=retry_after,
                )
            hits.append(now)
