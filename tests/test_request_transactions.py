"""How a request's transaction ends: reads commit (PostgreSQL keeps its prepared
statements), anything written and not committed by the request is rolled back."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api import deps
from api.errors import Conflict
from api.models import Team, User
from tests import factories
from tests.api.practice_helpers import practice_set, studied_module
from tests.factories import UserFactory


def _prepared(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar())


def test_reads_keep_the_statements_postgresql_prepared(
    client: FlaskClient, connection: Connection, db: Session
) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite prepares nothing across transactions to keep
    learner = UserFactory()
    studied_module(learner, items=3)
    db.commit()
    for _ in range(8):  # psycopg prepares a statement at its fifth run
        assert practice_set(client, learner)["items"]
    # Each of a practice request's 2 statements (its items, and its answers with the
    # member's stamp; the member and the items shown are kept by the app after the first).
    # Ended with ROLLBACK, psycopg would have deallocated them all after each request.
    assert _prepared(connection) >= 2


@pytest.mark.parametrize("write", ["statement", "pending_change", "then_a_savepoint"])
def test_a_handled_error_after_a_write_keeps_nothing_of_it(
    app: Flask, client: FlaskClient, db: Session, write: str
) -> None:
    """A view writes (a statement, an ORM change not yet flushed, a statement and then a
    savepoint that only reads) and then fails with an API error: the 409 goes out, and
    nothing of the write stays."""
    member = UserFactory(display_name="Before")
    db.commit()

    def write_then_fail() -> None:
        session = deps.session()
        if write == "statement":
            session.execute(
                insert(Team).values(
                    organization_id=member.organization_id,
                    name="Ghost",
                    join_code="GHOSTTEAM",
                    created_at=factories.T0,
                )
            )
        elif write == "pending_change":
            session.get(User, member.id).display_name = "After"
        else:
            session.execute(update(User).where(User.id == member.id).values(display_name="After"))
            with session.begin_nested():  # a savepoint that only reads
                session.execute(select(User.id))
        raise Conflict("Changed my mind.")

    app.add_url_rule("/test/write-then-fail", view_func=write_then_fail, methods=["POST"])
    assert client.post("/test/write-then-fail").status_code == 409
    db.expire_all()
    assert db.scalar(select(Team.id).where(Team.name == "Ghost")) is None
    assert db.get(User, member.id).display_name == "Before"


def test_a_read_that_failed_and_was_handled_ends_the_request_cleanly(
    app: Flask, client: FlaskClient
) -> None:
    """A view that catches a failed statement itself (the transaction is aborted on
    PostgreSQL): ending it must not turn the view's answer into an error."""

    def failed_read() -> dict:
        try:
            deps.session().execute(text("SELECT * FROM no_such_table"))
        except DBAPIError:
            return {"read": False}
        return {"read": True}

    app.add_url_rule("/test/failed-read", view_func=failed_read)
    response = client.get("/test/failed-read")
    assert response.status_code == 200 and response.get_json() == {"read": False}
    assert client.get("/healthz").status_code == 200
