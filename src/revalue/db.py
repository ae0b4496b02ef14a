"""Engine, sessions and the declarative base with a constraint naming convention.

The schema is created only by Alembic migrations (``revalue db upgrade``), never by
``create_all``. SQLite runs in WAL mode with foreign keys on; PostgreSQL through psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite hands back naive ones, which are UTC by construction."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Revalue stores UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def normalize_url(url: str) -> str:
    """Let people write postgresql:// and still get psycopg 3, the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is off so BEGIN IMMEDIATE takes the write lock
        # at the start of a write transaction, instead of failing with "database is locked"
        # when two writers upgrade from a read lock at once. Read-only work (see
        # ``read_only``) begins deferred and never waits for a writer: WAL lets it read.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # At most 30 connections per process, the ceiling it always had (it was 10 + 20 overflow),
    # but all of them are kept once opened: an overflow connection is closed as soon as ten
    # others are idle, and under load that meant opening (a PostgreSQL backend forked, the
    # login) and closing a connection for every few requests.
    return create_engine(url, pool_size=30, max_overflow=0, pool_pre_ping=True)


READ_ONLY = "revalue_read_only"


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read."""
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_begin(conn: Connection) -> None:
    read = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with factory.begin() as session:
        yield session


def chunks(items: Sequence, size: int = 1000) -> Iterator[Sequence]:
    """``items`` in slices of ``size``: an IN list or executemany of a 10,000-device lot stays
    well under the databases' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
