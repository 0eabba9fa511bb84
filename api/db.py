"""Declarative base, shared column types and the engine/session plumbing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from flask import Flask, g
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import JSON, TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and always returns them aware (UTC).

    SQLite has no time zone support and returns naive values; PostgreSQL returns
    them in the session's zone. Both come back as UTC here, and a naive value
    going in is a bug we want to hear about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Integer primary keys: 64-bit where rows can reach the billions (logs, outbox).
intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
bigpk = Annotated[
    int, mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
]
utc = Annotated[dt.datetime, mapped_column(UTCDateTime())]
str200 = Annotated[str, mapped_column(String(200))]


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[Any]: JSON,
    }


def configure_sqlite(engine: Engine) -> None:
    """SQLAlchemy's documented pysqlite recipe, plus the pragmas we rely on.

    pysqlite's own transaction handling breaks SAVEPOINT (which the tests and
    nested units of work use), so we turn it off and emit BEGIN ourselves. WAL
    lets readers outside a transaction read while another process writes.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock up front. A deferred transaction that read first
        # and writes later fails at once (SQLITE_BUSY_SNAPSHOT) when another wrote in
        # between; waiting for the lock instead serializes writers as PostgreSQL's row
        # locks do.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Engine and one session per request, bound to an app in ``init_app``.

    ``bind`` may be an Engine or a Connection: the tests hand in a connection
    inside an outer transaction so that each test's writes are rolled back.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._sessionmaker: sessionmaker[Session] | None = None

    def init_app(self, app: Flask, bind: Engine | Connection | None = None) -> None:
        config = app.config["BITEWISE"]
        if bind is None:
            bind = create_engine_for(config.sqlalchemy_url)
        self.engine = bind if isinstance(bind, Engine) else bind.engine
        self._sessionmaker = sessionmaker(
            bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        app.extensions["bitewise.db"] = self
        app.teardown_appcontext(self._remove_session)

    def new_session(self) -> Session:
        if self._sessionmaker is None:
            raise RuntimeError("Database is not bound to an app")
        return self._sessionmaker()

    @property
    def session(self) -> Session:
        """The session of the current request (created on first use)."""
        if "db_session" not in g:
            g.db_session = self.new_session()
        return g.db_session

    @staticmethod
    def _remove_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def dialect_insert(session: Session, table: Any) -> Any:
    """INSERT with ON CONFLICT support for the session's database (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
