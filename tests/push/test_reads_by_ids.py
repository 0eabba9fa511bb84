"""The planner and the dispatcher read their learners' rows, never a table whole.

A chunk of the planner (or a batch of the dispatcher) that reads a table end to end pays
for every learner on every chunk: at a million learners a first pass read its own two
million pushes once per chunk of 5,000 (286 ms each, against 9 ms through the index),
because the table's statistics were taken while it was empty, and every learner's
enrollment and phone for each chunk, because a join did not narrow them. PostgreSQL counts
what a transaction reads of each table (``pg_stat_xact_user_tables``): with bystanders
(learners nobody plans or sends to now) the rows read must stay below theirs, and no
table may be scanned, which at a test's size PostgreSQL would otherwise choose. (An
unnarrowed join shows only at scale, where PostgreSQL hashes the whole table instead of
looking rows up one by one: ``bench/planner_statements.py --scans`` lists such reads.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, text, update
from sqlalchemy.orm import Session, sessionmaker

from api.clock import FixedClock
from api.models import LearnerPlanning
from api.push.fcm import FcmGateway
from api.services.dispatch import Dispatcher
from api.services.planner import plan_reminders
from tests.factories import NotificationFactory
from tests.push.helpers import MONDAY_10_BERLIN, learner_with_due

# The tables that grow with the population. Not learner_planning: a run finds the
# learners due through its plan_at index before any chunk (here a table of a few rows).
GROWING = [
    "users",
    "devices",
    "enrollments",
    "memory_states",
    "notifications",
    "reminder_preferences",
    "application_prompts",
    "recap_logs",
]


BYSTANDERS = 40


def reads(db: Session) -> dict[str, tuple[int, int]]:
    """Per growing table: the scans of it begun, and the rows fetched through indexes."""
    rows = db.execute(
        text(
            "SELECT relname, seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables"
            " WHERE relname = ANY(:names)"
        ),
        {"names": GROWING},
    )
    return {name: (scans, fetched) for name, scans, fetched in rows}


def read_since(db: Session, before: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    return {
        name: (scans - before[name][0], fetched - before[name][1])
        for name, (scans, fetched) in reads(db).items()
    }


def bystanders(db: Session, now: dt.datetime) -> None:
    """Learners with phones, enrollments, states due and a push waiting for tomorrow,
    whom the planner looks at tomorrow: nothing of theirs is work now."""
    for _ in range(BYSTANDERS):
        learner = learner_with_due(db, due=4, at=now)
        NotificationFactory(user=learner, send_at=now + dt.timedelta(days=1))
        db.execute(
            update(LearnerPlanning)
            .where(LearnerPlanning.user_id == learner.id)
            .values(plan_at=now + dt.timedelta(days=1))
        )
    db.flush()


def assert_only_their_rows(read: dict[str, tuple[int, int]]) -> None:
    assert {name: scans for name, (scans, _) in read.items() if scans} == {}
    assert {name: rows for name, (_, rows) in read.items() if rows >= BYSTANDERS} == {}


@pytest.fixture
def postgres(db: Session) -> Session:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL planner's choice; SQLite has no such statistics")
    return db


def test_a_planner_run_reads_only_its_learners_rows(postgres: Session) -> None:
    db = postgres
    bystanders(db, MONDAY_10_BERLIN)
    for _ in range(3):
        learner_with_due(db, due=4, not_due=2)
    before = reads(db)
    report = plan_reminders(db, now=MONDAY_10_BERLIN)
    assert report.learners == 3 and report.planned["practice"] == 3  # it did plan them
    assert_only_their_rows(read_since(db, before))


def test_a_dispatch_batch_reads_only_its_learners_rows(
    postgres: Session, connection: Connection, fcm: FcmGateway, clock: FixedClock
) -> None:
    db = postgres
    bystanders(db, clock.now())
    learners = [learner_with_due(db, due=4, at=clock.now()) for _ in range(3)]
    for learner in learners:
        NotificationFactory(user=learner, send_at=clock.now())
    sessions = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    dispatcher = Dispatcher(sessions=sessions, gateway=fcm, clock=clock, worker_id="w", threads=1)
    try:
        before = reads(db)
        report = dispatcher.run_once()
    finally:
        dispatcher.close()
    assert report.outcomes == {"sent": 3}
    read = read_since(db, before)
    # The claim finds due pushes through its partial index on send time; at this size
    # PostgreSQL may read the table instead, before the batch's reads begin.
    scans, rows = read["notifications"]
    read["notifications"] = (scans - min(scans, 1), rows)
    assert_only_their_rows(read)
