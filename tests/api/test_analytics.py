"""Managers and admins see groups, never individuals: weekly, noised, and never below K.

The attacks on these rules are in test_analytics_attacks.py."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from api.models import Enrollment, Role, User
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.api.test_errors import assert_error
from tests.conftest import auth
from tests.factories import EnrollmentFactory, ModuleFactory, TeamFactory, UserFactory

WEEK = dt.timedelta(weeks=1)


@pytest.fixture
def team(db: Session):
    return TeamFactory()


def learners(team, count: int, module=None):
    """Signed-in learners of the team, each enrolled (in ``module``, or one of their own):
    people with data, who count towards K."""
    people = [UserFactory(organization=team.organization, team=team) for _ in range(count)]
    for person in people:
        EnrollmentFactory(
            user=person, module=module or ModuleFactory(organization=person.organization)
        )
    return people


def report(client: FlaskClient, user, query: str = "") -> dict:
    response = client.get(f"/analytics?{query}", headers=auth(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_manager_sees_their_teams_figures_once_the_week_has_ended(
    client: FlaskClient, team, clock
) -> None:
    people = [UserFactory(organization=team.organization, team=team) for _ in range(6)]
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    module, items = studied_module(people[0], items=3)
    for person in people[1:]:
        EnrollmentFactory(user=person, module=module, status="completed")
    for person in people:
        post_reviews(
            client, person, [review(i, clock.now(), right=n != 0) for n, i in enumerate(items)]
        )
    during = report(client, manager, f"module_id={module.id}")
    assert (
        during["withheld"] is True and "no week of this range has been released" in during["reason"]
    )
    clock.advance(WEEK)
    shown = report(client, manager, f"module_id={module.id}")
    assert shown["withheld"] is False and shown["group"]["learners"] == 6
    assert shown["enrollment"] == {"enrollments": 6, "completed": 6}  # exact
    [week] = [w for w in shown["participation"] if w["active_learners"] is not None]
    assert week["week"] == "2026-11-02" and isinstance(week["active_learners"], int)
    assert 0 <= shown["recall"]["in_30_days"] <= 1 and 0 <= shown["recall"]["now"] <= 1
    assert shown["epsilon"] == 1.0 and shown["margins"]["recall"] > 0
    assert {i["item_id"] for i in shown["hard_items"]} <= {i.id for i in items}
    assert all(i["prompt"].startswith("Question") for i in shown["hard_items"])
    text = str(shown)
    assert all(f"'user_id': {p.id}" not in text for p in people)
    # Asked again the next day: the same release, the same noise.
    clock.advance(dt.timedelta(days=1))
    assert report(client, manager, f"module_id={module.id}") == shown


def test_small_groups_are_withheld(client: FlaskClient, team, clock) -> None:
    learners(team, 4)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    clock.advance(WEEK)
    shown = report(client, manager)
    assert shown["withheld"] is True and shown["group"]["learners"] is None
    assert "Fewer than 5" in shown["reason"]
    assert set(shown) == {"group", "withheld", "reason", "epsilon"}


@pytest.mark.parametrize(("enrolled", "withheld"), [(3, True), (5, True), (6, False)])
def test_no_filter_isolates_fewer_than_k(
    client: FlaskClient, team, clock, enrolled, withheld
) -> None:
    # A team of 6: a module taken by 5 leaves one person out, who the team's figures
    # minus the module's would describe. Withheld, like a group of 3.
    people = learners(team, 6)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    module = ModuleFactory(organization=team.organization)
    for person in people[:enrolled]:
        EnrollmentFactory(user=person, module=module)
    clock.advance(WEEK)
    assert report(client, manager, f"module_id={module.id}")["withheld"] is withheld
    assert report(client, manager)["withheld"] is False


def test_the_threshold_is_the_organizations_and_never_below_three(
    client: FlaskClient, team, clock
) -> None:
    learners(team, 3)
    admin = UserFactory(admin=True, organization=team.organization)
    assert (
        client.patch(
            "/organization/settings", json={"min_group_size": 2}, headers=auth(admin)
        ).status_code
        == 422
    )
    client.patch("/organization/settings", json={"min_group_size": 3}, headers=auth(admin))
    clock.advance(WEEK)
    assert not report(client, admin, f"team_id={team.id}")["withheld"]


def test_managers_see_only_their_team_and_learners_nothing(client: FlaskClient, team) -> None:
    learners(team, 5)
    other = TeamFactory(organization=team.organization)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    assert client.get(f"/analytics?team_id={other.id}", headers=auth(manager)).status_code == 404
    assert client.get("/analytics", headers=auth(learners(team, 1)[0])).status_code == 403
    outsider = UserFactory(admin=True)
    assert client.get(f"/analytics?team_id={team.id}", headers=auth(outsider)).status_code == 404
    module, _ = studied_module(learners(team, 1)[0], items=1)
    assert (
        client.get(f"/analytics?module_id={module.id}", headers=auth(outsider)).status_code == 404
    )


@pytest.mark.parametrize(
    "query",
    [
        "until=9999-12-31",  # was a 500: the day after overflowed the calendar
        "since=0001-01-01",  # was a 4 MB answer of 105,000 empty weeks
        "since=2026-11-01&until=2026-10-01",  # was an empty answer, as if nothing happened
    ],
)
def test_a_period_that_makes_no_sense_is_422(client: FlaskClient, team, query) -> None:
    learners(team, 6)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    assert_error(client.get(f"/analytics?{query}", headers=auth(manager)), 422)


def test_a_year_of_weeks_is_the_longest_period(client: FlaskClient, team, clock) -> None:
    learners(team, 6)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    clock.advance(WEEK)
    since = clock.now().date() - dt.timedelta(days=366)
    shown = report(client, manager, f"since={since}")
    assert shown["withheld"] is False and 53 <= len(shown["participation"]) <= 54
    # Weeks before the organization existed, and this week (not ended), show nothing.
    counted = [w for w in shown["participation"] if w["active_learners"] is not None]
    assert [w["week"] for w in counted] == ["2026-11-02"]
    longer = f"/analytics?since={since - dt.timedelta(days=1)}"
    assert_error(client.get(longer, headers=auth(manager)), 422)


def test_an_organization_larger_than_a_statements_parameters(
    client: FlaskClient, db: Session, clock
) -> None:
    """66,000 learners: more than the 65,535 bind parameters PostgreSQL takes in one
    statement. Passing the group as a list of ids made this report a 503 there."""
    admin = UserFactory(admin=True)
    module = ModuleFactory(organization=admin.organization)
    org = admin.organization_id
    ids = db.scalars(
        insert(User).returning(User.id),
        [
            {
                "organization_id": org,
                "email": f"l{n}@big.example",
                "role": Role.LEARNER,
                "invited_at": clock.now(),
                "joined_at": clock.now(),
            }
            for n in range(66_000)
        ],
    ).all()
    db.execute(
        insert(Enrollment),
        [
            {
                "organization_id": org,
                "user_id": i,
                "module_id": module.id,
                "source": "assigned",
                "status": "enrolled",
                "assigned_at": clock.now(),
            }
            for i in ids
        ],
    )
    clock.advance(WEEK)
    shown = report(client, admin)
    assert shown["withheld"] is False and shown["group"]["learners"] == 66_000
    assert shown["enrollment"] == {"enrollments": 66_000, "completed": 0}
