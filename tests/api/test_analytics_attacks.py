"""A curious admin tries to read one learner's figures out of the analytics. Every attack
here worked before weekly releases, people-with-data counting and noise; each must fail.

The attacker is an admin of the organization (or a manager they appointed) with the
API only. The target X is a learner with data; their colleagues have data too.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.models import MemoryState, User
from api.services.analytics_release import ensure_released, last_ended_week
from scheduler.memory import MemoryModel
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.conftest import auth
from tests.factories import (
    EnrollmentFactory,
    ModuleFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
)
from tests.services.test_analytics_release import exact

WEEK = dt.timedelta(weeks=1)


def ask(client: FlaskClient, who, query: str = "") -> dict:
    response = client.get(f"/analytics?{query}", headers=auth(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def practised(client: FlaskClient, person, module, items, clock, *, right: bool) -> None:
    EnrollmentFactory(user=person, module=module)
    post_reviews(client, person, [review(i, clock.now(), right=right) for i in items])


def team_members(org, team) -> list[User]:
    session = UserFactory._meta.sqlalchemy_session
    return list(session.query(User).filter_by(organization_id=org.id, team_id=team.id))


@pytest.fixture
def org(db: Session):
    return OrganizationFactory()


@pytest.fixture
def scene(client: FlaskClient, org, clock):
    """A team of five colleagues with data, X (with data) in it too, an admin, a module."""
    team = TeamFactory(organization=org)
    admin = UserFactory(admin=True, organization=org)
    x = UserFactory(organization=org, team=team)
    module, items = studied_module(x, items=2)
    post_reviews(client, x, [review(i, clock.now(), right=False) for i in items])
    colleagues = [UserFactory(organization=org, team=team) for _ in range(5)]
    for person in colleagues:
        practised(client, person, module, items, clock, right=True)
    clock.advance(WEEK)
    return {"team": team, "admin": admin, "x": x, "module": module, "items": items}


def test_padding_with_invitees(client: FlaskClient, org, clock) -> None:
    admin = UserFactory(admin=True, organization=org)
    x = UserFactory(organization=org)
    studied_module(x, items=1)
    team = client.post("/teams", json={"name": "Decoys"}, headers=auth(admin)).get_json()
    for n in range(4):
        made_up = {"email": f"nobody{n}@example.com", "team_id": team["id"]}
        assert client.post("/users", json=made_up, headers=auth(admin)).status_code == 201
    client.patch(f"/users/{x.id}", json={"team_id": team["id"]}, headers=auth(admin))
    clock.advance(WEEK)
    shown = ask(client, admin, f"team_id={team['id']}")
    assert shown["withheld"] is True and "Fewer than 5 learners with data" in shown["reason"]


def test_role_flip_between_two_calls(client: FlaskClient, scene) -> None:
    admin, team, x = scene["admin"], scene["team"], scene["x"]
    before = ask(client, admin, f"team_id={team.id}")
    assert before["withheld"] is False
    client.patch(f"/users/{x.id}", json={"role": "manager"}, headers=auth(admin))
    assert ask(client, admin, f"team_id={team.id}") == before
    assert (
        ask(client, admin, f"team_id={team.id}&module_id={scene['module'].id}")["group"]["learners"]
        == before["group"]["learners"]
    )


def test_team_move_out_and_in(client: FlaskClient, scene, org) -> None:
    admin, team, x = scene["admin"], scene["team"], scene["x"]
    before = ask(client, admin, f"team_id={team.id}")
    whole = ask(client, admin)
    elsewhere = client.post("/teams", json={"name": "Elsewhere"}, headers=auth(admin)).get_json()
    client.patch(f"/users/{x.id}", json={"team_id": elsewhere["id"]}, headers=auth(admin))
    assert ask(client, admin, f"team_id={team.id}") == before
    assert ask(client, admin) == whole
    # The team X moved to did not exist at the release: it has no figures this week.
    assert ask(client, admin, f"team_id={elsewhere['id']}")["withheld"] is True
    client.patch(f"/users/{x.id}", json={"team_id": team.id}, headers=auth(admin))
    assert ask(client, admin, f"team_id={team.id}") == before


def test_erasure_between_two_calls(client: FlaskClient, scene) -> None:
    admin, team, x = scene["admin"], scene["team"], scene["x"]
    before = ask(client, admin, f"team_id={team.id}")
    erased = client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(x))
    assert erased.status_code == 204
    assert ask(client, admin, f"team_id={team.id}") == before


def test_overlapping_windows(client: FlaskClient, scene, clock) -> None:
    admin, team = scene["admin"], scene["team"]
    clock.advance(WEEK)
    monday = "2026-11-02"
    whole = ask(client, admin, f"team_id={team.id}&since={monday}&until=2026-11-15")
    # Windows cut mid-week are widened to whole weeks: no day-sized difference to read.
    for since, until in [("2026-11-03", "2026-11-15"), ("2026-11-08", "2026-11-10")]:
        part = ask(client, admin, f"team_id={team.id}&since={since}&until={until}")
        shared = {w["week"]: w for w in part["participation"]}
        for week in whole["participation"]:
            if week["week"] in shared:
                assert shared[week["week"]] == week


def test_module_filter_that_leaves_out_one(client: FlaskClient, scene, org, clock) -> None:
    admin, team, x = scene["admin"], scene["team"], scene["x"]
    # A second module taken by everyone but X: the team minus it would be X alone.
    module = ModuleFactory(organization=org)
    for person in [u for u in team_members(org, team) if u is not x]:
        EnrollmentFactory(user=person, module=module)
    clock.advance(WEEK)
    assert ask(client, admin, f"team_id={team.id}&module_id={module.id}")["withheld"] is True


def test_admin_acting_as_manager_of_a_team_of_one(client: FlaskClient, org, clock) -> None:
    admin = UserFactory(admin=True, organization=org)
    x = UserFactory(organization=org)
    studied_module(x, items=1)
    team = client.post("/teams", json={"name": "Just X"}, headers=auth(admin)).get_json()
    client.patch(f"/users/{x.id}", json={"team_id": team["id"]}, headers=auth(admin))
    sidekick = UserFactory(organization=org)
    client.patch(
        f"/users/{sidekick.id}",
        json={"role": "manager", "team_id": team["id"]},
        headers=auth(admin),
    )
    clock.advance(WEEK)
    assert ask(client, sidekick)["withheld"] is True


def test_people_in_no_team_and_padding_with_colleagues_who_have_data(
    client: FlaskClient, db: Session, clock
) -> None:
    """The strongest attacker: they know every colleague's exact recall, and the
    organization is one team of four colleagues plus X, who is in no team (organization
    minus team = X), in 20 organizations. Without noise each estimate is exact (the first
    organization, released without noise, shows it); with noise, one in twenty lands
    within 0.05 by chance."""
    targets = []
    for _ in range(21):
        org = OrganizationFactory()
        admin = UserFactory(admin=True, organization=org)
        team = TeamFactory(organization=org)
        x = UserFactory(organization=org)
        module, items = studied_module(x, items=1)
        post_reviews(client, x, [review(items[0], clock.now(), right=False)])
        for _ in range(4):
            colleague = UserFactory(organization=org, team=team)
            practised(client, colleague, module, items, clock, right=True)
        org.min_group_size = 4
        targets.append((admin, team, x))
    db.flush()
    clock.advance(WEEK)
    model = MemoryModel(desired_retention=0.9)

    def true_recall(user) -> float:
        states = db.query(MemoryState).filter_by(user_id=user.id).all()
        return sum(model.recall_since(s.stability, s.last_review_at, clock.now()) for s in states)

    def error(admin, team, x) -> float:
        whole = ask(client, admin)["recall"]["now"]
        assert ask(client, admin, f"team_id={team.id}")["withheld"] is False
        known = sum(true_recall(u) for u in team_members(admin.organization, team))
        return abs(whole * 5 - known - true_recall(x))  # five learners in the whole

    admin, team, x = targets.pop()
    week = last_ended_week(clock.now())
    ensure_released(db, organization=admin.organization, weeks=[week], now=clock.now(), noise=exact)
    assert error(admin, team, x) < 0.01
    close = sum(error(*target) < 0.05 for target in targets)
    assert close <= 7, f"{close} of 20 estimates within 0.05 of the truth"
