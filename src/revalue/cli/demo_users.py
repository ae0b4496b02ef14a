"""The demo's people: a staff account for each role, and a partner key, so every part of the
API can be tried at once. The password and key are random, printed once, stored hashed."""

from __future__ import annotations

import secrets

from rich.table import Table
from sqlalchemy.orm import Session

from revalue.access import keys, repository
from revalue.access import service as access
from revalue.cli.common import console
from revalue.domain.access import INSTALLATION_ROLES, Role
from revalue.domain.context import Context

DOMAIN = "demo.example"
PARTNER_OPERATIONS = (
    "create_quote",
    "get_trade_in",
    "list_trade_ins",
    "price_list",
    "accept",
    "cancel",
    "accept_requote",
    "decline_requote",
    "payout",
    "store_credit_balance",
    "redeem_store_credit",
    "redeem_coupon",
)


def email(role: Role) -> str:
    return f"{role.value.replace('_', '-')}@{DOMAIN}"


def create(session: Session, program_id: str, ctx: Context) -> None:
    """One account per role (if missing) sharing a fresh password, and a partner key."""
    if repository.by_email(session, email(Role.ADMIN)) is not None:
        console.print(
            "Demo staff accounts exist already; set a password with "
            f"[bold]revalue users set-password {email(Role.ADMIN)}[/bold]."
        )
        return
    password = secrets.token_urlsafe(12)
    for role in Role:
        access.create(
            session,
            email=email(role),
            name=f"Demo {role.value.replace('_', ' ')}",
            password=password,
            roles=[role.value],
            program_ids=[] if role in INSTALLATION_ROLES else [program_id],
            ctx=ctx,
        )
    issued = keys.create(
        session,
        name="Demo checkout",
        program_ids=[program_id],
        operations=PARTNER_OPERATIONS,
        allowed_operations=frozenset(PARTNER_OPERATIONS),
        rate_limit_per_minute=keys.DEFAULT_RATE_LIMIT,
        ctx=ctx,
    )
    table = Table(title="Demo sign-in (shown once; only hashes are stored)")
    table.add_column("role")
    table.add_column("email")
    for role in Role:
        table.add_row(role.value, email(role))
    console.print(table)
    console.print(f"Password for every demo account: [bold]{password}[/bold]")
    console.print(
        'Sign in: POST /auth/login {"email": ..., "password": ..., "bearer": true}, '
        "then send Authorization: Bearer <token>."
    )
    console.print(f"Partner API key (program {program_id}): [bold]{issued.plaintext}[/bold]")
