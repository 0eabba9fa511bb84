"""``write_rows``: a batch written as one statement (PostgreSQL: one JSON parameter) stores
exactly what SQLAlchemy's own insert stores, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from api.db_rows import write_rows
from api.models import Item, MemoryState, ReviewLog, User
from tests.factories import T0, ItemFactory, UserFactory

LOGS: Table = ReviewLog.__table__  # type: ignore[assignment]
STATES: Table = MemoryState.__table__  # type: ignore[assignment]
BERLIN = dt.timezone(dt.timedelta(hours=1))


def _answer(user: User, item: Item, review_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "organization_id": user.organization_id,
        "user_id": user.id,
        "item_id": item.id,
        "item_revision": 3,
        "client_review_id": review_id,
        # Microseconds and a zone other than UTC: stored as the same instant, in UTC.
        "answered_at": dt.datetime(2026, 11, 2, 10, 0, 0, 123456, tzinfo=BERLIN),
        "received_at": T0,
        "duration_ms": None,
        "response": {"text": 'Ja, "genau" \u00fcber \u2603', "picked": [0, 2], "n": None},
        "confidence": "sure",
        "rating": 3,
        "correct": False,
    } | changes


def _stored(db: Session) -> dict[str, dict[str, Any]]:
    rows = db.execute(select(LOGS).order_by(LOGS.c.client_review_id)).mappings()
    return {row["client_review_id"]: dict(row) for row in rows}


def test_rows_read_back_as_they_were_given(db: Session) -> None:
    user, item = UserFactory(), ItemFactory()
    db.flush()
    given = [_answer(user, item, "a"), _answer(user, item, "b", correct=None, duration_ms=4200)]
    returned = write_rows(
        db.connection(),
        LOGS,
        given,
        conflict=["user_id", "client_review_id"],
        returning=["id", "client_review_id", "answered_at"],
    )
    stored = _stored(db)
    assert sorted((client_id, at) for _, client_id, at in returned) == [
        ("a", given[0]["answered_at"]),
        ("b", given[1]["answered_at"]),
    ]
    assert {client_id: log_id for log_id, client_id, _ in returned} == {
        client_id: row["id"] for client_id, row in stored.items()
    }
    for row in given:
        kept = stored[row["client_review_id"]]
        assert {name: kept[name] for name in row} == row
        assert kept["answered_at"].utcoffset() == dt.timedelta(0)  # read back in UTC


def test_a_conflict_leaves_the_stored_row_and_returns_nothing_for_it(db: Session) -> None:
    user, item = UserFactory(), ItemFactory()
    db.flush()
    write_rows(
        db.connection(), LOGS, [_answer(user, item, "a")], conflict=["user_id", "client_review_id"]
    )
    again = write_rows(
        db.connection(),
        LOGS,
        [_answer(user, item, "a", rating=1), _answer(user, item, "c")],
        conflict=["user_id", "client_review_id"],
        returning=["client_review_id"],
    )
    assert [client_id for (client_id,) in again] == ["c"]
    assert {k: row["rating"] for k, row in _stored(db).items()} == {"a": 3, "c": 3}


def test_a_conflict_updates_only_the_columns_named(db: Session) -> None:
    user, item = UserFactory(), ItemFactory()
    db.flush()

    def state(stability: float, first: dt.datetime) -> dict[str, Any]:
        return {
            "user_id": user.id,
            "item_id": item.id,
            "organization_id": user.organization_id,
            "module_id": item.module_id,
            "stability": stability,
            "difficulty": 5.25,
            "phase": 2,
            "step": None,
            "first_review_at": first,
            "last_review_at": T0,
            "fsrs_due_at": T0 + dt.timedelta(days=3),
            "reps": 1,
            "lapses": 0,
            "parameter_set_id": None,
        }

    write_rows(db.connection(), STATES, [state(2.5, T0)], conflict=["user_id", "item_id"])
    later = T0 + dt.timedelta(days=1)
    write_rows(
        db.connection(),
        STATES,
        [state(7.75, later)],
        conflict=["user_id", "item_id"],
        update=["stability"],
    )
    stability, first = db.execute(select(STATES.c.stability, STATES.c.first_review_at)).one()
    assert (stability, first) == (7.75, T0)


def test_a_naive_datetime_is_refused(db: Session) -> None:
    user, item = UserFactory(), ItemFactory()
    db.flush()
    naive = _answer(user, item, "a", answered_at=dt.datetime(2026, 11, 2, 10, 0))
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        write_rows(db.connection(), LOGS, [naive], conflict=["user_id", "client_review_id"])
    assert _stored(db) == {}
