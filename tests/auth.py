"""Credentials for tests: staff sessions, partner keys and customer links made directly in the
database (the sign-in flow itself is tested over HTTP in tests/api/test_auth_api.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from sqlalchemy.orm import Session

from revalue.access import keys, passwords
from revalue.access.models import StaffMembership, StaffSession, StaffUser
from revalue.domain.access import Role
from revalue.tokens import digest, new_secret
from tests import factories

PASSWORD = "correct horse battery staple"
# Hashed once per run: Argon2 is slow on purpose, and tests create many accounts.
PASSWORD_HASH = passwords.hash_password(PASSWORD)
CSRF = "test-csrf-token"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def staff(
    session: Session,
    email: str,
    roles: Mapping[str | None, Iterable[Role]],
    *,
    now=factories.NOW,  # type: ignore[no-untyped-def]
) -> str:
    """A staff account holding the roles per program (``None``: installation-wide) and a
    signed-in session; the session's bearer token."""
    user = StaffUser(
        email=email,
        name=email.split("@")[0],
        password_hash=PASSWORD_HASH,
        created_at=now,
        updated_at=now,
        memberships=[
            StaffMembership(program_id=program, role=str(role))
            for program, held in roles.items()
            for role in held
        ],
    )
    session.add(user)
    session.flush()
    token = "rvs_" + new_secret()
    session.add(
        StaffSession(
            user_id=user.id,
            token_hash=digest(token),
            csrf_hash=digest(CSRF),
            created_at=now,
            expires_at=now + timedelta(days=3650),
        )
    )
    session.flush()
    return token


def partner_key(
    session: Session,
    programs: Iterable[str],
    operations: Iterable[str],
    *,
    rate_limit: int = 10_000,
) -> str:
    issued = keys.create(
        session,
        name="test partner",
        program_ids=programs,
        operations=operations,
        allowed_operations=frozenset(operations),
        rate_limit_per_minute=rate_limit,
        ctx=factories.ctx(),
    )
    return issued.plaintext
