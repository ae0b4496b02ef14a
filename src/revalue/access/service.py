"""Staff accounts: create with roles, list, disable. Services never commit."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from revalue.access import passwords, repository
from revalue.access.models import StaffMembership, StaffSession, StaffUser
from revalue.domain.access import INSTALLATION_ROLES, Role
from revalue.domain.context import Context
from revalue.domain.errors import Conflict, InvalidInput, NotFound
from revalue.programs import service as programs_service

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserExists(Conflict):
    code = "user_exists"


class UserNotFound(NotFound):
    code = "user_not_found"


class UnknownRole(InvalidInput):
    code = "unknown_role"


class RoleScope(InvalidInput):
    code = "role_scope"


def create(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    roles: Iterable[str],
    program_ids: Iterable[str],
    ctx: Context,
) -> StaffUser:
    """A staff account holding each role in each of the programs (admin: installation-wide)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address", field="email")
    if not name.strip():
        raise InvalidInput("a name is required", field="name")
    parsed = _roles(roles)
    programs = sorted(set(program_ids))
    for program_id in programs:
        programs_service.get(session, program_id)  # ProgramNotFound, as everywhere else
    memberships = []
    for role in parsed:
        if role in INSTALLATION_ROLES:
            if programs:
                raise RoleScope(
                    f"{role} holds for the whole installation, not per program", field="program_id"
                )
            memberships.append(StaffMembership(program_id=None, role=str(role)))
        elif not programs:
            raise RoleScope(
                f"{role} is held within a program: name at least one", field="program_id"
            )
        else:
            memberships += [StaffMembership(program_id=p, role=str(role)) for p in programs]
    if repository.by_email(session, email) is not None:
        raise UserExists(f"a staff account for {email} exists already", field="email")
    user = StaffUser(
        email=email,
        name=name.strip(),
        password_hash=passwords.hash_password(password),
        created_at=ctx.now,
        updated_at=ctx.now,
        memberships=memberships,
    )
    repository.add(session, user)
    session.flush()
    return user


def _roles(roles: Iterable[str]) -> list[Role]:
    out = []
    for role in roles:
        try:
            out.append(Role(role))
        except ValueError:
            raise UnknownRole(
                f"unknown role {role!r}", field="role", allowed=[str(r) for r in Role]
            ) from None
    if not out:
        raise InvalidInput("a staff account needs at least one role", field="role")
    return sorted(set(out))


def list_all(session: Session) -> list[StaffUser]:
    return repository.all_users(session)


def disable(session: Session, email: str, ctx: Context) -> StaffUser:
    """Disable an account; disabling a disabled account changes nothing."""
    user = repository.by_email(session, email.strip())
    if user is None:
        raise UserNotFound(f"no staff account for {email!r}", field="email")
    if user.disabled_at is None:
        user.disabled_at = user.updated_at = ctx.now
    return user


def set_password(session: Session, email: str, password: str, ctx: Context) -> StaffUser:
    """A new password; every open session of the account ends (whoever held the old one)."""
    user = repository.by_email(session, email.strip())
    if user is None:
        raise UserNotFound(f"no staff account for {email!r}", field="email")
    user.password_hash = passwords.hash_password(password)
    user.updated_at = ctx.now
    session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=ctx.now)
    )
    return user
