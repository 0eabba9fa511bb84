"""The worker as an operator sees it: alive, planning, and never felled by one bad row."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from api.clock import FixedClock
from api.models import Notification, Organization, User, WorkerHeartbeat
from api.push.fcm import FcmGateway
from api.services.dispatch import MAX_QUOTA_ATTEMPTS
from api.worker import Worker
from tests import factories
from tests.databases import migrated_engine
from tests.push.fcm_standin import FcmStandIn
from tests.push.helpers import MONDAY_10_BERLIN, learner_with_due


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def session(committed: Engine) -> Iterator[Session]:
    with Session(committed, expire_on_commit=False) as session:
        for factory in factories.ALL:
            factory._meta.sqlalchemy_session = session
        yield session


def worker(engine: Engine, fcm: FcmGateway, clock: FixedClock) -> Worker:
    return Worker(engine=engine, gateway=fcm, clock=clock, threads=1, worker_id="w-test")


def test_one_bad_learner_is_skipped_and_the_worker_plans_on(
    committed: Engine, session: Session, fcm: FcmGateway, caplog
) -> None:
    good = learner_with_due(session, due=5)
    bad = learner_with_due(session, due=5)
    session.commit()
    # A zone no release knows any more (written by hand, or by an older tzdata).
    session.execute(update(User).where(User.id == bad.id).values(time_zone="Mars/Olympus_Mons"))
    session.commit()
    clock = FixedClock(MONDAY_10_BERLIN)
    runner = worker(committed, fcm, clock)
    with caplog.at_level(logging.ERROR, logger="bitewise.planner"):
        runner.plan()  # used to raise and kill the worker, again at every restart
    runner.dispatcher.close()
    kinds = session.execute(select(Notification.user_id, Notification.kind)).all()
    assert (good.id, "practice") in kinds and all(user != bad.id for user, _ in kinds)
    assert any(f"user {bad.id}" in r.getMessage() for r in caplog.records)
    beat = session.get(WorkerHeartbeat, "w-test")
    assert beat is not None and beat.planned_at == MONDAY_10_BERLIN
    assert beat.plan_seconds is not None and beat.plan_failures == 0


def test_an_organization_with_unreadable_defaults_stops_only_its_own_learners(
    committed: Engine, session: Session, fcm: FcmGateway, caplog
) -> None:
    good = learner_with_due(session, due=5)
    bad = learner_with_due(session, due=5)
    session.commit()
    assert good.organization_id != bad.organization_id
    # Holidays written by hand, past the API's validation.
    session.execute(
        update(Organization)
        .where(Organization.id == bad.organization_id)
        .values(holidays=["the week after Easter"])
    )
    session.commit()
    runner = worker(committed, fcm, FixedClock(MONDAY_10_BERLIN))
    with caplog.at_level(logging.ERROR, logger="bitewise.planner"):
        runner.plan()
    runner.dispatcher.close()
    kinds = session.execute(select(Notification.user_id, Notification.kind)).all()
    assert (good.id, "practice") in kinds and all(user != bad.id for user, _ in kinds)
    assert any(f"organization {bad.organization_id}" in r.getMessage() for r in caplog.records)
    beat = session.get(WorkerHeartbeat, "w-test")
    assert beat is not None and beat.plan_failures == 0


def test_a_push_fcm_refuses_for_quota_is_given_up_with_its_reason(
    committed: Engine, session: Session, fcm: FcmGateway, standin: FcmStandIn, caplog
) -> None:
    learner = learner_with_due(session, due=0, device=False)
    factories.DeviceFactory(user=learner, token="quota-phone", last_seen_at=MONDAY_10_BERLIN)
    note = factories.NotificationFactory(
        user=learner,
        attempts=MAX_QUOTA_ATTEMPTS - 1,
        send_at=MONDAY_10_BERLIN,
        expires_at=MONDAY_10_BERLIN + dt.timedelta(hours=6),
        dedupe_key="recap:2026-03-02",
    )
    session.commit()
    clock = FixedClock(MONDAY_10_BERLIN + dt.timedelta(minutes=1))
    runner = worker(committed, fcm, clock)
    with caplog.at_level(logging.WARNING, logger="bitewise.dispatch"):
        runner.dispatcher.run_once()
    runner.dispatcher.close()
    session.expire_all()
    stored = session.get(Notification, note.id)
    assert stored.status == "failed" and stored.last_error.startswith("quota_exceeded")
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"push {note.id}" in m and "quota" in m for m in logged)
    assert standin.requests == 1  # tried once more, then given up
