"""Test databases: a temporary SQLite file, and a fresh database on a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from api.db import create_engine_for

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# bin/test sets this: in CI a missing PostgreSQL is a failure, never a silent skip.
REQUIRE_POSTGRES = os.environ.get("BITEWISE_REQUIRE_POSTGRES") == "1"


def migrate(engine: Engine) -> None:
    """Build the schema the way production does: with the Alembic migrations."""
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / 'bitewise-test.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway database on the server, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        message = (
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc.__class__.__name__}). "
            "bin/test starts a throwaway cluster when none runs; set TEST_POSTGRES_URL to use "
            "another server."
        )
        if REQUIRE_POSTGRES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"bitewise_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_engine(kind: str, directory: Path) -> Iterator[Engine]:
    database = sqlite_database(directory) if kind == "sqlite" else postgres_database()
    with database as url:
        engine = create_engine_for(url)
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
