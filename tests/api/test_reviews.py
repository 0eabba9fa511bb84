"""Uploading answers: per-review outcomes, idempotent retries, late offline reviews."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.models import LearnerPlanning, MemoryState, ReviewLog
from api.resources.practice.routes import batch_result_body
from api.resources.practice.schemas import ReviewBatchResultSchema, ReviewBatchSchema
from api.services.reviews import record_reviews
from scheduler.memory import MemoryModel
from scheduler.types import Rating, Review
from tests.api.practice_helpers import post_reviews, review, studied_module
from tests.conftest import auth
from tests.factories import T0, ItemFactory, LessonFactory, ModuleFactory, UserFactory


@pytest.fixture
def learner(db: Session):
    return UserFactory(time_zone="Europe/Berlin")


def test_accepted_answers_get_graded_with_feedback(client: FlaskClient, learner, clock) -> None:
    _, items = studied_module(learner)
    result = post_reviews(
        client,
        learner,
        [
            review(items[0], clock.now(), confidence="sure"),
            review(items[1], clock.now(), right=False),
            review(items[2], clock.now(), confidence="unsure"),
        ],
    )
    assert result["accepted"] == 3 and result["rejected"] == 0
    assert [(r["rating"], r["correct"]) for r in result["results"]] == [
        (4, True),
        (1, False),
        (2, True),
    ]
    assert result["results"][1]["feedback"] == {
        "answer": {"correct": [1]},
        "explanation": "Because.",
    }


def test_a_retried_batch_changes_nothing_and_answers_the_same(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    _, items = studied_module(learner)
    batch = [review(item, clock.now()) for item in items]
    first = post_reviews(client, learner, batch)
    state_before = db.scalars(select(MemoryState).order_by(MemoryState.item_id)).all()
    snapshot = [(s.stability, s.reps) for s in state_before]
    clock.advance(dt.timedelta(minutes=3))
    again = post_reviews(client, learner, batch)
    assert again == first
    overlapping = post_reviews(client, learner, [batch[0], review(items[0], clock.now())])
    assert overlapping["results"][0] == first["results"][0]
    assert db.scalar(select(func.count()).select_from(ReviewLog)) == len(items) + 1
    db.expire_all()
    after = db.scalars(select(MemoryState).order_by(MemoryState.item_id)).all()
    assert [(s.stability, s.reps) for s in after][1:] == snapshot[1:]


def test_bad_reviews_are_rejected_one_by_one_and_good_ones_kept(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    _, items = studied_module(learner)
    foreign = ItemFactory()  # another organization's item
    hidden_module = ModuleFactory(organization=learner.organization, assigned_only=True)
    hidden = ItemFactory(lesson=LessonFactory(module=hidden_module))
    now = clock.now()
    batch = [
        review(items[0], now),
        review(foreign, now),
        review(hidden, now),
        review(items[1], now + dt.timedelta(hours=2)),
        {**review(items[2], now), "answer": {"selected": [7]}},
        {"item_id": items[3].id, "answered_at": now.isoformat(), "answer": {}},
        {**review(items[3], now), "answered_at": "2026-11-02T09:00:00"},
        review(items[3], now - dt.timedelta(minutes=2)),
        # Year 0 in UTC: was a 500 for the whole batch.
        {**review(items[0], now), "answered_at": "0001-01-01T00:30:00+01:00"},
    ]
    result = post_reviews(client, learner, batch)
    statuses = [(r["status"], r["error"]) for r in result["results"]]
    assert statuses == [
        ("accepted", None),
        ("rejected", "item_not_available"),
        ("rejected", "item_not_available"),
        ("rejected", "answered_in_future"),
        ("rejected", "invalid_answer"),
        ("rejected", "invalid_review"),
        ("rejected", "invalid_review"),
        ("accepted", None),
        ("rejected", "invalid_review"),
    ]
    assert "answered_at" in str(result["results"][6]["errors"])
    assert db.scalar(select(func.count()).select_from(ReviewLog)) == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"reviews": []}, {"reviews": "x"}, {"reviews": [{}] * 501}, {"reviews": [], "x": 1}],
)
def test_malformed_batches_are_422(client: FlaskClient, learner, body) -> None:
    response = client.post("/learn/reviews", json=body, headers=auth(learner))
    assert response.status_code == 422


def test_a_late_offline_review_is_replayed_in_its_place(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    _, [item, *_] = studied_module(learner)
    t0 = clock.now()
    times = [t0, t0 + dt.timedelta(days=2), t0 + dt.timedelta(days=9)]
    clock.advance(dt.timedelta(days=10))
    post_reviews(
        client,
        learner,
        [review(item, times[0], review_id="a"), review(item, times[2], review_id="c")],
    )
    post_reviews(
        client, learner, [review(item, times[1], right=False, review_id="b")]
    )  # arrives last
    state = db.scalar(select(MemoryState).where(MemoryState.item_id == item.id))
    expected = MemoryModel().replay(
        [
            Review(T0, Rating.GOOD, exposure=True),  # finishing the module: studying it
            Review(times[0], Rating.GOOD, "a"),
            Review(times[1], Rating.AGAIN, "b"),
            Review(times[2], Rating.GOOD, "c"),
        ]
    )
    assert expected is not None
    assert state.stability == pytest.approx(expected.stability)
    assert state.lapses == expected.lapses and state.reps == 3
    assert state.last_review_at == times[2]


def test_reviews_are_the_learners_own(client: FlaskClient, learner, clock, db: Session) -> None:
    _, items = studied_module(learner)
    colleague = UserFactory(organization=learner.organization)
    result = post_reviews(client, colleague, [review(items[0], clock.now())])
    assert result["results"][0]["error"] == "item_not_available"
    mine = review(items[0], clock.now(), review_id="shared-id")
    assert post_reviews(client, learner, [mine])["results"][0]["status"] == "accepted"
    _, theirs = studied_module(colleague)
    other = post_reviews(client, colleague, [review(theirs[0], clock.now(), review_id="shared-id")])
    assert other["results"][0]["status"] == "accepted"  # client ids are per learner
    assert other["results"][0]["item_id"] == theirs[0].id
    assert client.post("/learn/reviews", json={"reviews": [mine]}).status_code == 401


def test_every_arrival_order_stores_the_same_state(client: FlaskClient, db: Session, clock) -> None:
    t0 = clock.now()
    offsets = [0, 0.01, 3, 9]  # days; the second is the learning step, minutes after the first
    outcomes = [True, True, False, True]
    clock.advance(dt.timedelta(days=10))
    states = set()
    for order in itertools.permutations(range(4)):
        learner = UserFactory()
        _, [item] = studied_module(learner, items=1)
        for n in order:  # one upload per review, as a phone coming online several times
            at = t0 + dt.timedelta(days=offsets[n])
            post_reviews(client, learner, [review(item, at, right=outcomes[n], review_id=f"r{n}")])
        state = db.scalar(select(MemoryState).where(MemoryState.user_id == learner.id))
        states.add(
            (
                round(state.stability, 9),
                round(state.difficulty, 9),
                state.reps,
                state.lapses,
                state.phase,
                state.last_review_at,
            )
        )
    assert len(states) == 1


def test_a_review_with_a_nul_character_is_rejected_alone(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    """The request-wide NUL guard refused the whole batch (422), and a phone retrying its
    offline queue would have been stuck behind that one review for good."""
    _, items = studied_module(learner)
    bad = {**review(items[1], clock.now()), "answer": {"selected": [1], "note": "a\u0000b"}}
    result = post_reviews(client, learner, [review(items[0], clock.now()), bad])
    assert [(r["status"], r["error"]) for r in result["results"]] == [
        ("accepted", None),
        ("rejected", "invalid_review"),
    ]


def test_stored_states_are_always_the_replay_of_the_whole_log(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    """Uploads apply a review to the stored state when it comes after it and replay the
    item's log when it does not: either way the state is what replaying everything gives,
    over batches in order, offline batches landing in the past, and same-time answers."""
    _, items = studied_module(learner, items=3)
    rng = random.Random(5)
    log: dict[int, list[Review]] = {i.id: [Review(T0, Rating.GOOD, exposure=True)] for i in items}
    at = clock.now()
    for batch in range(12):
        clock.advance(dt.timedelta(days=rng.randint(1, 6)))
        sent = []
        for n in range(rng.randint(1, 4)):
            item = rng.choice(items)
            when = clock.now() - dt.timedelta(days=rng.choice([0, 0, 0, 3, 20]))
            when = at if rng.random() < 0.1 else when  # the same moment as an earlier one
            right = rng.random() < 0.75
            sent.append(review(item, when, right=right, review_id=f"b{batch}-{n}"))
            log[item.id].append(
                Review(when, Rating.GOOD if right else Rating.AGAIN, f"b{batch}-{n}")
            )
            at = when
        post_reviews(client, learner, sent)
        db.expire_all()
        for item in items:
            state = db.scalar(select(MemoryState).where(MemoryState.item_id == item.id))
            expected = MemoryModel().replay(log[item.id])
            if state is None:
                assert len(log[item.id]) == 1
                continue
            assert (state.stability, state.difficulty) == pytest.approx(
                (expected.stability, expected.difficulty), rel=1e-9
            )
            assert (state.last_review_at, state.reps, state.lapses) == (
                expected.last_review,
                expected.reps,
                expected.lapses,
            )


def test_batch_result_body_is_what_its_schema_dumps(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    """The outcomes are built as JSON directly (no marshmallow dump on the hot path):
    exactly what ``ReviewBatchResultSchema`` would send, for every kind of outcome."""
    _, items = studied_module(learner)
    now = clock.now()
    batch = [
        review(items[0], now),
        review(ItemFactory(), now),  # not available
        review(items[1], now + dt.timedelta(hours=2)),  # in the future
        {**review(items[2], now), "answer": {"selected": [7]}},  # invalid answer
        {"item_id": items[3].id, "answered_at": now.isoformat(), "answer": {}},  # malformed
        review(items[3], now, right=False),
    ]
    served = post_reviews(client, learner, batch)
    parsed = ReviewBatchSchema().load({"reviews": batch})["reviews"]
    outcomes = record_reviews(db, user=learner, reviews=parsed, now=now)  # a retry
    accepted = sum(1 for o in outcomes if o.status == "accepted")
    dumped = ReviewBatchResultSchema().dump(
        {"accepted": accepted, "rejected": len(outcomes) - accepted, "results": outcomes}
    )
    assert batch_result_body(outcomes) == dumped == served
    assert {r["status"] for r in served["results"]} == {"accepted", "rejected"}
    assert served["results"][5]["feedback"] == {
        "answer": {"correct": [1]},
        "explanation": "Because.",
    }


def test_an_upload_marks_its_learner_for_planning_and_a_rejected_one_does_not(
    client: FlaskClient, learner, clock, db: Session
) -> None:
    """New answers change what planning reads (due items): the learner is planned at the
    next run. An upload that stores nothing leaves them as they were."""
    _, items = studied_module(learner)
    # A first answer stores the item's state: the next one is applied to it, not replayed.
    assert post_reviews(client, learner, [review(items[0], clock.now())])["accepted"] == 1
    clock.advance(dt.timedelta(days=2))
    planned_at = clock.now() + dt.timedelta(hours=5)

    def planned() -> tuple:
        db.expire_all()
        return db.execute(
            select(LearnerPlanning.plan_at, LearnerPlanning.plan_epoch).where(
                LearnerPlanning.user_id == learner.id
            )
        ).one()

    db.execute(
        update(LearnerPlanning)
        .where(LearnerPlanning.user_id == learner.id)
        .values(plan_at=planned_at)
    )
    db.commit()
    before = planned()
    late = review(items[0], clock.now() - dt.timedelta(days=400))  # rejected: too old
    assert post_reviews(client, learner, [late])["rejected"] == 1
    assert planned() == before
    assert post_reviews(client, learner, [review(items[0], clock.now())])["accepted"] == 1
    plan_at, epoch = planned()
    assert plan_at is None and epoch > before[1]
