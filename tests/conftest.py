"""Databases for tests: built by the migrations, on SQLite by default or PostgreSQL.

``REVALUE_TEST_DATABASE=postgres`` runs the database tests against the PostgreSQL server at
``REVALUE_TEST_POSTGRES_URL`` (default: postgres@127.0.0.1:5432/test). When asked for, an
unreachable server is a failure, never a skip: CI sets the variable and must not pass
without the server.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from revalue import migrate
from revalue.config import Settings
from revalue.db import make_engine, make_sessionmaker
from revalue.domain.access import Role
from revalue.programs import pricebook
from revalue.web.app import WithLiveness, create_app
from tests import auth, factories

BACKEND = os.environ.get("REVALUE_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "REVALUE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
if BACKEND not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"REVALUE_TEST_DATABASE={BACKEND!r}: use sqlite or postgres")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database: a SQLite file to copy, or a PostgreSQL URL.

    On PostgreSQL each run gets a schema of its own, so two runs never trip over each other.
    """
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    schema = f"rv_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:  # an unreachable server fails here, loudly
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _postgres_reset(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename NOT IN ('alembic_version', 'catalog_version')"
                )
            )
        ]
        # DELETE, not TRUNCATE: on tables this small it is 50 times faster (TRUNCATE makes new
        # files for every table). The replica role fires no trigger for this transaction, so
        # neither the foreign keys nor the custody log's append-only guard are in the way.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("; ".join(f"DELETE FROM {table}" for table in tables)))
        conn.execute(
            text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S' "
                "AND c.relnamespace = current_schema()::regnamespace"
            )
        )
        conn.execute(text("UPDATE catalog_version SET version = 1"))
        # A tampering test may have switched the append-only guard off: switch it back on.
        conn.execute(text("ALTER TABLE custody_events ENABLE TRIGGER USER"))


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if BACKEND == "postgres":
        return database_template
    path = tmp_path / "revalue.db"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if BACKEND == "postgres":
        _postgres_reset(engine)
    # The price-book cache is per process and keyed by versions each test database restarts.
    pricebook.CACHE.clear()
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine):  # type: ignore[no-untyped-def]
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    """A session whose work the test commits explicitly (or not)."""
    with sessions() as s:
        yield s


@pytest.fixture
def seeded(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        factories.seed(s)


@pytest.fixture
def clock() -> factories.Clock:
    return factories.Clock()


@pytest.fixture
def app(engine: Engine, database_url: str, clock: factories.Clock, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=database_url,
        place="test-lab",
        secrets_dir=str(tmp_path / "secrets"),
        evidence_dir=str(tmp_path / "evidence"),
    )
    return WithLiveness(create_app(settings, engine=engine, clock=clock))


@pytest.fixture
def anonymous(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A client without credentials."""
    with TestClient(app) as c:
        yield c


@pytest.fixture
def admin_token(sessions) -> str:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return auth.staff(s, "admin@test.example", {None: [Role.ADMIN]})


@pytest.fixture
def client(app, admin_token: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A client signed in as an installation admin (bearer session)."""
    with TestClient(app, headers=auth.bearer(admin_token)) as c:
        yield c
