"""Every operation, attacked: anonymous, from another organization, with too small a role.

The table below must list every operation of the spec (a test checks it), so a new
endpoint cannot ship without its row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.cli import render_spec
from api.models import (
    ApplicationPrompt,
    EnrollmentStatus,
    MediaAsset,
    MediaKind,
    MediaUpload,
    Reflection,
    TeamAnswer,
    TeamQuestion,
)
from tests.conftest import auth
from tests.factories import (
    T0,
    DeviceFactory,
    EnrollmentFactory,
    ItemFactory,
    LessonFactory,
    ModuleFactory,
    NotificationFactory,
    TeamFactory,
    UserFactory,
)

ADMIN, MANAGER, MEMBER, PUBLIC = "admin", "manager", "member", "public"


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # the spec's template
    access: str
    body: dict | None = None


ITEM = {"kind": "true_false", "prompt": "Sure?", "answer": {"value": True}}
OPERATIONS = [
    Op("get", "/healthz", PUBLIC),
    Op("get", "/readyz", PUBLIC),
    Op("get", "/me", MEMBER),
    Op("patch", "/me", MEMBER, {"locale": "fr"}),
    Op("get", "/teams", MEMBER),
    Op("post", "/teams", ADMIN, {"name": "Intruders"}),
    Op("get", "/teams/{team_id}", MEMBER),
    Op("patch", "/teams/{team_id}", ADMIN, {"name": "Renamed"}),
    Op("get", "/users", ADMIN),
    Op("post", "/users", ADMIN, {"email": "spy@evil.example"}),
    Op("get", "/users/{user_id}", ADMIN),
    Op("patch", "/users/{user_id}", ADMIN, {"role": "admin"}),
    Op("get", "/modules", ADMIN),
    Op("post", "/modules", ADMIN, {"title": "X", "estimated_minutes": 5}),
    Op("get", "/modules/{module_id}", ADMIN),
    Op("patch", "/modules/{module_id}", ADMIN, {"title": "Defaced"}),
    Op("post", "/modules/{module_id}/publish", ADMIN),
    Op("post", "/modules/{module_id}/archive", ADMIN),
    Op("get", "/modules/{module_id}/versions", ADMIN),
    Op("post", "/modules/{module_id}/lessons", ADMIN, {"title": "Injected"}),
    Op("patch", "/lessons/{lesson_id}", ADMIN, {"title": "Defaced"}),
    Op("delete", "/lessons/{lesson_id}", ADMIN),
    Op("post", "/lessons/{lesson_id}/items", ADMIN, ITEM),
    Op("get", "/items/{item_id}", ADMIN),
    Op("patch", "/items/{item_id}", ADMIN, {"answer": {"correct": [1]}}),
    Op("delete", "/items/{item_id}", ADMIN),
    Op("get", "/enrollments", ADMIN),
    Op("post", "/enrollments", ADMIN, {"module_id": 0, "user_id": 0}),
    Op("delete", "/enrollments/{enrollment_id}", ADMIN),
    Op("get", "/learn/modules", MEMBER),
    Op("get", "/learn/modules/{module_id}", MEMBER),
    Op("get", "/learn/modules/{module_id}/offline-pack", MEMBER),
    Op("post", "/media/uploads", ADMIN, {"size_bytes": 10}),
    Op("put", "/media/uploads/{token}", ADMIN),
    Op("post", "/media/uploads/{token}/complete", ADMIN),
    Op("get", "/media", ADMIN),
    Op("get", "/media/{media_id}", ADMIN),
    Op("patch", "/media/{media_id}", ADMIN, {"alt_text": "Defaced"}),
    # Signed URL, no token: anyone without the signature gets 404, whoever they are.
    Op("get", "/media/files/{organization_id}/{sha256}/{name}", PUBLIC),
    Op("post", "/learn/modules/{module_id}/enroll", MEMBER),
    Op("post", "/learn/modules/{module_id}/studied", MEMBER),
    Op("post", "/learn/lessons/{lesson_id}/studied", MEMBER),
    Op("get", "/learn/enrollments", MEMBER),
    Op("post", "/join", "token"),
    Op("post", "/learn/reviews", MEMBER, {"reviews": [{"id": "x", "item_id": 1}]}),
    Op("get", "/learn/practice", MEMBER),
    Op("get", "/learn/progress", MEMBER),
    Op("get", "/learn/recaps", MEMBER),
    Op("post", "/learn/recaps/{module_id}/studied", MEMBER),
    Op("get", "/me/devices", MEMBER),
    Op("post", "/me/devices", MEMBER, {"token": "x" * 30, "platform": "ios"}),
    Op("delete", "/me/devices/{device_id}", MEMBER),
    Op("get", "/me/reminders", MEMBER),
    Op("patch", "/me/reminders", MEMBER, {"max_per_day": 1}),
    Op("get", "/me/notifications", MEMBER),
    Op("post", "/me/notifications/{notification_id}/opened", MEMBER),
    Op("get", "/outbox", ADMIN),
    Op("get", "/learn/prompts", MEMBER),
    Op("post", "/learn/prompts/{prompt_id}/outcome", MEMBER, {"outcome": "worked"}),
    Op("get", "/learn/reflections", MEMBER),
    Op("post", "/learn/reflections", MEMBER, {"body": "Probe", "visibility": "private"}),
    Op("patch", "/learn/reflections/{reflection_id}", MEMBER, {"body": "Defaced"}),
    Op("delete", "/learn/reflections/{reflection_id}", MEMBER),
    Op("get", "/team/feed", MEMBER),
    Op("post", "/team/questions", MEMBER, {"body": "Probe"}),
    Op("get", "/team/questions/{question_id}", MEMBER),
    Op("delete", "/team/questions/{question_id}", MEMBER),
    Op("post", "/team/questions/{question_id}/answers", MEMBER, {"body": "Probe"}),
    Op("post", "/team/answers/{answer_id}/useful", MANAGER),
    Op("post", "/team/answers/{answer_id}/item", ADMIN, {"lesson_id": 1}),
    Op("post", "/team/posts/{post_id}/hide", MANAGER, {"reason": "Probe"}),
    Op("post", "/team/posts/{post_id}/restore", MANAGER, {"reason": "Probe"}),
    Op("get", "/team/moderation", MANAGER),
    Op("get", "/analytics", MANAGER),
    Op("get", "/me/export", MEMBER),
    Op("get", "/xapi/statements", ADMIN),
    Op("post", "/me/erase", MEMBER, {"confirm": "no"}),
    Op("get", "/me/privacy", MEMBER),
    Op("get", "/me/invitations", "token"),
    Op("post", "/me/invitations/{invitation_id}/accept", "token"),
    Op("get", "/organization/settings", ADMIN),
    Op("patch", "/organization/settings", ADMIN, {"target_retention": 0.8}),
    Op("get", "/organization/settings/retention", ADMIN),
]


@pytest.fixture
def world(db: Session) -> dict:
    """Organization A with content and people; organization B with its own admin and learner."""
    team = TeamFactory()
    org = team.organization
    admin = UserFactory(admin=True, organization=org, team=team)
    learner = UserFactory(organization=org, team=team)
    manager = UserFactory(manager=True, organization=org, team=team)
    module = ModuleFactory(organization=org, assigned_only=True)
    lesson = LessonFactory(module=module)
    item = ItemFactory(lesson=lesson)
    enrollment = EnrollmentFactory(user=learner, module=module)
    device = DeviceFactory(user=learner)
    prompt = ApplicationPrompt(
        organization_id=org.id,
        user_id=learner.id,
        module_id=module.id,
        status="open",
        apply_on=T0.date(),
        follow_up_on=T0.date(),
        postponed=0,
        created_at=T0,
    )
    reflection = Reflection(
        public_id="a" * 32,
        organization_id=org.id,
        author_id=learner.id,
        body="Mine",
        visibility="team",
        team_id=team.id,
        shared_on=T0.date(),
        published_at=T0,
        sort_key="b" * 32,
        created_at=T0,
        updated_at=T0,
    )
    question = TeamQuestion(
        public_id="c" * 32,
        organization_id=org.id,
        team_id=team.id,
        author_id=learner.id,
        body="Anyone?",
        anonymous=True,
        asked_on=T0.date(),
        published_at=T0,
        sort_key="d" * 32,
        created_at=T0,
    )
    db.add_all([prompt, reflection, question])
    db.flush()
    answer = TeamAnswer(
        public_id="e" * 32, question_id=question.id, author_id=manager.id, body="Yes", created_at=T0
    )
    db.add(answer)
    db.flush()
    notification = NotificationFactory(user=learner)
    invitation = UserFactory(organization=org, invited=True, email="newcomer@example.com")
    outsider_admin = UserFactory(admin=True)
    outsider = UserFactory(organization=outsider_admin.organization)
    asset = MediaAsset(
        organization_id=org.id,
        sha256="7" * 64,
        kind=MediaKind.IMAGE,
        content_type="image/png",
        size_bytes=10,
        renditions=[{"name": "w320.webp", "content_type": "image/webp"}],
        alt_text="A chart.",
        created_at=T0,
        created_by_id=admin.id,
    )
    db.add(asset)
    db.flush()
    upload = MediaUpload(
        organization_id=org.id,
        created_by_id=admin.id,
        address_key="u" * 43,
        size_bytes=10,
        created_at=T0,
        expires_at=T0 + dt.timedelta(days=365),
    )
    db.add(upload)
    db.flush()
    return {
        "admin": admin,
        "learner": learner,
        "manager": manager,
        "outsider_admin": outsider_admin,
        "outsider": outsider,
        "ids": {
            "team_id": team.id,
            "user_id": learner.id,
            "module_id": module.id,
            "lesson_id": lesson.id,
            "item_id": item.id,
            "enrollment_id": enrollment.id,
            "device_id": device.id,
            "notification_id": notification.id,
            "prompt_id": prompt.id,
            "reflection_id": reflection.public_id,
            "question_id": question.public_id,
            "answer_id": answer.public_id,
            "post_id": answer.public_id,
            "invitation_id": invitation.id,
            "media_id": asset.id,
            "token": upload.address_key,
            "organization_id": org.id,
            "sha256": asset.sha256,
            "name": "w320.webp",
        },
        "enrollment": enrollment,
    }


SCOPED_DELETES = {"/me/devices/{device_id}"}


def call(client: FlaskClient, op: Op, ids: dict, headers: dict | None = None):
    path = op.path.format(**ids)
    body = dict(op.body) if op.body is not None else None
    if body and "module_id" in body:
        body.update(module_id=ids["module_id"], user_id=ids["user_id"])
    return getattr(client, op.method)(path, json=body, headers=headers or {})


def test_table_lists_every_operation(app: Flask) -> None:
    spec = json.loads(render_spec(app))
    in_spec = {
        (method, re.sub(r"\{\w+\}", "{}", path))
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    in_table = {(op.method, re.sub(r"\{\w+\}", "{}", op.path)) for op in OPERATIONS}
    assert in_spec == in_table


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o.access != PUBLIC], ids=str)
def test_anonymous_callers_get_401(client: FlaskClient, world: dict, op: Op) -> None:
    response = call(client, op, world["ids"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "missing_token"


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o.access == ADMIN], ids=str)
@pytest.mark.parametrize("role", ["learner", "manager"])
def test_non_admins_get_403_on_admin_operations(
    client: FlaskClient, world: dict, op: Op, role: str
) -> None:
    response = call(client, op, world["ids"], auth(world[role]))
    assert response.status_code == 403
    assert response.get_json()["error"] == "role_forbidden"


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o.access == MANAGER], ids=str)
def test_learners_get_403_on_manager_operations(client: FlaskClient, world: dict, op: Op) -> None:
    response = call(client, op, world["ids"], auth(world["learner"]))
    assert response.status_code == 403


@pytest.mark.parametrize("op", [o for o in OPERATIONS if "{" in o.path], ids=str)
def test_other_organizations_get_404_and_change_nothing(
    client: FlaskClient, world: dict, op: Op
) -> None:
    attacker = world["outsider_admin"] if op.access in (ADMIN, MANAGER) else world["outsider"]
    before = client.get(f"/modules/{world['ids']['module_id']}", headers=auth(world["admin"]))
    response = call(client, op, world["ids"], auth(attacker))
    if op.path in SCOPED_DELETES:
        # Idempotent and scoped to the caller: 204 whatever the id, and nothing removed.
        assert response.status_code == 204
        assert client.get("/me/devices", headers=auth(world["learner"])).get_json() != []
    else:
        assert response.status_code == 404, response.get_json()
        assert response.get_json()["error"] == "not_found"
    after = client.get(f"/modules/{world['ids']['module_id']}", headers=auth(world["admin"]))
    assert after.get_json() == before.get_json()
    assert world["enrollment"].status is EnrollmentStatus.ENROLLED


def test_cross_organization_references_in_bodies_are_404(client: FlaskClient, world: dict) -> None:
    attacker = world["outsider_admin"]
    own_module = ModuleFactory(organization=attacker.organization)
    ids = world["ids"]
    steal_user = client.post(
        "/enrollments",
        json={"module_id": own_module.id, "user_id": ids["user_id"]},
        headers=auth(attacker),
    )
    assert steal_user.status_code == 404
    steal_team = client.post(
        "/enrollments",
        json={"module_id": own_module.id, "team_id": ids["team_id"]},
        headers=auth(attacker),
    )
    assert steal_team.status_code == 404
    invite_into = client.post(
        "/users",
        json={"email": "x@evil.example", "team_id": ids["team_id"]},
        headers=auth(attacker),
    )
    assert invite_into.status_code == 404


LISTS = {
    "/teams": "team_id",
    "/users": "user_id",
    "/modules": "module_id",
    "/enrollments": "enrollment_id",
    "/learn/modules": "module_id",
    "/learn/enrollments": "enrollment_id",
}


@pytest.mark.parametrize(("path", "key"), LISTS.items())
def test_lists_show_only_the_callers_organization(
    client: FlaskClient, world: dict, path: str, key: str
) -> None:
    attacker = world["outsider_admin"]
    org_b = attacker.organization
    own_team = TeamFactory(organization=org_b)
    own_module = ModuleFactory(organization=org_b)
    own = {
        "team_id": own_team.id,
        "user_id": attacker.id,
        "module_id": own_module.id,
        "enrollment_id": EnrollmentFactory(user=attacker, module=own_module).id,
    }
    response = client.get(path, headers=auth(attacker))
    listed = {entry["id"] for entry in response.get_json()}
    assert own[key] in listed
    assert world["ids"][key] not in listed


def test_practice_never_reaches_into_another_organization(
    client: FlaskClient, world: dict, clock
) -> None:
    outsider = world["outsider"]
    ids = world["ids"]
    answer = {
        "id": "probe-1",
        "item_id": ids["item_id"],
        "answered_at": clock.now().isoformat(),
        "answer": {"selected": [0]},
    }
    result = client.post("/learn/reviews", json={"reviews": [answer]}, headers=auth(outsider))
    assert result.get_json()["results"][0]["error"] == "item_not_available"
    assert client.get("/learn/practice", headers=auth(outsider)).get_json()["items"] == []
    assert client.get("/learn/progress", headers=auth(outsider)).get_json() == []
    outsider_admin = world["outsider_admin"]
    client.patch(
        "/organization/settings", json={"target_retention": 0.7}, headers=auth(outsider_admin)
    )
    own = client.get("/organization/settings", headers=auth(world["admin"])).get_json()
    assert own["target_retention"] == 0.9


def test_learners_do_not_see_colleagues_assigned_modules(client: FlaskClient, world: dict) -> None:
    colleague = UserFactory(organization=world["admin"].organization)
    module_id = world["ids"]["module_id"]
    assert (
        client.get(f"/learn/modules/{module_id}", headers=auth(world["learner"])).status_code == 200
    )
    response = client.get(f"/learn/modules/{module_id}", headers=auth(colleague))
    assert response.status_code == 404
    assert (
        client.post(f"/learn/modules/{module_id}/enroll", headers=auth(colleague)).status_code
        == 404
    )
