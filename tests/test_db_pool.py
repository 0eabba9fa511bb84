"""Pooled PostgreSQL connections: pinged when they sat idle, not on every request.

The server side of a pooled connection is killed (``pg_terminate_backend``), as a server
restart or a firewall's idle timeout would; what a request then sees is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from api import db
from tests.databases import postgres_database


@pytest.fixture
def engine() -> Iterator[Engine]:
    with postgres_database() as url:
        engine = db.create_engine_for(url, pool_size=1, max_overflow=0)
        try:
            yield engine
        finally:
            engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _kill(engine: Engine, pid: int) -> None:
    killer = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with killer.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_an_idle_connection_that_died_is_replaced_before_the_request_uses_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = _backend(engine)
    _kill(engine, dead)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # it has sat idle long enough
    assert _backend(engine) != dead  # the request ran, on a new connection


def test_a_connection_used_just_now_is_not_pinged_and_a_death_costs_one_request(
    engine: Engine,
) -> None:
    dead = _backend(engine)
    _kill(engine, dead)
    # No ping (the round trip saved on every request): the dead connection is used, the
    # request fails as a disconnect, and the pool replaces its connections.
    with pytest.raises(OperationalError) as failure:
        _backend(engine)
    assert failure.value.connection_invalidated
    assert _backend(engine) != dead  # the next request is served
