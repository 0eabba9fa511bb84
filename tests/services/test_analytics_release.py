"""A week's release, figure by figure, computed without noise so that every sum can be
checked; the noise itself is tested in tests/scheduler/test_privacy.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import AnalyticsRelease, ApplicationPrompt, Organization
from api.services.analytics_release import (
    ALL,
    ensure_released,
    last_ended_week,
    release_ended_weeks,
)
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.factories import T0, EnrollmentFactory, TeamFactory, UserFactory


def exact(value: float, scale: float) -> float:
    return value


def released(db: Session, org: Organization, team: int, module: int) -> dict:
    return db.scalars(
        select(AnalyticsRelease.figures).where(
            AnalyticsRelease.organization_id == org.id,
            AnalyticsRelease.team_key == team,
            AnalyticsRelease.module_key == module,
        )
    ).one()


@pytest.fixture
def team(db: Session):
    return TeamFactory()


def test_each_cell_counts_its_own_learners_with_data(client, db: Session, team, clock) -> None:
    org = team.organization
    other = TeamFactory(organization=org)
    people = [UserFactory(organization=org, team=team) for _ in range(5)]
    elsewhere = [UserFactory(organization=org, team=other) for _ in range(3)]
    invited = [UserFactory(organization=org, team=team, invited=True) for _ in range(4)]
    UserFactory(organization=org, team=team, manager=True)
    module, items = studied_module(people[0], items=2)
    for person in people[1:] + elsewhere + invited:
        EnrollmentFactory(user=person, module=module)
    for person in people[:4]:  # four practise; one gets everything wrong
        right = person is not people[3]
        post_reviews(client, person, [review(i, clock.now(), right=right) for i in items])
    db.add(
        ApplicationPrompt(
            organization_id=org.id,
            user_id=people[1].id,
            module_id=module.id,
            status="answered",
            apply_on=T0.date(),
            follow_up_on=T0.date(),
            outcome="worked",
            created_at=T0,
            answered_at=T0,
        )
    )
    db.flush()
    now = T0 + dt.timedelta(days=8)
    ensure_released(db, organization=org, weeks=[last_ended_week(now)], now=now, noise=exact)

    mine = released(db, org, team.id, ALL)
    # Invitees who never signed in and the manager hold no data: five, not ten.
    assert mine["learners"] == 5 and mine["withheld"] is False
    assert mine["enrollment"] == {"enrollments": 5, "completed": 1}
    assert mine["active_learners"] == 4
    # Four have practised: fewer than K, so no recall however large the team.
    assert mine["recall"] == {"now": None, "in_30_days": None}
    # One answer is fewer than K learners who answered: not shown, however true.
    assert mine["application"] == {"worked": None, "mixed": None, "not_yet": None}
    # Each item was practised by four learners: fewer than five, so no item is named.
    assert mine["hard_items"] == []
    whole = released(db, org, ALL, ALL)
    assert whole["learners"] == 8 and whole["active_learners"] == 4
    # The other team has three learners with data: withheld, and says why.
    small = released(db, org, other.id, ALL)
    assert small["withheld"] is True and "Fewer than 5" in small["reason"]
    assert set(small) == {"withheld", "reason"}


def test_hard_items_and_outcomes_once_k_learners_have_them(client, db: Session, team, clock):
    org = team.organization
    people = [UserFactory(organization=org, team=team) for _ in range(5)]
    module, items = studied_module(people[0], items=2)
    for person in people[1:]:
        EnrollmentFactory(user=person, module=module)
    for n, person in enumerate(people):
        post_reviews(client, person, [review(items[0], clock.now(), right=False)])
        post_reviews(client, person, [review(items[1], clock.now(), right=n % 2 == 0)])
        db.add(
            ApplicationPrompt(
                organization_id=org.id,
                user_id=person.id,
                module_id=module.id,
                status="answered",
                apply_on=T0.date(),
                follow_up_on=T0.date(),
                outcome="mixed" if n == 0 else "worked",
                created_at=T0,
                answered_at=T0 + dt.timedelta(hours=n),
            )
        )
    db.flush()
    now = T0 + dt.timedelta(days=7)
    ensure_released(db, organization=org, weeks=[last_ended_week(now)], now=now, noise=exact)
    figures = released(db, org, team.id, module.id)
    assert figures["application"] == {"worked": 4, "mixed": 1, "not_yet": 0}
    assert 0 < figures["recall"]["in_30_days"] < figures["recall"]["now"] < 1
    hardest, easier = figures["hard_items"]
    assert hardest["item_id"] == items[0].id and hardest["learners"] == 5
    assert hardest["mean_difficulty"] > easier["mean_difficulty"]


def test_a_week_is_released_once_and_only_after_it_ends(client, db: Session, team, clock):
    org = team.organization
    for _ in range(5):
        EnrollmentFactory(user=UserFactory(organization=org, team=team))
    week = T0.date()
    ensure_released(db, organization=org, weeks=[week], now=T0 + dt.timedelta(days=6))
    assert db.scalar(select(AnalyticsRelease.id)) is None  # the week has not ended
    later = T0 + dt.timedelta(days=7)
    ensure_released(db, organization=org, weeks=[week], now=later)
    first = released(db, org, team.id, ALL)
    ensure_released(db, organization=org, weeks=[week], now=later + dt.timedelta(days=1))
    assert released(db, org, team.id, ALL) == first
    # Weeks before the organization existed are never computed.
    ensure_released(db, organization=org, weeks=[week - dt.timedelta(weeks=4)], now=later)
    assert {r for r in db.scalars(select(AnalyticsRelease.week))} == {week}


def test_the_worker_releases_last_week_for_every_organization_once(db: Session, team) -> None:
    org = team.organization
    for _ in range(5):
        EnrollmentFactory(user=UserFactory(organization=org, team=team))
    newcomer = TeamFactory().organization  # created T0 too
    now = T0 + dt.timedelta(days=7, minutes=5)
    assert release_ended_weeks(db, now=now) >= 2
    assert released(db, org, team.id, ALL)["learners"] == 5
    assert released(db, newcomer, ALL, ALL)["withheld"] is True
    assert release_ended_weeks(db, now=now + dt.timedelta(hours=1)) == 0
