"""What every benchmark here shares: its error, and a fresh database to run on (a SQLite file
in the run's directory, or a PostgreSQL database of the benchmark's own, dropped and made
again, and dropped at the end; the server's other databases are never touched)."""

from __future__ import annotations

from pathlib import Path

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}


class BenchError(RuntimeError):
    """The benchmark could not run, or ran and is not valid."""


def prepare(kind: str, workdir: Path, name: str) -> str:
    """A fresh, empty database; returns its URL."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'revalue.db'}"
    assert name not in PROTECTED_DATABASES
    try:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    except Exception as exc:
        raise BenchError(f"cannot (re)create {name} on {POSTGRES_SERVER}: {exc}") from exc
    return POSTGRES_SERVER + name


def drop(kind: str, name: str) -> None:
    if kind == "postgres":
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(*statements: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_SERVER + "postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()
