"""Several workers plan at once, each its own slices of the learners, with no global lock."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from api.clock import FixedClock
from api.models import Notification, PlannerSlice
from api.push.local import LocalGateway
from api.services.planner_slices import SLICES, claim_slice, finish_slice
from api.worker import Worker
from tests import factories
from tests.databases import migrated_engine
from tests.push.helpers import MONDAY_10_BERLIN, learner_with_due

NOW = MONDAY_10_BERLIN
EVERY = dt.timedelta(minutes=5)
TTL = dt.timedelta(minutes=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


def claim(engine: Engine, worker: str, at: dt.datetime = NOW) -> int | None:
    return claim_slice(engine, worker_id=worker, now=at, every=EVERY, ttl=TTL)


def test_each_slice_is_claimed_once_and_again_only_after_the_interval(committed: Engine) -> None:
    taken = [claim(committed, "a" if n % 2 else "b") for n in range(SLICES)]
    assert sorted(taken) == list(range(SLICES))  # type: ignore[type-var]
    assert claim(committed, "c") is None  # all held
    for n, part in enumerate(taken):
        assert part is not None
        finish_slice(committed, part=part, worker_id="a" if n % 2 else "b", now=NOW)
    assert claim(committed, "c", NOW + EVERY - dt.timedelta(seconds=1)) is None
    assert claim(committed, "c", NOW + EVERY) is not None


def test_a_dead_workers_slice_waits_for_its_claim_to_expire(committed: Engine) -> None:
    dead = claim(committed, "dead")
    for _ in range(SLICES - 1):
        part = claim(committed, "alive")
        assert part is not None and part != dead
        finish_slice(committed, part=part, worker_id="alive", now=NOW)
    # Within the interval nothing else is due, and the dead worker's claim still holds.
    assert claim(committed, "alive", NOW + EVERY - dt.timedelta(seconds=1)) is None
    # Once it expires, that slice comes first: it has not been planned at all.
    assert claim(committed, "alive", NOW + TTL + dt.timedelta(seconds=1)) == dead
    # The dead worker, back from a pause, cannot mark a slice it no longer holds.
    finish_slice(committed, part=dead, worker_id="dead", now=NOW)
    with Session(committed) as session:
        held = session.get(PlannerSlice, dead)
        assert held is not None and held.claimed_by == "alive" and held.planned_at is None


def test_two_workers_planning_at_once_plan_every_learner_once(committed: Engine) -> None:
    with Session(committed, expire_on_commit=False) as session:
        for factory in factories.ALL:
            factory._meta.sqlalchemy_session = session
        learners = [learner_with_due(session, due=5) for _ in range(40)]
        session.commit()
    workers = [
        Worker(engine=committed, gateway=LocalGateway(), clock=FixedClock(NOW), threads=1,
               worker_id=name)
        for name in ("w1", "w2")
    ]  # fmt: skip
    threads = [threading.Thread(target=w.plan) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for w in workers:
        w.dispatcher.close()
    with Session(committed) as session:
        practice = Counter(
            session.scalars(select(Notification.user_id).where(Notification.kind == "practice"))
        )
        planned = session.scalars(select(PlannerSlice.planned_at)).all()
        held = session.scalar(
            select(func.count())
            .select_from(PlannerSlice)
            .where(PlannerSlice.claimed_by.is_not(None))
        )
    assert practice == Counter({learner.id: 1 for learner in learners})
    assert len(planned) == SLICES and set(planned) == {NOW} and held == 0
    assert all(w.plan_failures == 0 for w in workers)
