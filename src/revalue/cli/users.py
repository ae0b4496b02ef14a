"""``revalue users``: staff accounts."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from revalue.access import service as access
from revalue.cli import common
from revalue.cli.common import console
from revalue.domain.access import Role

app = typer.Typer(help="Staff accounts and their roles.", no_args_is_help=True)
# Passwords are asked for, or read from standard input; never given on the command line,
# where the process list and the shell history would show them.
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from standard input"
)


@app.command("create")
def create(
    email: str = typer.Argument(..., help="Sign-in email"),
    name: str = typer.Option(..., help="Name shown in the custody log"),
    role: list[Role] = typer.Option(..., help="A role; repeat for several"),
    program: list[str] = typer.Option([], help="A program the roles hold in; repeat"),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a staff account; the password is asked for (never given on the command line)."""
    common.require_schema()
    password = _password(password_stdin)
    with common.unit_of_work() as session:
        user = access.create(
            session,
            email=email,
            name=name,
            password=password,
            roles=[str(r) for r in role],
            program_ids=program,
            ctx=common.context(),
        )
        held = ", ".join(_held(user))
    console.print(f"Created {email.lower()}: {held}")


@app.command("set-password")
def set_password(
    email: str = typer.Argument(..., help="The account's email"),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Set a new password; the account's open sessions end."""
    common.require_schema()
    password = _password(password_stdin)
    with common.unit_of_work() as session:
        access.set_password(session, email, password, common.context())
    console.print(f"New password set for {email.lower()}; its sessions have ended.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("list")
def list_users() -> None:
    """Every staff account with its roles and state."""
    common.require_schema()
    table = Table(title="Staff accounts")
    for column in ("email", "name", "roles", "state"):
        table.add_column(column)
    with common.unit_of_work() as session:
        for user in access.list_all(session):
            state = "disabled" if user.disabled_at else "active"
            table.add_row(user.email, user.name, ", ".join(_held(user)), state)
    console.print(table)


@app.command("disable")
def disable(email: str = typer.Argument(..., help="The account's email")) -> None:
    """Disable an account: it can no longer sign in. Its history stays."""
    common.require_schema()
    with common.unit_of_work() as session:
        access.disable(session, email, common.context())
    console.print(f"Disabled {email.lower()}")


def _held(user) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{m.role}@{m.program_id}" if m.program_id else m.role for m in user.memberships]
