"""The database refuses a learner's row filed under another organization (member keys).

Every organization-scoped read of answers, memory, xAPI statements and pushes filters on
``organization_id``: a row filed under the wrong organization would be shown to that
organization's admins. The learner and organization form one foreign key, so such a row
cannot be stored by any code path, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import MemoryState, Notification, ReviewLog, XapiStatement
from tests.factories import ItemFactory, OrganizationFactory, UserFactory

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _review(user_id: int, organization_id: int, item: Any) -> tuple[Any, dict[str, Any]]:
    return ReviewLog, {
        "organization_id": organization_id,
        "user_id": user_id,
        "item_id": item.id,
        "item_revision": 1,
        "client_review_id": str(uuid.uuid4()),
        "answered_at": AT,
        "received_at": AT,
        "response": {"choice": 0},
        "rating": 3,
    }


def _memory(user_id: int, organization_id: int, item: Any) -> tuple[Any, dict[str, Any]]:
    return MemoryState, {
        "user_id": user_id,
        "item_id": item.id,
        "organization_id": organization_id,
        "module_id": item.module_id,
        "stability": 3.0,
        "difficulty": 5.0,
        "phase": 2,
        "first_review_at": AT,
        "last_review_at": AT,
        "fsrs_due_at": AT + dt.timedelta(days=3),
        "reps": 1,
        "lapses": 0,
    }


def _statement(user_id: int, organization_id: int, item: Any) -> tuple[Any, dict[str, Any]]:
    return XapiStatement, {
        "organization_id": organization_id,
        "statement_id": str(uuid.uuid4()),
        "verb": "answered",
        "user_id": user_id,
        "stored_at": AT,
        "statement": {"verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}},
    }


def _push(user_id: int, organization_id: int, item: Any) -> tuple[Any, dict[str, Any]]:
    return Notification, {
        "organization_id": organization_id,
        "user_id": user_id,
        "kind": "practice",
        "dedupe_key": f"practice:{uuid.uuid4()}",
        "payload": {"kind": "practice"},
        "send_at": AT,
        "expires_at": AT + dt.timedelta(hours=8),
        "status": "pending",
        "attempts": 0,
        "fcm_message_ids": [],
        "created_at": AT,
    }


ROWS = [_review, _memory, _statement, _push]


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.__name__.lstrip("_"))
def test_a_learners_row_under_another_organization_is_refused(
    db: Session, row: Callable[[int, int, Any], tuple[Any, dict[str, Any]]]
) -> None:
    learner = UserFactory()
    other = OrganizationFactory()
    # An item each: a memory state's key is (learner, item), and a second state of the same
    # pair would be refused for that alone.
    own, foreign, nobodys = (
        ItemFactory(lesson__module__organization=learner.organization) for _ in range(3)
    )
    db.flush()

    model, values = row(learner.id, learner.organization_id, own)
    db.execute(insert(model), [values])  # the learner's own organization: stored

    model, values = row(learner.id, other.id, foreign)
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(insert(model), [values])

    model, values = row(learner.id + 10_000, learner.organization_id, nobodys)
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(insert(model), [values])
