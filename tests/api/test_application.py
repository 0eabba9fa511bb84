"""Try it at work, say how it went, reflect; share with the team without giving anyone away."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ApplicationPrompt, Notification, Reflection
from api.services.planner import plan_reminders
from tests.api.practice_helpers import post_reviews, practice_set, review, studied_module
from tests.conftest import auth
from tests.factories import DeviceFactory, TeamFactory, UserFactory

# 2026-11-02 is a Monday; the clock starts at 09:00 UTC (10:00 in Berlin).


@pytest.fixture
def learner(db: Session):
    return UserFactory(team=TeamFactory(), time_zone="Europe/Berlin")


def finish(client: FlaskClient, learner, module) -> dict:
    client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    [prompt] = client.get("/learn/prompts", headers=auth(learner)).get_json()
    return prompt


def test_finishing_a_module_schedules_try_it_then_follow_up_on_working_days(
    client: FlaskClient, learner, clock
) -> None:
    module, _ = studied_module(learner, completed=False)
    clock.advance(dt.timedelta(days=4))  # Friday
    prompt = finish(client, learner, module)
    assert prompt["status"] == "open" and prompt["prompt"] == "Try it today."
    assert prompt["apply_on"] == "2026-11-09"  # next working day: Monday
    assert prompt["follow_up_on"] == "2026-11-10"
    again = client.post(f"/learn/modules/{module.id}/studied", headers=auth(learner))
    assert again.status_code == 200
    assert len(client.get("/learn/prompts", headers=auth(learner)).get_json()) == 1


def test_the_planner_sends_try_it_then_how_did_it_go(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    DeviceFactory(user=learner, last_seen_at=clock.now())
    module, _ = studied_module(learner, completed=False)
    prompt = finish(client, learner, module)
    plan_reminders(db, now=clock.now())
    [apply] = db.scalars(select(Notification).where(Notification.kind == "apply")).all()
    assert apply.dedupe_key == f"apply:{prompt['apply_on']}"
    assert apply.payload["deep_link"] == f"bitewise://apply/{prompt['id']}"
    assert apply.payload["prompt"] == "Try it today."
    plan_reminders(db, now=clock.now())  # nothing twice
    assert len(db.scalars(select(Notification).where(Notification.kind == "apply")).all()) == 1
    clock.advance(dt.timedelta(days=1, hours=1))
    plan_reminders(db, now=clock.now())
    # "How did it go?" never waits beside "Try this" on the phone: only once it went out.
    assert db.scalars(select(Notification).where(Notification.kind == "follow_up")).all() == []
    apply.status, apply.sent_at = "sent", apply.send_at
    db.flush()
    clock.advance(dt.timedelta(minutes=5))  # the next run after it went out
    plan_reminders(db, now=clock.now())
    [follow_up] = db.scalars(select(Notification).where(Notification.kind == "follow_up")).all()
    assert follow_up.dedupe_key == f"follow_up:{prompt['follow_up_on']}"


def test_not_yet_postpones_twice_then_lets_go(client: FlaskClient, learner, clock) -> None:
    module, _ = studied_module(learner, completed=False)
    prompt = finish(client, learner, module)
    path = f"/learn/prompts/{prompt['id']}/outcome"
    assert client.post(path, json={"outcome": "not_yet"}, headers=auth(learner)).status_code == 422
    days = []
    for _ in range(2):
        clock.advance(dt.timedelta(days=1))
        answered = client.post(
            path, json={"outcome": "not_yet", "reason": "No 1:1 this week"}, headers=auth(learner)
        ).get_json()
        days.append(answered["apply_on"])
        assert answered["status"] == "open"
    assert days == ["2026-11-04", "2026-11-05"]
    last = client.post(
        path, json={"outcome": "not_yet", "reason": "Still no chance"}, headers=auth(learner)
    ).get_json()
    assert last["status"] == "let_go" and last["postponed"] == 3
    closed = client.post(path, json={"outcome": "worked"}, headers=auth(learner))
    assert closed.status_code == 409


def test_a_retried_answer_changes_nothing_and_another_is_refused(
    client: FlaskClient, learner
) -> None:
    module, _ = studied_module(learner, completed=False)
    path = f"/learn/prompts/{finish(client, learner, module)['id']}/outcome"
    body = {"outcome": "worked", "reflection": {"body": "It went well.", "visibility": "team"}}
    first = client.post(path, json=body, headers=auth(learner))
    again = client.post(path, json=body, headers=auth(learner))
    assert first.status_code == again.status_code == 200 and first.get_json() == again.get_json()
    assert client.post(path, json={"outcome": "mixed"}, headers=auth(learner)).status_code == 409
    stranger = UserFactory(organization=learner.organization)
    assert client.post(path, json=body, headers=auth(stranger)).status_code == 404
    mine = client.get("/learn/reflections", headers=auth(learner)).get_json()
    assert [r["body"] for r in mine] == ["It went well."]


def test_an_answered_prompt_drops_its_pending_follow_up(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    module, _ = studied_module(learner, completed=False)
    prompt = finish(client, learner, module)
    client.post(
        f"/learn/prompts/{prompt['id']}/outcome", json={"outcome": "worked"}, headers=auth(learner)
    )
    stored = db.scalar(select(ApplicationPrompt))
    assert stored.status == "answered" and stored.answered_at == clock.now()


def test_a_follow_up_that_went_badly_favours_that_module_in_practice(
    client: FlaskClient, learner, clock
) -> None:
    struggling, hard_items = studied_module(learner, items=2, title="Struggling")
    _, easy_items = studied_module(learner, items=2, title="Fine")
    for items in (hard_items, easy_items):
        post_reviews(client, learner, [review(i, clock.now()) for i in items])
    client.post(f"/learn/modules/{struggling.id}/studied", headers=auth(learner))
    [prompt] = client.get("/learn/prompts", headers=auth(learner)).get_json()
    client.post(
        f"/learn/prompts/{prompt['id']}/outcome", json={"outcome": "mixed"}, headers=auth(learner)
    )
    clock.advance(dt.timedelta(days=3))
    first = practice_set(client, learner, minutes=1)["items"][0]
    assert first["item"]["module_id"] == struggling.id


def test_reflections_are_private_unless_shared(client: FlaskClient, learner, clock) -> None:
    teammate = UserFactory(organization=learner.organization, team=learner.team)
    for visibility in ("private", "team", "anonymous"):
        created = client.post(
            "/learn/reflections",
            json={"body": f"A {visibility} one", "visibility": visibility},
            headers=auth(learner),
        )
        assert created.status_code == 201
    feed = client.get("/team/feed", headers=auth(teammate)).get_json()
    assert [e["body"] for e in feed] == ["A team one"]  # the anonymous one waits for the batch
    clock.advance(dt.timedelta(days=1))
    feed = client.get("/team/feed", headers=auth(teammate)).get_json()
    assert sorted(e["body"] for e in feed) == ["A anonymous one", "A team one"]
    named = next(e for e in feed if e["body"] == "A team one")
    assert named["author"]["id"] == learner.id
    assert all(not e["mine"] for e in feed)
    own_view = client.get("/team/feed", headers=auth(learner)).get_json()
    assert all(e["mine"] for e in own_view)


def test_an_anonymous_post_cannot_be_traced(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    manager = UserFactory(manager=True, organization=learner.organization, team=learner.team)
    admin = UserFactory(admin=True, organization=learner.organization)
    teammates = [
        UserFactory(organization=learner.organization, team=learner.team) for _ in range(3)
    ]
    posts = []
    for n, author in enumerate([learner, *teammates]):
        clock.advance(dt.timedelta(minutes=7))
        posts.append(
            client.post(
                "/learn/reflections",
                json={"body": f"Post {n}", "visibility": "anonymous", "module_id": None},
                headers=auth(author),
            ).get_json()
        )
        # Polling after each post shows nothing: none appears when its author was active.
        assert client.get("/team/feed", headers=auth(admin)).get_json() == []
    clock.advance(dt.timedelta(days=1))
    for viewer in (manager, admin, teammates[0]):
        feed = client.get(f"/team/feed?team_id={learner.team_id}", headers=auth(viewer)).get_json()
        assert len(feed) == 4
        assert all(e["author"] is None and e["module_id"] is None for e in feed)
        assert all(e["shared_on"] == "2026-11-03" for e in feed)  # the batch's day only
        assert all(len(e["id"]) == 32 and not e["id"].isdigit() for e in feed)
    # Ordered by a random key drawn at sharing, not by when (or by whom) it was written.
    feed_ids = [e["id"] for e in client.get("/team/feed", headers=auth(manager)).get_json()]
    keys = dict(db.execute(select(Reflection.public_id, Reflection.sort_key)).all())
    assert feed_ids == sorted(feed_ids, key=keys.__getitem__)
    # Only the author may edit or delete it.
    target = posts[0]["id"]
    assert (
        client.patch(
            f"/learn/reflections/{target}", json={"body": "x"}, headers=auth(manager)
        ).status_code
        == 404
    )
    assert (
        client.delete(f"/learn/reflections/{target}", headers=auth(teammates[0])).status_code == 404
    )
    assert (
        client.patch(
            f"/learn/reflections/{target}", json={"visibility": "private"}, headers=auth(learner)
        ).status_code
        == 200
    )
    assert len(client.get("/team/feed", headers=auth(manager)).get_json()) == 3


def test_other_teams_and_organizations_see_nothing(client: FlaskClient, learner) -> None:
    client.post(
        "/learn/reflections", json={"body": "Ours", "visibility": "team"}, headers=auth(learner)
    )
    other_team = UserFactory(
        organization=learner.organization, team=TeamFactory(organization=learner.organization)
    )
    assert client.get("/team/feed", headers=auth(other_team)).get_json() == []
    probe = client.get(f"/team/feed?team_id={learner.team_id}", headers=auth(other_team)).get_json()
    assert probe == []  # a learner's team_id filter falls back to their own team
    outsider = UserFactory(admin=True)
    assert (
        client.get(f"/team/feed?team_id={learner.team_id}", headers=auth(outsider)).get_json() == []
    )


@pytest.mark.parametrize("via", [[], ["private"], ["private", "team", "private"]])
def test_going_anonymous_after_sharing_by_name_cuts_the_link(
    client: FlaskClient, learner, clock, via
) -> None:
    teammate = UserFactory(organization=learner.organization, team=learner.team)
    named = client.post(
        "/learn/reflections", json={"body": "Oops", "visibility": "team"}, headers=auth(learner)
    ).get_json()
    [seen] = client.get("/team/feed", headers=auth(teammate)).get_json()
    assert seen["id"] == named["id"] and seen["author"]["id"] == learner.id
    seen_ids = {named["id"]}
    current = named["id"]
    for visibility in [*via, "anonymous"]:
        changed = client.patch(
            f"/learn/reflections/{current}", json={"visibility": visibility}, headers=auth(learner)
        ).get_json()
        assert changed["id"] not in seen_ids  # whatever came between
        seen_ids.add(current := changed["id"])
    clock.advance(dt.timedelta(days=1))
    [now] = client.get("/team/feed", headers=auth(teammate)).get_json()
    assert now["id"] == current and now["author"] is None
    assert (
        client.patch(
            f"/learn/reflections/{named['id']}", json={"body": "x"}, headers=auth(learner)
        ).status_code
        == 404
    )


def test_an_anonymous_post_that_gets_a_name_gets_a_new_id(
    client: FlaskClient, learner, clock
) -> None:
    teammate = UserFactory(organization=learner.organization, team=learner.team)
    anonymous = client.post(
        "/learn/reflections", json={"body": "Hm", "visibility": "anonymous"}, headers=auth(learner)
    ).get_json()
    clock.advance(dt.timedelta(days=1))
    [seen] = client.get("/team/feed", headers=auth(teammate)).get_json()
    named = client.patch(
        f"/learn/reflections/{seen['id']}", json={"visibility": "team"}, headers=auth(learner)
    ).get_json()
    assert named["id"] != anonymous["id"]
    [now] = client.get("/team/feed", headers=auth(teammate)).get_json()
    assert now["author"]["id"] == learner.id and now["id"] == named["id"]


def test_posts_are_dated_in_the_organizations_zone_whoever_writes_them(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    learner.organization.time_zone = "Europe/Berlin"
    learner.time_zone = "Europe/Berlin"
    new_yorker = UserFactory(
        organization=learner.organization, team=learner.team, time_zone="America/New_York"
    )
    db.flush()
    clock.advance(dt.timedelta(hours=14, minutes=10))  # 23:10 UTC: tomorrow in Berlin
    for author in (learner, new_yorker):
        client.post(
            "/learn/reflections", json={"body": "Named", "visibility": "team"}, headers=auth(author)
        )
    feed = client.get("/team/feed", headers=auth(learner)).get_json()
    assert [e["shared_on"] for e in feed] == ["2026-11-03", "2026-11-03"]
