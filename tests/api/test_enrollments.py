"""Admins assign modules to people and teams, including people who join a team later."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.dev_tokens import emulator_id_token
from tests.conftest import PROJECT_ID, auth
from tests.factories import ModuleFactory, TeamFactory, UserFactory


@pytest.fixture
def admin(db: Session):
    return UserFactory(admin=True)


@pytest.fixture
def team(admin):
    return TeamFactory(organization=admin.organization, join_code="TEAM2345")


def test_assign_to_a_person(client: FlaskClient, admin) -> None:
    learner = UserFactory(organization=admin.organization)
    module = ModuleFactory(organization=admin.organization)
    due = "2026-12-01T17:00:00+01:00"
    response = client.post(
        "/enrollments",
        json={"module_id": module.id, "user_id": learner.id, "due_at": due},
        headers=auth(admin),
    )
    assert response.status_code == 201
    [enrollment] = response.get_json()
    assert enrollment["user_id"] == learner.id and enrollment["source"] == "assigned"
    assert enrollment["due_at"] == "2026-12-01T16:00:00Z"  # stored and returned in UTC
    again = client.post(
        "/enrollments", json={"module_id": module.id, "user_id": learner.id}, headers=auth(admin)
    )
    assert again.get_json()[0]["id"] == enrollment["id"]


def test_assign_to_a_team_reaches_later_joiners(client: FlaskClient, admin, team) -> None:
    members = [UserFactory(organization=admin.organization, team=team) for _ in range(2)]
    outsider = UserFactory(organization=admin.organization)
    module = ModuleFactory(organization=admin.organization)
    response = client.post(
        "/enrollments", json={"module_id": module.id, "team_id": team.id}, headers=auth(admin)
    )
    assert sorted(e["user_id"] for e in response.get_json()) == sorted(m.id for m in members)

    token = emulator_id_token(project_id=PROJECT_ID, uid="late", email="late@corp.example")
    joined = client.post(
        "/join", json={"join_code": "TEAM2345"}, headers={"Authorization": f"Bearer {token}"}
    )
    late_id = joined.get_json()["id"]
    moved = client.patch(f"/users/{outsider.id}", json={"team_id": team.id}, headers=auth(admin))
    assert moved.status_code == 200
    listed = client.get(f"/enrollments?module_id={module.id}", headers=auth(admin)).get_json()
    assert sorted(e["user_id"] for e in listed) == sorted(
        [m.id for m in members] + [late_id, outsider.id]
    )
    by_team = client.get(f"/enrollments?team_id={team.id}&page_size=2", headers=auth(admin))
    assert len(by_team.get_json()) == 2
    assert json.loads(by_team.headers["X-Pagination"])["total"] == 4


def test_only_published_modules_can_be_assigned(client: FlaskClient, admin) -> None:
    draft = ModuleFactory(organization=admin.organization, draft=True)
    response = client.post(
        "/enrollments", json={"module_id": draft.id, "user_id": admin.id}, headers=auth(admin)
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "module_not_published"


@pytest.mark.parametrize(
    "body",
    [
        {"module_id": 1},
        {"module_id": 1, "user_id": 1, "team_id": 1},
        {"module_id": 1, "user_id": 1, "due_at": "2026-12-01T17:00:00"},
    ],
)
def test_assign_validates_its_target(client: FlaskClient, admin, body: dict) -> None:
    response = client.post("/enrollments", json=body, headers=auth(admin))
    assert response.status_code == 422


def test_due_date_in_the_past_is_refused(client: FlaskClient, admin, clock) -> None:
    module = ModuleFactory(organization=admin.organization)
    past = (clock.now() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        "/enrollments",
        json={"module_id": module.id, "user_id": admin.id, "due_at": past},
        headers=auth(admin),
    )
    assert response.status_code == 422


def test_invite_then_manage_members(client: FlaskClient, admin, team) -> None:
    invited = client.post(
        "/users",
        json={"email": "Nia@Corp.example", "role": "manager", "team_id": team.id},
        headers=auth(admin),
    )
    assert invited.status_code == 201
    assert invited.get_json()["email"] == "nia@corp.example"
    assert invited.get_json()["joined_at"] is None
    duplicate = client.post("/users", json={"email": "nia@corp.example"}, headers=auth(admin))
    assert duplicate.status_code == 409
    managers = client.get("/users?role=manager", headers=auth(admin)).get_json()
    assert [u["email"] for u in managers] == ["nia@corp.example"]
    demote_self = client.patch(f"/users/{admin.id}", json={"role": "learner"}, headers=auth(admin))
    assert demote_self.status_code == 422


def test_teams_are_managed_by_admins(client: FlaskClient, admin, team) -> None:
    created = client.post("/teams", json={"name": "Support"}, headers=auth(admin))
    assert created.status_code == 201 and len(created.get_json()["join_code"]) == 8
    clash = client.post("/teams", json={"name": "Support"}, headers=auth(admin))
    assert clash.status_code == 409
    old_code = team.join_code
    rotated = client.patch(
        f"/teams/{team.id}", json={"regenerate_join_code": True}, headers=auth(admin)
    )
    assert rotated.get_json()["join_code"] != old_code
    member = UserFactory(organization=admin.organization, team=team)
    assert [t["id"] for t in client.get("/teams", headers=auth(member)).get_json()] == [team.id]
