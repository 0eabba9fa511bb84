"""A studied module with items of every kind, and helpers to answer them."""

from __future__ import annotations

import datetime as dt
import itertools

from flask.testing import FlaskClient

from api.models import ItemKind
from tests.conftest import auth
from tests.factories import T0, EnrollmentFactory, ItemFactory, LessonFactory, ModuleFactory

_ids = itertools.count(1)


def studied_module(learner, *, items: int = 4, title: str = "Feedback", completed: bool = True):
    """A published module the learner is enrolled in and has studied, with ``items`` items."""
    module = ModuleFactory(organization=learner.organization, title=title)
    lesson = LessonFactory(module=module, position=0, key_points=["Name the behaviour."])
    made = [
        ItemFactory(lesson=lesson, position=i, options=["A", "B", "C"], answer={"correct": [1]})
        for i in range(items)
    ]
    status = "completed" if completed else "enrolled"
    # Finishing the module is studying it: its items' memory starts then.
    EnrollmentFactory(
        user=learner, module=module, status=status, completed_at=T0 if completed else None
    )
    return module, made


def review(item, at: dt.datetime, *, right: bool = True, review_id: str | None = None, **extra):
    if item.kind is ItemKind.FREE_RECALL:
        answer = {"self_grade": 3 if right else 1}
    elif item.kind is ItemKind.TRUE_FALSE:
        answer = {"value": item.answer["value"] if right else not item.answer["value"]}
    else:
        correct = item.answer["correct"]
        answer = {
            "selected": correct
            if right
            else [i for i in range(len(item.options)) if i not in correct][:1]
        }
    return {
        "id": review_id or f"r-{next(_ids)}",
        "item_id": item.id,
        "answered_at": at.isoformat(),
        "duration_ms": 10_000,
        "answer": answer,
        **extra,
    }


def post_reviews(client: FlaskClient, learner, reviews: list[dict]):
    response = client.post("/learn/reviews", json={"reviews": reviews}, headers=auth(learner))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def practice_set(client: FlaskClient, learner, **query) -> dict:
    response = client.get("/learn/practice", query_string=query, headers=auth(learner))
    assert response.status_code == 200, response.get_json()
    return response.get_json()
