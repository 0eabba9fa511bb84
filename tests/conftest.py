"""Fixtures: an engine per database kind, a rolled-back transaction per test, a fresh app."""

from __future__ import annotations

import os
from pathlib import Path

# firebase-admin reads this variable itself, at each verification: tests run in emulator
# mode (unsigned tokens) unless a test deletes it to exercise real signature checks.
os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099"

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from api import create_app
from api.clock import FixedClock
from api.config import Config
from api.dev_tokens import emulator_id_token
from api.models import User
from tests import factories
from tests.databases import migrated_engine

PROJECT_ID = "bitewise-test"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        yield engine


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection in an outer transaction, rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    for factory in factories.ALL:
        factory._meta.sqlalchemy_session = session
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(factories.T0)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        environment="test",
        database_url="sqlite://",  # unused: the app is bound to the test connection
        firebase_project_id=PROJECT_ID,
        firebase_auth_emulator_host="127.0.0.1:9099",
        log_json=False,
        log_level="WARNING",
        media_dir=str(tmp_path / "media"),
    )


@pytest.fixture
def app(config: Config, connection: Connection, clock: FixedClock, db: Session) -> Flask:
    return create_app(config, bind=connection, clock=clock)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def token_for(user: User, **overrides: object) -> str:
    claims: dict = {
        "project_id": PROJECT_ID,
        "uid": user.firebase_uid or f"unlinked-{user.id}",
        "email": user.email,
    }
    claims.update(overrides)
    return emulator_id_token(**claims)


def auth(user: User, **overrides: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, **overrides)}"}
