"""What every command needs: the database, a unit of work, a context, and console output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from revalue import migrate
from revalue.config import get_settings
from revalue.db import make_engine, make_sessionmaker
from revalue.domain.context import Context
from revalue.domain.errors import RevalueError

console = Console()
err_console = Console(stderr=True)

CLI_ACTOR = "cli"


def engine() -> Engine:
    return make_engine(get_settings().database_url)


def require_schema() -> None:
    url = get_settings().database_url
    head = migrate.head()
    current = migrate.current(url)
    if current != head:
        err_console.print(
            f"[red]The database at {migrate.redacted(url)} is at revision {current or 'none'}, "
            f"not {head}.[/red] Run [bold]revalue db upgrade[/bold] first."
        )
        raise typer.Exit(2)


def context(now: datetime | None = None, actor: str = CLI_ACTOR) -> Context:
    return Context(actor=actor, place=get_settings().place, now=now or datetime.now(UTC))


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction; a business error is printed with its code and exits with status 1."""
    eng = engine()
    try:
        with make_sessionmaker(eng).begin() as session:
            yield session
    except RevalueError as exc:
        err_console.print(f"[red]{exc.code}[/red]: {exc.message}")
        for key, value in exc.details.items():
            if key == "errors":
                for e in value:
                    err_console.print(f"  line {e['line']}, {e['field']}: {e['reason']}")
            else:
                err_console.print(f"  {key}: {value}")
        raise typer.Exit(1) from None
    finally:
        eng.dispose()


def read_text(path: Path) -> str:
    """A UTF-8 file's text (a byte-order mark dropped); an unreadable file exits with 1."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        err_console.print(f"[red]cannot read {path}[/red]: {exc}")
        raise typer.Exit(1) from None


def print_problems(code: str, message: str, problems: list[dict], count: int) -> None:
    """A file's problems by line and column (the first ones), and how many more there are."""
    err_console.print(f"[red]{code}[/red]: {escape(message)}")
    for p in problems:
        # The file's own text is printed as it is, never read as Rich markup.
        err_console.print(escape(f"  line {p['line']}, {p['column']}: {p['message']}"))
    if count > len(problems):
        err_console.print(f"  … and {count - len(problems)} more problem(s)")
