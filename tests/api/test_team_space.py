"""Questions to the team, answers, useful answers becoming practice, and moderation."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ModerationAction, TeamQuestion
from tests.api.practice_helpers import practice_set, studied_module
from tests.conftest import auth
from tests.factories import TeamFactory, UserFactory


@pytest.fixture
def team(db: Session) -> dict:
    home = TeamFactory()
    org = home.organization
    other = TeamFactory(organization=org)
    return {
        "asker": UserFactory(organization=org, team=home),
        "mate": UserFactory(organization=org, team=home),
        "manager": UserFactory(manager=True, organization=org, team=home),
        "admin": UserFactory(admin=True, organization=org),
        "other_manager": UserFactory(manager=True, organization=org, team=other),
        "other_learner": UserFactory(organization=org, team=other),
    }


def ask(client: FlaskClient, user, body: str = "How do I say no to my lead?", **extra) -> dict:
    response = client.post("/team/questions", json={"body": body, **extra}, headers=auth(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client: FlaskClient, user, question_id: str, body: str = "Offer a trade-off.") -> dict:
    response = client.post(
        f"/team/questions/{question_id}/answers", json={"body": body}, headers=auth(user)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def next_batch(clock) -> None:
    """Anonymous posts enter the feed in the organization's batch at its next midnight."""
    clock.advance(dt.timedelta(days=1))


def feed(client: FlaskClient, user, **query) -> list[dict]:
    response = client.get("/team/feed", query_string=query, headers=auth(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_anonymous_question_is_answered_without_anyone_learning_who_asked(
    client: FlaskClient, team: dict, clock
) -> None:
    asked = ask(client, team["asker"], anonymous=True)
    assert asked["author"] is None and asked["mine"] is True and asked["answers"] == []
    next_batch(clock)
    reply(client, team["mate"], asked["id"], "Say what you would drop to make room.")
    reply(client, team["manager"], asked["id"], "Bring it to me; that is my job.")
    for viewer in ("mate", "manager", "admin"):
        seen = client.get(f"/team/questions/{asked['id']}", headers=auth(team[viewer]))
        assert seen.status_code == 200
        question = seen.get_json()
        assert question["author"] is None and question["mine"] is False
        assert question["asked_on"] == "2026-11-03"  # the batch's day, never the time
        assert [a["author"]["id"] for a in question["answers"]] == [
            team["mate"].id,
            team["manager"].id,
        ]
        [entry] = feed(client, team[viewer], team_id=team["asker"].team_id)
        assert entry["kind"] == "question" and entry["author"] is None
        assert entry["answers"] == 2 and entry["shared_on"] == "2026-11-03"
    [own] = feed(client, team["asker"])
    assert own["mine"] is True


def test_a_named_question_shows_its_author(client: FlaskClient, team: dict) -> None:
    asked = ask(client, team["asker"])
    [entry] = feed(client, team["mate"])
    assert entry["author"] == {
        "id": team["asker"].id,
        "display_name": team["asker"].display_name,
    }
    assert client.get(f"/team/questions/{asked['id']}", headers=auth(team["mate"])).get_json()[
        "author"
    ]["id"] == (team["asker"].id)


def test_questions_and_reflections_share_the_feed_in_random_order_within_a_day(
    client: FlaskClient, team: dict, clock, db: Session
) -> None:
    for n in range(4):
        clock.advance(dt.timedelta(minutes=3))
        ask(client, team["mate"], f"Question {n}", anonymous=True)
    client.post(
        "/learn/reflections",
        json={"body": "Shared", "visibility": "anonymous"},
        headers=auth(team["asker"]),
    )
    next_batch(clock)
    entries = feed(client, team["manager"])
    assert sorted(e["kind"] for e in entries) == ["question"] * 4 + ["reflection"]
    questions = [e["id"] for e in entries if e["kind"] == "question"]
    keys = dict(db.execute(select(TeamQuestion.public_id, TeamQuestion.sort_key)).all())
    assert questions == sorted(questions, key=keys.__getitem__)  # not the asking order
    page = client.get("/team/feed?page=2&page_size=2", headers=auth(team["manager"]))
    assert [e["id"] for e in page.get_json()] == [e["id"] for e in entries[2:4]]
    assert page.headers["X-Pagination"] and '"total": 5' in page.headers["X-Pagination"]


def test_other_teams_and_organizations_cannot_read_or_answer(
    client: FlaskClient, team: dict, clock
) -> None:
    asked = ask(client, team["asker"], anonymous=True)
    next_batch(clock)
    outsider = UserFactory(admin=True)
    for probe in (team["other_learner"], team["other_manager"], outsider):
        path = f"/team/questions/{asked['id']}"
        assert client.get(path, headers=auth(probe)).status_code == 404
        answered = client.post(f"{path}/answers", json={"body": "Spam"}, headers=auth(probe))
        assert answered.status_code == 404
        assert feed(client, probe, team_id=team["asker"].team_id) == [] or probe is outsider
    assert feed(client, outsider, team_id=team["asker"].team_id) == []
    question = client.get(f"/team/questions/{asked['id']}", headers=auth(team["mate"])).get_json()
    assert question["answers"] == []


def test_only_the_asker_takes_a_question_down(client: FlaskClient, team: dict, clock) -> None:
    asked = ask(client, team["asker"], anonymous=True)
    next_batch(clock)
    reply(client, team["mate"], asked["id"])
    path = f"/team/questions/{asked['id']}"
    for other in ("mate", "manager", "admin"):
        assert client.delete(path, headers=auth(team[other])).status_code == 404
    assert client.delete(path, headers=auth(team["asker"])).status_code == 204
    assert client.get(path, headers=auth(team["mate"])).status_code == 404
    assert feed(client, team["mate"]) == []


def test_asking_without_a_team_is_refused(client: FlaskClient, team: dict) -> None:
    loner = UserFactory(organization=team["asker"].organization)
    response = client.post("/team/questions", json={"body": "Anyone?"}, headers=auth(loner))
    assert response.status_code == 422 and response.get_json()["error"] == "no_team"


def test_the_teams_manager_marks_an_answer_useful(client: FlaskClient, team: dict) -> None:
    asked = ask(client, team["asker"])
    answer = reply(client, team["mate"], asked["id"])
    path = f"/team/answers/{answer['id']}/useful"
    assert client.post(path, headers=auth(team["mate"])).status_code == 403
    assert client.post(path, headers=auth(team["other_manager"])).status_code == 404
    first = client.post(path, headers=auth(team["manager"]))
    assert first.status_code == 200 and first.get_json()["useful"] is True
    assert client.post(path, headers=auth(team["manager"])).get_json() == first.get_json()
    [seen] = client.get(f"/team/questions/{asked['id']}", headers=auth(team["asker"])).get_json()[
        "answers"
    ]
    assert seen["useful"] is True


def test_an_admin_turns_a_useful_answer_into_practice_for_everyone(
    client: FlaskClient, team: dict, clock
) -> None:
    module, [existing] = studied_module(team["mate"], items=1)
    lesson_id = existing.lesson_id
    asked = ask(client, team["asker"], "How do I start feedback with a senior?", anonymous=True)
    next_batch(clock)
    answer = reply(client, team["manager"], asked["id"], "Ask permission first.")
    path = f"/team/answers/{answer['id']}/item"
    refused = client.post(path, json={"lesson_id": lesson_id}, headers=auth(team["admin"]))
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_marked_useful"
    client.post(f"/team/answers/{answer['id']}/useful", headers=auth(team["manager"]))
    assert (
        client.post(path, json={"lesson_id": lesson_id}, headers=auth(team["manager"])).status_code
        == 403
    )
    made = client.post(path, json={"lesson_id": lesson_id}, headers=auth(team["admin"]))
    assert made.status_code == 201, made.get_json()
    item = made.get_json()
    assert item["kind"] == "free_recall"
    assert item["prompt"] == "How do I start feedback with a senior?"
    assert item["answer"] == {"model_answer": "Ask permission first."}
    again = client.post(path, json={"lesson_id": lesson_id}, headers=auth(team["admin"]))
    assert again.status_code == 200 and again.get_json()["id"] == item["id"]
    versions = client.get(f"/modules/{module.id}/versions", headers=auth(team["admin"])).get_json()
    assert [v["version"] for v in versions][:1] == [2]
    question = client.get(f"/team/questions/{asked['id']}", headers=auth(team["mate"])).get_json()
    assert question["answers"][0]["item_id"] == item["id"]
    # Everyone enrolled meets it as a new item.
    clock.advance(dt.timedelta(hours=1))
    offered = practice_set(client, team["mate"])
    assert item["id"] in {e["item"]["id"] for e in offered["items"]}


def test_moderators_hide_and_restore_posts_and_every_act_is_logged(
    client: FlaskClient, team: dict, db: Session, clock
) -> None:
    asked = ask(client, team["asker"], anonymous=True)
    next_batch(clock)
    answer = reply(client, team["mate"], asked["id"], "It was Tom again.")
    shared = client.post(
        "/learn/reflections",
        json={"body": "Rant", "visibility": "anonymous"},
        headers=auth(team["asker"]),
    ).get_json()
    next_batch(clock)
    reason = {"reason": "Names a colleague."}

    def hide(post_id: str, who: str):
        return client.post(f"/team/posts/{post_id}/hide", json=reason, headers=auth(team[who]))

    assert hide(answer["id"], "mate").status_code == 403
    assert hide(answer["id"], "other_manager").status_code == 404
    assert hide(answer["id"], "manager").status_code == 200
    assert hide(answer["id"], "manager").status_code == 200  # a retry logs nothing more
    question = client.get(f"/team/questions/{asked['id']}", headers=auth(team["mate"])).get_json()
    assert question["answers"] == []
    assert [e["answers"] for e in feed(client, team["mate"]) if e["kind"] == "question"] == [0]

    assert hide(shared["id"], "admin").status_code == 200
    assert [e["kind"] for e in feed(client, team["mate"])] == ["question"]
    [mine] = client.get("/learn/reflections", headers=auth(team["asker"])).get_json()
    assert mine["hidden"] is True  # the author learns why it vanished

    assert hide(asked["id"], "manager").status_code == 200
    assert feed(client, team["mate"]) == []
    assert client.get(f"/team/questions/{asked['id']}", headers=auth(team["mate"])).status_code == (
        404
    )

    restored = client.post(
        f"/team/posts/{shared['id']}/restore",
        json={"reason": "Reworded."},
        headers=auth(team["manager"]),
    )
    assert restored.status_code == 200 and restored.get_json()["action"] == "restore"
    assert [e["kind"] for e in feed(client, team["mate"])] == ["reflection"]
    never_hidden = client.post(
        f"/team/posts/{answer['id']}/restore", json=reason, headers=auth(team["other_manager"])
    )
    assert never_hidden.status_code == 404

    log = client.get("/team/moderation", headers=auth(team["manager"]))
    assert log.status_code == 200
    entries = log.get_json()
    assert [(e["post_kind"], e["action"]) for e in entries] == [
        ("reflection", "restore"),
        ("question", "hide"),
        ("reflection", "hide"),
        ("answer", "hide"),
    ]
    assert entries[-1]["moderator"]["id"] == team["manager"].id
    assert (
        entries[-1]["reason"] == "Names a colleague." and entries[-1]["body"] == "It was Tom again."
    )
    # The log never names whoever wrote an anonymous post.
    assert {key for e in entries for key in e} == {
        *("id", "team_id", "post_id", "post_kind", "action", "reason", "moderator"),
        *("created_at", "body"),
    }
    assert db.scalar(select(ModerationAction).where(ModerationAction.post_id == answer["id"]))
    assert client.get("/team/moderation", headers=auth(team["mate"])).status_code == 403
    assert client.get("/team/moderation", headers=auth(team["other_manager"])).get_json() == []
    assert len(client.get("/team/moderation", headers=auth(team["admin"])).get_json()) == 4


def test_a_hidden_answer_cannot_become_an_item(client: FlaskClient, team: dict) -> None:
    _, [existing] = studied_module(team["mate"], items=1)
    asked = ask(client, team["asker"])
    answer = reply(client, team["mate"], asked["id"])
    client.post(f"/team/answers/{answer['id']}/useful", headers=auth(team["manager"]))
    client.post(
        f"/team/posts/{answer['id']}/hide", json={"reason": "Wrong."}, headers=auth(team["admin"])
    )
    made = client.post(
        f"/team/answers/{answer['id']}/item",
        json={"lesson_id": existing.lesson_id},
        headers=auth(team["admin"]),
    )
    assert made.status_code == 404


def test_erasing_a_learner_takes_their_named_posts_and_leaves_anonymous_ones_to_nobody(
    client: FlaskClient, team: dict, clock
) -> None:
    anonymous = ask(client, team["asker"], "Is it fine to say I am lost?", anonymous=True)
    named = ask(client, team["asker"], "Who has the deploy checklist?")
    next_batch(clock)
    reply(client, team["mate"], anonymous["id"])
    other = ask(client, team["mate"])
    reply(client, team["asker"], other["id"], "Mine, to go.")
    exported = client.get("/me/export", headers=auth(team["asker"])).get_json()
    assert {q["body"] for q in exported["team_questions"]} == {anonymous["body"], named["body"]}
    assert [a["body"] for a in exported["team_answers"]] == ["Mine, to go."]
    before = {e["id"] for e in feed(client, team["mate"])}
    erased = client.post(
        "/me/erase", json={"confirm": "delete my data"}, headers=auth(team["asker"])
    )
    assert erased.status_code == 204, erased.get_json()
    after = {e["id"]: e for e in feed(client, team["mate"])}
    # The anonymous question does not vanish the moment its author leaves the member list
    # (that would pair them); it stays, tied to nobody, with the answers others gave.
    assert set(after) == before - {named["id"]}
    assert after[anonymous["id"]]["author"] is None and after[anonymous["id"]]["answers"] == 1
    assert after[other["id"]]["answers"] == 0
    stored = client.get(f"/team/questions/{anonymous['id']}", headers=auth(team["mate"]))
    assert stored.get_json()["mine"] is False


def test_what_an_erasure_leaves_of_a_persons_words(client: FlaskClient, team: dict) -> None:
    """Decided: the answer goes, and with it its text in the moderation log; the
    moderator's own reason stays (their words), and an item an admin made from a useful
    answer stays (organization content, which the admin could reword)."""
    module, [existing] = studied_module(team["mate"], items=1)
    asked = ask(client, team["mate"])
    useful = reply(client, team["asker"], asked["id"], "Ask what they noticed first.")
    rude = reply(client, team["asker"], asked["id"], "Tom never listens.")
    client.post(f"/team/answers/{useful['id']}/useful", headers=auth(team["manager"]))
    made = client.post(
        f"/team/answers/{useful['id']}/item",
        json={"lesson_id": existing.lesson_id},
        headers=auth(team["admin"]),
    ).get_json()
    client.post(
        f"/team/posts/{rude['id']}/hide",
        json={"reason": "Names a colleague."},
        headers=auth(team["manager"]),
    )
    client.post("/me/erase", json={"confirm": "delete my data"}, headers=auth(team["asker"]))
    page = client.get(f"/team/questions/{asked['id']}", headers=auth(team["mate"])).get_json()
    assert page["answers"] == []
    [logged] = client.get("/team/moderation", headers=auth(team["manager"])).get_json()
    assert logged["body"] is None and logged["reason"] == "Names a colleague."
    item = client.get(f"/modules/{module.id}", headers=auth(team["admin"])).get_json()
    prompts = [i for lesson in item["lessons"] for i in lesson["items"] if i["id"] == made["id"]]
    assert prompts and prompts[0]["answer"] == {"model_answer": "Ask what they noticed first."}
