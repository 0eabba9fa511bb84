"""Managers and admins see groups, never individuals; small groups are withheld."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from api.models import Role, User
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.api.test_errors import assert_error
from tests.conftest import auth
from tests.factories import EnrollmentFactory, TeamFactory, UserFactory


@pytest.fixture
def team(db: Session):
    return TeamFactory()


def learners(team, count: int):
    return [UserFactory(organization=team.organization, team=team) for _ in range(count)]


def test_a_manager_sees_their_teams_aggregates(client: FlaskClient, team, clock) -> None:
    people = learners(team, 6)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    module, items = studied_module(people[0], items=3)
    for person in people[1:]:
        EnrollmentFactory(user=person, module=module, status="completed")
    for person in people:
        post_reviews(
            client, person, [review(i, clock.now(), right=n != 0) for n, i in enumerate(items)]
        )
    clock.advance(dt.timedelta(days=2))
    report = client.get(f"/analytics?module_id={module.id}", headers=auth(manager)).get_json()
    assert report["withheld"] is False and report["group"]["learners"] == 6
    assert report["enrollment"] == {"enrollments": 6, "completed": 6}
    assert sum(w["active_learners"] for w in report["participation"]) == 6
    assert 0 < report["recall"]["in_30_days"] < report["recall"]["now"] < 1
    # Everyone got the first item wrong at first sight: not a lapse (nothing was learned
    # yet), but FSRS rates it the hardest.
    hardest, *others = report["hard_items"]
    assert hardest["item_id"] == items[0].id and hardest["learners"] == 6
    assert all(hardest["mean_difficulty"] > o["mean_difficulty"] for o in others) and others
    text = str(report)
    assert all(f"'user_id': {p.id}" not in text for p in people)


def test_small_groups_are_withheld(client: FlaskClient, team) -> None:
    learners(team, 4)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    report = client.get("/analytics", headers=auth(manager)).get_json()
    assert report["withheld"] is True and report["group"]["learners"] is None
    assert "Fewer than 5" in report["reason"]
    assert set(report) == {"group", "withheld", "reason"}


@pytest.mark.parametrize(("enrolled", "withheld"), [(3, True), (5, True), (6, False)])
def test_no_filter_isolates_fewer_than_k(client: FlaskClient, team, enrolled, withheld) -> None:
    # A team of 6: a module taken by 5 leaves one person out, who the team's figures
    # minus the module's would describe. Withheld, like a group of 3.
    people = learners(team, 6)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    module, _ = studied_module(people[0], items=1)
    for person in people[1:enrolled]:
        EnrollmentFactory(user=person, module=module)
    report = client.get(f"/analytics?module_id={module.id}", headers=auth(manager)).get_json()
    assert report["withheld"] is withheld
    assert client.get("/analytics", headers=auth(manager)).get_json()["withheld"] is False


def test_the_threshold_is_the_organizations_and_never_below_three(
    client: FlaskClient, team
) -> None:
    learners(team, 3)
    admin = UserFactory(admin=True, organization=team.organization)
    assert client.get(f"/analytics?team_id={team.id}", headers=auth(admin)).get_json()["withheld"]
    assert (
        client.patch(
            "/organization/settings", json={"min_group_size": 2}, headers=auth(admin)
        ).status_code
        == 422
    )
    client.patch("/organization/settings", json={"min_group_size": 3}, headers=auth(admin))
    assert not client.get(f"/analytics?team_id={team.id}", headers=auth(admin)).get_json()[
        "withheld"
    ]


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


def test_erased_learners_do_not_count_towards_k(client: FlaskClient, team) -> None:
    people = learners(team, 5)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    assert client.get("/analytics", headers=auth(manager)).get_json()["withheld"] is False
    client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(people[0]))
    assert client.get("/analytics", headers=auth(manager)).get_json()["withheld"] is True


def test_each_figure_rests_on_at_least_k_learners(client: FlaskClient, team, clock) -> None:
    people = learners(team, 6)
    manager = UserFactory(manager=True, organization=team.organization, team=team)
    module, items = studied_module(people[0], items=2, completed=False)
    for person in people[1:]:
        EnrollmentFactory(user=person, module=module)
    for person in people[:2]:  # only two practise, one tries it at work
        post_reviews(client, person, [review(i, clock.now()) for i in items])
    client.post(f"/learn/modules/{module.id}/studied", headers=auth(people[0]))
    [prompt] = client.get("/learn/prompts", headers=auth(people[0])).get_json()
    client.post(
        f"/learn/prompts/{prompt['id']}/outcome", json={"outcome": "mixed"}, headers=auth(people[0])
    )
    report = client.get(f"/analytics?module_id={module.id}", headers=auth(manager)).get_json()
    assert report["withheld"] is False and report["group"]["learners"] == 6
    assert report["recall"] == {"now": None, "in_30_days": None}
    assert report["application"] == {"worked": None, "mixed": None, "not_yet": None}
    assert report["hard_items"] == []


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
    since = clock.now().date() - dt.timedelta(days=366)
    report = client.get(f"/analytics?since={since}", headers=auth(manager)).get_json()
    assert report["withheld"] is False and 53 <= len(report["participation"]) <= 54
    longer = f"/analytics?since={since - dt.timedelta(days=1)}"
    assert_error(client.get(longer, headers=auth(manager)), 422)


def test_an_organization_larger_than_a_statements_parameters(
    client: FlaskClient, db: Session, clock
) -> None:
    """66,000 learners: more than the 65,535 bind parameters PostgreSQL takes in one
    statement. Passing the group as a list of ids made this report a 503 there."""
    admin = UserFactory(admin=True)
    db.execute(
        insert(User),
        [
            {
                "organization_id": admin.organization_id,
                "email": f"l{n}@big.example",
                "role": Role.LEARNER,
                "invited_at": clock.now(),
            }
            for n in range(66_000)
        ],
    )
    report = client.get("/analytics", headers=auth(admin)).get_json()
    assert report["withheld"] is False and report["group"]["learners"] == 66_000
    assert report["enrollment"] == {"enrollments": 0, "completed": 0}
