"""Declarative base, shared column types and the engine/session plumbing."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Annotated, Any

import orjson
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
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
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
        if not event.contains(self.engine, "before_cursor_execute", _note_write):
            event.listen(self.engine, "before_cursor_execute", _note_write)
        event.listen(self._sessionmaker, "after_begin", _forget_writes)

    @property
    def dialect(self) -> str:
        if self.engine is None:
            raise RuntimeError("Database is not bound to an app")
        return self.engine.dialect.name

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
    def _remove_session(exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            if exc is None and _read_only(session):
                # The same as a rollback for a transaction that wrote nothing, but psycopg
                # drops every prepared statement of the connection on ROLLBACK: ending
                # reads that way made PostgreSQL parse and plan each statement again on
                # every request (2.1 ms of its CPU a "practise now", 0.7 ms prepared).
                session.commit()
        except SQLAlchemyError:
            # The database went away (the request got its 503), or a failed statement
            # the view handled left the transaction aborted: a read has nothing to keep.
            pass
        finally:
            session.close()


# Statements that change nothing, by their first word. Anything else (INSERT, UPDATE,
# DELETE, WITH, SET, a raw DDL) counts as a write, to be rolled back as before.
_READS = re.compile(r"\s*(SELECT|SHOW|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_WROTE = "bitewise.wrote"


def _note_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not _READS.match(statement):
        conn.info[_WROTE] = True


def _forget_writes(_session: Session, transaction: Any, connection: Connection) -> None:
    if transaction.nested:
        return  # a savepoint inside the request's transaction: its writes still count
    connection.info.pop(_WROTE, None)


def _read_only(session: Session) -> bool:
    """Whether the request's transaction only read: nothing written, nothing pending."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return not session.connection().info.get(_WROTE)


def read_json(document: str | bytes) -> Any:
    """A JSON column's value: orjson, a tenth of the standard library's time (a practice
    request read 60 such documents, 0.8 ms); what orjson refuses (integers past 64 bits
    in a client's xAPI statement, NaN) the standard library still reads."""
    try:
        return orjson.loads(document)
    except orjson.JSONDecodeError:
        return json.loads(document)


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_deserializer", read_json)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


# A connection back in the pool for longer than this is pinged before it is lent again.
PING_AFTER_IDLE_S = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle: ``pool_pre_ping`` pings
    on every checkout, a round trip on every request (one of eight in "practise now").

    A connection used seconds ago is as good as pinged; the ones that die quietly are
    the idle ones (a server restart during a lull, a firewall's idle timeout). A server
    crash noticed mid-request is a disconnect error: SQLAlchemy then replaces every
    pooled connection, and the request gets the API's 503 (retryable). What this gives
    up against pinging always: a restart within the last ``PING_AFTER_IDLE_S`` seconds
    with no request in between costs each process one 503.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another (a new one).
            raise DisconnectionError("idle connection failed its ping") from error


def dialect_insert(session: Session, table: Any) -> Any:
    """INSERT with ON CONFLICT support for the session's database (PostgreSQL or SQLite)."""
    return insert_for(session.get_bind().dialect.name, table)


def insert_for(dialect: str, table: Any) -> Any:
    """INSERT with ON CONFLICT support for a dialect by name ("postgresql" or "sqlite")."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
