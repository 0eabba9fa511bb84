"""What to practise now, as the phone sees it over days and weeks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Enrollment, Item, ItemKind
from api.resources.learn.schemas import model_answer
from api.resources.practice.routes import practice_set_body
from api.resources.practice.schemas import PracticeSetSchema
from api.services.learners import learner_of, organization_of, settings_of
from api.services.memory import model_for
from api.services.practice import learner_history, next_practice
from scheduler.practice import practice_set as decide
from tests.api.practice_helpers import post_reviews, practice_set, review, studied_module
from tests.conftest import auth
from tests.factories import ItemFactory, UserFactory


@pytest.fixture
def learner(db: Session):
    return UserFactory(time_zone="Europe/Berlin")


def answer_all(client, learner, entries, at, *, right=True):
    """Answer what the practice set offered (studied_module's items: option 1 is right)."""
    items = [db_item(e["item"]["id"]) for e in entries]
    return post_reviews(client, learner, [review(i, at, right=right) for i in items])


def db_item(item_id: int) -> Item:
    return Item(
        id=item_id, kind=ItemKind.SINGLE_CHOICE, options=["A", "B", "C"], answer={"correct": [1]}
    )


def test_new_items_come_after_studying_and_never_with_answers(
    client: FlaskClient, learner, clock
) -> None:
    studied_module(learner, completed=False, title="Not yet studied")
    module, items = studied_module(learner, items=3)
    result = practice_set(client, learner)
    assert [e["item"]["id"] for e in result["items"]] == [i.id for i in items]
    assert {e["reason"] for e in result["items"]} == {"new"}
    assert all(
        set(e["item"])
        == {"id", "revision", "kind", "prompt", "options", "model_answer", "module_id"}
        | {"module_title"}
        for e in result["items"]
    )
    assert result["items"][0]["item"]["module_title"] == module.title


def test_answered_items_come_back_when_forgotten_enough(
    client: FlaskClient, learner, clock
) -> None:
    _, items = studied_module(learner, items=2)
    first = practice_set(client, learner)  # studied today: a first retrieval the same day
    assert {e["item"]["id"] for e in first["items"]} == {i.id for i in items}
    answer_all(client, learner, first["items"], clock.now())
    # No learning steps: nothing comes back minutes later to cost a review for nothing.
    clock.advance(dt.timedelta(minutes=15))
    assert practice_set(client, learner)["items"] == []
    clock.advance(dt.timedelta(days=2))
    again = practice_set(client, learner)
    assert {e["item"]["id"] for e in again["items"]} == {i.id for i in items}
    answer_all(client, learner, again["items"], clock.now())
    clock.advance(dt.timedelta(hours=2))
    assert practice_set(client, learner)["items"] == []
    clock.advance(dt.timedelta(days=30))
    late = practice_set(client, learner)
    assert {e["reason"] for e in late["items"]} == {"due"}
    assert all(e["recall"] < 0.9 for e in late["items"])


def test_intervals_grow_after_good_answers_and_shrink_after_a_lapse(
    client: FlaskClient, learner, clock
) -> None:
    _, [item] = studied_module(learner, items=1)

    def next_due() -> dt.datetime:
        [row] = client.get("/learn/progress", headers=auth(learner)).get_json()
        return dt.datetime.fromisoformat(row["next_due_at"])

    gaps = []
    for _ in range(4):
        post_reviews(client, learner, [review(item, clock.now())])
        due = next_due()
        gaps.append(due - clock.now())
        clock.advance(max(due - clock.now(), dt.timedelta(minutes=1)))
    assert gaps[1:] == sorted(gaps[1:]) and gaps[-1] > dt.timedelta(days=5)
    post_reviews(client, learner, [review(item, clock.now(), right=False)])
    assert next_due() - clock.now() < gaps[-1] / 10


def practise_every_day(client: FlaskClient, learner, **settings: int) -> None:
    """The learner's organization practises all week, with these daily allowances."""
    admin = UserFactory(admin=True, organization=learner.organization)
    changed = client.patch(
        "/organization/settings",
        headers=auth(admin),
        json={**settings, "practice_weekdays": [0, 1, 2, 3, 4, 5, 6]},
    )
    assert changed.status_code == 200, changed.get_json()


def test_a_backlog_is_spread_over_days(client: FlaskClient, learner, clock) -> None:
    practise_every_day(client, learner, max_reviews_per_day=10, new_items_per_day=100)
    _, items = studied_module(learner, items=25)
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    clock.advance(dt.timedelta(days=90))  # back from a long absence
    day_one = practice_set(client, learner, minutes=30)
    assert day_one["due_now"] == 25 and len(day_one["items"]) == 10 and day_one["held_back"] == 15
    answer_all(client, learner, day_one["items"], clock.now())
    assert practice_set(client, learner, minutes=30)["items"] == []  # done for today
    clock.advance(dt.timedelta(days=1))
    day_two = practice_set(client, learner, minutes=30)
    seen = {e["item"]["id"] for e in day_one["items"]}
    assert len(day_two["items"]) == 10 and not seen & {e["item"]["id"] for e in day_two["items"]}


def test_the_daily_allowance_counts_every_answer_of_today(
    client: FlaskClient, learner, clock
) -> None:
    """More answers today than the pace reads (the latest 50): each of them still counts
    against the day's allowance."""
    practise_every_day(client, learner, max_reviews_per_day=55)
    _, items = studied_module(learner, items=60)
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    clock.advance(dt.timedelta(days=90))
    post_reviews(client, learner, [review(i, clock.now()) for i in items[:53]])
    clock.advance(dt.timedelta(minutes=5))
    assert len(practice_set(client, learner, minutes=30)["items"]) == 2


def test_the_daily_allowance_follows_the_learners_midnight(
    client: FlaskClient, db: Session, clock
) -> None:
    learner = UserFactory(time_zone="America/New_York")
    practise_every_day(client, learner, max_reviews_per_day=5)
    _, items = studied_module(learner, items=10)
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    # 2026-11-12 23:00 in New York is 04:00 UTC on the 13th.
    late_evening = dt.datetime(2026, 11, 13, 4, 0, tzinfo=dt.UTC)
    clock.advance(late_evening - clock.now())
    evening = practice_set(client, learner)
    answer_all(client, learner, evening["items"], clock.now())
    assert practice_set(client, learner)["items"] == []
    clock.advance(dt.timedelta(hours=1, minutes=30))  # 00:30 in New York, 05:30 UTC
    assert len(practice_set(client, learner)["items"]) == 5


def test_session_length_and_target_follow_the_settings(client: FlaskClient, learner, clock) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    _, items = studied_module(learner, items=30)
    clock.advance(dt.timedelta(days=1))
    post_reviews(client, learner, [review(i, clock.now(), duration_ms=10_000) for i in items])
    clock.advance(dt.timedelta(days=3))  # recall now about 0.95
    relaxed = practice_set(client, learner)["due_now"]
    assert relaxed == 0
    response = client.patch(
        "/organization/settings", json={"target_retention": 0.97}, headers=auth(admin)
    )
    assert response.status_code == 200
    assert practice_set(client, learner)["due_now"] == 30
    clock.advance(dt.timedelta(days=10))  # well worth practising again
    # The learner answers in 10 s (their median), so one minute holds six items.
    assert len(practice_set(client, learner, minutes=1)["items"]) == 6


@pytest.mark.parametrize(
    "body",
    [
        {"target_retention": 0.5},
        {"target_retention": 0.99},
        {"practice_weekdays": []},
        {"practice_weekdays": [7]},
        {"session_minutes": 0},
        {"holidays": ["not-a-date"]},
    ],
)
def test_settings_are_validated(client: FlaskClient, learner, body) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    assert client.patch("/organization/settings", json=body, headers=auth(admin)).status_code == 422


def test_holidays_read_back_as_set(client: FlaskClient, learner) -> None:
    """Found by schemathesis: holidays are stored as text, and reading them back was a 500."""
    admin = UserFactory(admin=True, organization=learner.organization)
    body = {"holidays": ["2026-12-25", "2026-12-24", "2026-12-25"]}
    changed = client.patch("/organization/settings", json=body, headers=auth(admin))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["holidays"] == ["2026-12-24", "2026-12-25"]
    read = client.get("/organization/settings", headers=auth(admin)).get_json()
    assert read["holidays"] == ["2026-12-24", "2026-12-25"]


def test_withdrawn_and_archived_modules_leave_practice(client: FlaskClient, learner, clock) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    module, _ = studied_module(learner, items=2)
    other, _ = studied_module(learner, items=2, title="Retros")
    assert {e["item"]["module_id"] for e in practice_set(client, learner)["items"]} == {
        module.id,
        other.id,
    }
    client.post(f"/modules/{module.id}/archive", headers=auth(admin))
    assert {e["item"]["module_id"] for e in practice_set(client, learner)["items"]} == {other.id}
    [enrollment] = [
        e
        for e in client.get("/enrollments", headers=auth(admin)).get_json()
        if e["module_id"] == other.id
    ]
    client.delete(f"/enrollments/{enrollment['id']}", headers=auth(admin))
    assert practice_set(client, learner)["items"] == []


def test_deadline_items_are_ready_in_time(client: FlaskClient, learner, clock, db: Session) -> None:
    module, items = studied_module(learner, items=1, title="Audit prep")
    enrollment = db.scalar(select(Enrollment).where(Enrollment.module_id == module.id))
    enrollment.due_at = clock.now() + dt.timedelta(days=40)
    db.flush()
    clock.advance(dt.timedelta(days=1))
    post_reviews(client, learner, [review(items[0], clock.now())])
    clock.advance(dt.timedelta(days=1))  # recall about 0.95 now, far lower in 40 days
    entries = practice_set(client, learner)["items"]
    assert [(e["item"]["id"], e["reason"]) for e in entries] == [(items[0].id, "deadline")]
    assert entries[0]["recall"] >= 0.9  # "deadline": above the target now, not then
    enrollment.due_at = None
    db.flush()
    # Without the deadline it is worth less: early, if at all.
    assert {e["reason"] for e in practice_set(client, learner)["items"]} <= {"early"}


def test_progress_and_recaps(client: FlaskClient, learner, clock) -> None:
    module, items = studied_module(learner, items=3)
    [before] = client.get("/learn/progress", headers=auth(learner)).get_json()
    # Studied just now, never answered: remembered, not yet learned.
    assert before["learned"] == 0 and before["recall_now"] == 1.0
    clock.advance(dt.timedelta(days=1))
    post_reviews(client, learner, [review(i, clock.now()) for i in items])
    [after] = client.get("/learn/progress", headers=auth(learner)).get_json()
    assert after["learned"] == 3 and after["recall_now"] > 0.95
    assert 0 <= after["minutes_next_7_days"] < after["minutes_next_30_days"]
    assert client.get("/learn/recaps", headers=auth(learner)).get_json() == []
    clock.advance(dt.timedelta(days=20))
    [recap] = client.get("/learn/recaps", headers=auth(learner)).get_json()
    assert recap["module_id"] == module.id and recap["recall_now"] < 0.9
    assert recap["key_points"] == ["Name the behaviour."] and len(recap["items"]) == 3
    assert "answer" not in recap["items"][0]
    done = client.post(f"/learn/recaps/{module.id}/studied", headers=auth(learner))
    assert done.status_code == 204
    assert client.get("/learn/recaps", headers=auth(learner)).get_json() == []
    stranger = UserFactory()
    assert (
        client.post(f"/learn/recaps/{module.id}/studied", headers=auth(stranger)).status_code == 404
    )


def test_an_admin_is_offered_a_retention_never_given_one(client: FlaskClient, learner) -> None:
    admin = UserFactory(admin=True, organization=learner.organization)
    advice = client.get("/organization/settings/retention", headers=auth(admin)).get_json()
    assert advice["current"] == 0.9 and 0.7 <= advice["recommended"] <= 0.97
    assert advice["remembered_per_minute_recommended"] >= advice["remembered_per_minute_current"]
    settings = client.get("/organization/settings", headers=auth(admin)).get_json()
    assert settings["target_retention"] == 0.9  # shown, not applied
    assert client.get("/organization/settings/retention", headers=auth(learner)).status_code == 403


def test_the_served_set_is_the_one_the_whole_history_gives(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    """``GET /learn/practice`` reads the items as arrays straight from the rows; it offers
    what the scheduler decides from the learner's whole history, item by item: answered
    items, a module finished but never answered, one with a deadline, today's answers."""
    _, answered = studied_module(learner, items=6, title="Answered")
    studied_module(learner, items=5, title="Finished, never answered")
    deadline_module, _ = studied_module(learner, items=4, title="Due Friday")
    db.scalars(
        select(Enrollment).where(Enrollment.module_id == deadline_module.id)
    ).one().due_at = clock.now() + dt.timedelta(days=3)
    db.commit()
    post_reviews(client, learner, [review(i, clock.now(), right=n % 3 > 0) for n, i in
                                   enumerate(answered)])  # fmt: skip
    for days in (2, 9, 30):
        clock.advance(dt.timedelta(days=days))
        served = practice_set(client, learner, minutes=10)
        db.expire_all()
        model, _ = model_for(db, user=learner)
        expected = decide(
            learner_history(db, user=learner, now=clock.now()),
            settings=settings_of(organization_of(db, learner)),
            zone=learner.time_zone,
            now=clock.now(),
            model=model,
            minutes=10,
        )
        assert [(e["item"]["id"], e["reason"]) for e in served["items"]] == [
            (p.item_id, p.reason.value) for p in expected.picks
        ]
        assert [e["recall"] for e in served["items"]] == pytest.approx(
            [p.recall for p in expected.picks], abs=1e-4
        )
        assert served["items"]
        assert (served["due_now"], served["held_back"]) == (expected.due_now, expected.held_back)
        post_reviews(client, learner, [review(db_item(e["item"]["id"]), clock.now()) for e in
                                       served["items"][:3]])  # fmt: skip


def test_practice_set_body_is_what_its_schema_dumps(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    """The set is built as JSON directly (no marshmallow dump on the hot path): it must
    be exactly what ``PracticeSetSchema`` would send, for items of every kind."""
    module, _ = studied_module(learner, items=2)
    lesson = module.lessons[0]
    kinds = [
        (ItemKind.FREE_RECALL, [], {"model_answer": "Say what you saw."}),
        (ItemKind.TRUE_FALSE, [], {"value": True}),
        (ItemKind.MULTIPLE_CHOICE, ["A", "B", "C"], {"correct": [0, 2]}),
    ]
    for n, (kind, options, key) in enumerate(kinds, start=10):
        ItemFactory(lesson=lesson, position=n, kind=kind, options=options, answer=key)
    db.commit()
    chosen = next_practice(db, learner=learner_of(db, learner), minutes=None, now=clock.now())
    body = practice_set_body(chosen)
    dumped = PracticeSetSchema().dump(
        {
            "items": [
                {
                    "reason": pick.reason,
                    "recall": pick.recall,
                    "item": {**row._mapping, "model_answer": model_answer(row)}
                    | {"module_title": title},
                }
                for pick, row, title in chosen.picks
            ],
            "due_now": chosen.due_now,
            "held_back": chosen.held_back,
            "estimated_minutes": chosen.estimated_minutes,
        }
    )
    assert {e["item"]["kind"] for e in body["items"]} == {k.value for k in ItemKind}
    assert body == dumped
    assert json.loads(json.dumps(body)) == body  # plain JSON types, nothing numpy
    assert practice_set(client, learner) == body  # what the endpoint serves
