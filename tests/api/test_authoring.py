"""Admins author modules; editing published content versions it without resetting memory."""

from __future__ import annotations

import copy

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.resources.modules.schemas import MODULE_CREATE_EXAMPLE
from tests.conftest import auth
from tests.factories import UserFactory


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


def create(client: FlaskClient, admin, body: dict | None = None) -> dict:
    response = client.post(
        "/modules", json=body or copy.deepcopy(MODULE_CREATE_EXAMPLE), headers=auth(admin)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(client: FlaskClient, admin, module_id: int) -> dict:
    response = client.post(f"/modules/{module_id}/publish", headers=auth(admin))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_create_module_with_nested_lessons_and_items(client: FlaskClient, admin) -> None:
    module = create(client, admin)
    assert module["status"] == "draft" and module["version"] == 0
    [lesson] = module["lessons"]
    assert lesson["key_points"] == MODULE_CREATE_EXAMPLE["lessons"][0]["key_points"]
    [item] = lesson["items"]
    assert item["answer"] == {"correct": [1]}  # admins see answers
    listed = client.get("/modules", headers=auth(admin))
    assert [m["id"] for m in listed.get_json()] == [module["id"]]
    assert "X-Pagination" in listed.headers


@pytest.mark.parametrize(
    ("item", "field_hint"),
    [
        (
            {
                "kind": "single_choice",
                "prompt": "?",
                "options": ["a", "b"],
                "answer": {"correct": [0, 1]},
            },
            "exactly one",
        ),
        (
            {
                "kind": "single_choice",
                "prompt": "?",
                "options": ["a", "b"],
                "answer": {"correct": [2]},
            },
            "index",
        ),
        (
            {
                "kind": "multiple_choice",
                "prompt": "?",
                "options": ["a"],
                "answer": {"correct": [0]},
            },
            "two options",
        ),
        ({"kind": "true_false", "prompt": "?", "answer": {"value": "yes"}}, "true or false"),
        ({"kind": "free_recall", "prompt": "?", "answer": {}}, "model_answer"),
    ],
)
def test_items_whose_answer_does_not_fit_are_422(
    client: FlaskClient, admin, item: dict, field_hint: str
) -> None:
    body = copy.deepcopy(MODULE_CREATE_EXAMPLE)
    body["lessons"][0]["items"] = [item]
    response = client.post("/modules", json=body, headers=auth(admin))
    assert response.status_code == 422
    assert field_hint in " ".join(response.get_json()["errors"]["answer"])
    assert client.get("/modules", headers=auth(admin)).get_json() == []  # nothing half-made


def test_publish_needs_content_and_is_idempotent(client: FlaskClient, admin) -> None:
    empty = create(client, admin, {"title": "Empty", "estimated_minutes": 5})
    refused = client.post(f"/modules/{empty['id']}/publish", headers=auth(admin))
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "module_incomplete"

    module = create(client, admin)
    first = publish(client, admin, module["id"])
    second = publish(client, admin, module["id"])
    assert first["status"] == "published" and first["version"] == 1
    assert second["version"] == 1
    versions = client.get(f"/modules/{module['id']}/versions", headers=auth(admin)).get_json()
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["snapshot"]["lessons"][0]["items"][0]["answer"] == {"correct": [1]}


def test_fixing_wording_keeps_the_item_identity(client: FlaskClient, admin) -> None:
    module = publish(client, admin, create(client, admin)["id"])
    item = module["lessons"][0]["items"][0]
    response = client.patch(
        f"/items/{item['id']}",
        json={"prompt": "Which SBI part names what you saw?"},
        headers=auth(admin),
    )
    assert response.status_code == 200
    edited = response.get_json()
    assert edited["id"] == item["id"]
    assert edited["revision"] == item["revision"] + 1
    after = client.get(f"/modules/{module['id']}", headers=auth(admin)).get_json()
    assert after["version"] == 2
    versions = client.get(f"/modules/{module['id']}/versions", headers=auth(admin)).get_json()
    assert versions[-1]["snapshot"]["lessons"][0]["items"][0]["prompt"].startswith("Which SBI")


def test_changing_the_answer_makes_a_new_item(client: FlaskClient, admin) -> None:
    module = publish(client, admin, create(client, admin)["id"])
    item = module["lessons"][0]["items"][0]
    response = client.patch(
        f"/items/{item['id']}", json={"answer": {"correct": [2]}}, headers=auth(admin)
    )
    assert response.status_code == 200
    replacement = response.get_json()
    assert replacement["id"] != item["id"] and replacement["revision"] == 1
    old = client.get(f"/items/{item['id']}", headers=auth(admin)).get_json()
    assert old["retired_at"] is not None and old["replaced_by_id"] == replacement["id"]
    lesson_items = client.get(f"/modules/{module['id']}", headers=auth(admin)).get_json()[
        "lessons"
    ][0]["items"]
    assert [i["id"] for i in lesson_items] == [replacement["id"]]
    stale = client.patch(f"/items/{item['id']}", json={"prompt": "x"}, headers=auth(admin))
    assert stale.status_code == 409


def test_draft_edits_do_not_create_versions(client: FlaskClient, admin) -> None:
    module = create(client, admin)
    item = module["lessons"][0]["items"][0]
    client.patch(f"/items/{item['id']}", json={"answer": {"correct": [0]}}, headers=auth(admin))
    edited = client.get(f"/items/{item['id']}", headers=auth(admin)).get_json()
    assert edited["answer"] == {"correct": [0]} and edited["revision"] == 1
    assert client.get(f"/modules/{module['id']}/versions", headers=auth(admin)).get_json() == []


def test_add_lesson_and_item_then_retire(client: FlaskClient, admin) -> None:
    module = publish(client, admin, create(client, admin)["id"])
    lesson = client.post(
        f"/modules/{module['id']}/lessons",
        json={"title": "Practice", "key_points": ["Keep it short."]},
        headers=auth(admin),
    )
    assert lesson.status_code == 201 and lesson.get_json()["position"] == 1
    item = client.post(
        f"/lessons/{lesson.get_json()['id']}/items",
        json={"kind": "true_false", "prompt": "Short is good.", "answer": {"value": True}},
        headers=auth(admin),
    )
    assert item.status_code == 201
    item_id = item.get_json()["id"]
    assert client.delete(f"/items/{item_id}", headers=auth(admin)).status_code == 204
    assert client.delete(f"/items/{item_id}", headers=auth(admin)).status_code == 204
    current = client.get(f"/modules/{module['id']}", headers=auth(admin)).get_json()
    assert current["lessons"][1]["items"] == []
    assert current["version"] == 4  # published, lesson added, item added, item retired
    refused = client.delete(f"/lessons/{lesson.get_json()['id']}", headers=auth(admin))
    assert refused.status_code == 409


def test_lessons_of_drafts_can_be_deleted(client: FlaskClient, admin) -> None:
    module = create(client, admin)
    lesson_id = module["lessons"][0]["id"]
    assert client.delete(f"/lessons/{lesson_id}", headers=auth(admin)).status_code == 204
    assert client.get(f"/modules/{module['id']}", headers=auth(admin)).get_json()["lessons"] == []


def test_archived_modules_cannot_be_edited(client: FlaskClient, admin) -> None:
    module = publish(client, admin, create(client, admin)["id"])
    archived = client.post(f"/modules/{module['id']}/archive", headers=auth(admin))
    assert archived.get_json()["status"] == "archived"
    response = client.patch(f"/modules/{module['id']}", json={"title": "x"}, headers=auth(admin))
    assert response.status_code == 409
    assert response.get_json()["error"] == "module_archived"
