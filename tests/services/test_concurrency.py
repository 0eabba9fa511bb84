"""Uploads racing each other, with real commits on a database of their own."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from api import create_app
from api.clock import FixedClock
from api.config import Config
from api.models import MemoryState, ReviewLog, User
from scheduler.memory import MemoryModel
from scheduler.types import Rating, Review
from tests import factories
from tests.api.practice_helpers import review, studied_module
from tests.conftest import PROJECT_ID, auth
from tests.databases import migrated_engine

T0 = factories.T0
LATER = T0 + dt.timedelta(days=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A freshly migrated database whose writes really commit (not rolled back)."""
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


def _config() -> Config:
    return Config(
        environment="test",
        database_url="sqlite://",
        firebase_project_id=PROJECT_ID,
        firebase_auth_emulator_host="127.0.0.1:9099",
        log_level="WARNING",
        log_json=False,
    )


def race(engine: Engine, learner, bodies: list[dict]) -> list[dict]:
    clients = [
        create_app(_config(), bind=engine, clock=FixedClock(LATER)).test_client() for _ in bodies
    ]
    start = threading.Barrier(len(bodies))
    results: list[dict] = [{}] * len(bodies)

    def upload(i: int) -> None:
        start.wait()
        response = clients[i].post("/learn/reviews", json=bodies[i], headers=auth(learner))
        results[i] = {"status": response.status_code, "body": response.get_json()}

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def setup(engine: Engine, items: int = 3):
    with Session(engine, expire_on_commit=False) as session:
        for factory in factories.ALL:
            factory._meta.sqlalchemy_session = session
        learner = factories.UserFactory()
        _, made = studied_module(learner, items=items)
        session.commit()
        return learner, made


def test_the_same_batch_twice_at_once_is_stored_once(committed: Engine) -> None:
    learner, items = setup(committed)
    batch = {
        "reviews": [
            review(i, T0 + dt.timedelta(days=n), review_id=f"{i.id}-{n}")
            for i in items
            for n in range(3)
        ]
    }
    results = race(committed, learner, [batch, batch, batch])
    assert [r["status"] for r in results] == [200, 200, 200]
    assert results[0]["body"] == results[1]["body"] == results[2]["body"]
    with Session(committed) as session:
        assert session.scalar(select(func.count()).select_from(ReviewLog)) == 9
        assert session.scalar(select(func.max(MemoryState.reps))) == 3


def test_different_uploads_for_one_item_at_once_lose_no_review(committed: Engine) -> None:
    learner, [item] = setup(committed, items=1)
    bodies = [
        {"reviews": [review(item, T0 + dt.timedelta(days=n), review_id=f"r{n}", right=n % 3 != 1)]}
        for n in range(6)
    ]
    results = race(committed, learner, bodies)
    assert all(r["body"]["accepted"] == 1 for r in results)
    with Session(committed) as session:
        state = session.scalar(select(MemoryState))
        expected = MemoryModel().replay(
            [Review(T0, Rating.GOOD, exposure=True)]  # finishing the module: studying it
            + [
                Review(
                    T0 + dt.timedelta(days=n), Rating.GOOD if n % 3 != 1 else Rating.AGAIN, f"r{n}"
                )
                for n in range(6)
            ]
        )
        assert expected is not None
        assert state.reps == 6
        assert state.stability == pytest.approx(expected.stability)
        assert state.lapses == expected.lapses


def test_an_upload_that_waited_for_the_lock_sees_what_the_other_stored(
    committed: Engine,
) -> None:
    """A phone retries a batch while the first try still holds the learner's lock: once
    the first commits, the retry must find its answers stored (and not apply them a
    second time). A read joined to the lock would see the rows of before the wait."""
    if committed.dialect.name != "postgresql":
        return  # SQLite has one writer at a time: the retry cannot start meanwhile
    learner, items = setup(committed)
    first = review(items[0], T0 + dt.timedelta(days=30), review_id="r-1")
    with committed.connect() as holder:
        holder.execute(select(User.id).where(User.id == learner.id).with_for_update())
        holder.execute(
            insert(ReviewLog).values(
                organization_id=learner.organization_id,
                user_id=learner.id,
                item_id=items[0].id,
                item_revision=1,
                client_review_id="r-1",
                answered_at=T0 + dt.timedelta(days=30),
                received_at=T0 + dt.timedelta(days=30),
                response=first["answer"],
                rating=3,
                correct=True,
            )
        )
        client = create_app(
            _config(), bind=committed, clock=FixedClock(T0 + dt.timedelta(days=30))
        ).test_client()
        answered: dict = {}

        def retry() -> None:
            body = {"reviews": [first]}
            response = client.post("/learn/reviews", json=body, headers=auth(learner))
            answered.update(response.get_json())

        thread = threading.Thread(target=retry)
        thread.start()
        time.sleep(0.3)  # the retry now waits for the lock
        assert thread.is_alive()
        holder.commit()
        thread.join(timeout=10)
    [outcome] = answered["results"]
    assert (outcome["status"], outcome["rating"]) == ("accepted", 3)
    with Session(committed) as session:
        logs = session.scalar(select(func.count()).select_from(ReviewLog))
        # The first try (here, the holder) stores the state: the retry applied nothing.
        states = session.scalar(
            select(func.count()).select_from(MemoryState).where(MemoryState.item_id == items[0].id)
        )
    assert (logs, states) == (1, 0)
