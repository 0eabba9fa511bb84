"""Learners see the modules open to them, read them without answers, and study them."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.factories import (
    EnrollmentFactory,
    ItemFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)


@pytest.fixture
def learner(db: Session):
    return UserFactory()


@pytest.fixture
def module(learner):
    module = ModuleFactory(organization=learner.organization, title="Feedback")
    lesson = LessonFactory(module=module, position=0)
    ItemFactory(lesson=lesson, answer={"correct": [1]}, explanation="SECRET-EXPLANATION")
    ItemFactory(lesson=lesson, kind="true_false", options=[], answer={"value": True})
    return module


def test_catalog_shows_open_and_assigned_but_not_drafts(
    client: FlaskClient, learner, module
) -> None:
    org = learner.organization
    ModuleFactory(organization=org, draft=True)
    ModuleFactory(organization=org, archived=True)
    hidden = ModuleFactory(organization=org, assigned_only=True)
    assigned = ModuleFactory(organization=org, assigned_only=True)
    EnrollmentFactory(user=learner, module=assigned)
    ModuleFactory()  # another organization's open module
    response = client.get("/learn/modules", headers=auth(learner))
    ids = [m["id"] for m in response.get_json()]
    assert ids == [module.id, assigned.id]
    assert hidden.id not in ids
    by_id = {m["id"]: m for m in response.get_json()}
    assert by_id[module.id]["enrollment"] is None
    assert by_id[assigned.id]["enrollment"]["status"] == "enrolled"


def test_module_is_read_without_answers(client: FlaskClient, learner, module) -> None:
    response = client.get(f"/learn/modules/{module.id}", headers=auth(learner))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "SECRET-EXPLANATION" not in text
    assert '"answer"' not in text and '"correct"' not in text
    items = response.get_json()["lessons"][0]["items"]
    assert [set(i) for i in items] == [
        {
            "id",
            "revision",
            "kind",
            "prompt",
            "options",
            "model_answer",
            "prompt_media_id",
            "option_media_ids",
        }
    ] * 2
    assert {i["model_answer"] for i in items} == {None}  # choice items keep theirs hidden


def test_phone_cache_revalidates_with_etag(client: FlaskClient, learner, module) -> None:
    first = client.get(f"/learn/modules/{module.id}", headers=auth(learner))
    etag = first.headers["ETag"]
    assert etag and not etag.startswith("W/")  # strong
    # The phone may keep it (offline), revalidating; no shared cache may.
    assert first.headers["Cache-Control"] == "private, no-cache"
    cached = client.get(
        f"/learn/modules/{module.id}", headers={**auth(learner), "If-None-Match": etag}
    )
    assert cached.status_code == 304 and cached.data == b""
    lesson_id = first.get_json()["lessons"][0]["id"]
    client.post(f"/learn/lessons/{lesson_id}/studied", headers=auth(learner))
    changed = client.get(
        f"/learn/modules/{module.id}", headers={**auth(learner), "If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.get_json()["lessons"][0]["studied"] is True


def test_etag_changes_when_content_is_edited(
    client: FlaskClient, learner, module, db: Session
) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    etag = client.get(f"/learn/modules/{module.id}", headers=auth(learner)).headers["ETag"]
    item_id = module.lessons[0].items[0].id
    client.patch(f"/items/{item_id}", json={"prompt": "Clearer wording?"}, headers=auth(admin))
    after = client.get(
        f"/learn/modules/{module.id}", headers={**auth(learner), "If-None-Match": etag}
    )
    assert after.status_code == 200
    assert after.get_json()["lessons"][0]["items"][0]["prompt"] == "Clearer wording?"


def test_study_flow(client: FlaskClient, learner, module) -> None:
    enrolled = client.post(f"/learn/modules/{module.id}/enroll", headers=auth(learner))
    assert enrolled.status_code == 200
    assert enrolled.get_json()["source"] == "self" and enrolled.get_json()["status"] == "enrolled"
    again = client.post(f"/learn/modules/{module.id}/enroll", headers=auth(learner))
    assert again.get_json()["id"] == enrolled.get_json()["id"]

    lesson_id = module.lessons[0].id
    started = client.post(f"/learn/lessons/{lesson_id}/studied", headers=auth(learner))
    assert started.get_json()["status"] == "in_progress"
    assert started.get_json()["started_at"] == "2026-11-02T09:00:00Z"

    done = client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    assert done.get_json()["status"] == "completed"
    retried = client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    assert retried.get_json() == done.get_json()

    mine = client.get("/learn/enrollments", headers=auth(learner))
    assert [e["module_id"] for e in mine.get_json()] == [module.id]
    assert json.loads(mine.headers["X-Pagination"])["total"] == 1


def test_archived_and_withdrawn_modules_disappear(
    client: FlaskClient, learner, module, db: Session
) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    assigned = ModuleFactory(organization=learner.organization, assigned_only=True)
    LessonFactory(module=assigned)
    enrollment = EnrollmentFactory(user=learner, module=assigned)
    assert client.get(f"/learn/modules/{assigned.id}", headers=auth(learner)).status_code == 200
    client.delete(f"/enrollments/{enrollment.id}", headers=auth(admin))
    assert client.get(f"/learn/modules/{assigned.id}", headers=auth(learner)).status_code == 404

    client.post(f"/modules/{module.id}/archive", headers=auth(admin))
    assert client.get(f"/learn/modules/{module.id}", headers=auth(learner)).status_code == 404
    assert client.get("/learn/modules", headers=auth(learner)).get_json() == []
