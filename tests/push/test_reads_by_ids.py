"""The planner and the dispatcher read their learners' rows by index, never a table whole.

A chunk of the planner (or a batch of the dispatcher) that reads a table end to end pays
for every learner on every chunk: at a million learners a first pass read its own two
million pushes once per chunk of 5,000 (286 ms each, against 9 ms through the index),
because the table's statistics were taken while it was empty. PostgreSQL counts the
sequential scans a transaction starts (``pg_stat_xact_user_tables``), and a test's
tables are small enough that it would choose one for each read unless told not to.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from api.clock import FixedClock
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


def whole_reads(db: Session) -> dict[str, int]:
    rows = db.execute(
        text("SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE relname = ANY(:names)"),
        {"names": GROWING},
    )
    return dict(rows.all())


@pytest.fixture
def postgres(db: Session) -> Session:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL planner's choice; SQLite has no such statistics")
    return db


def test_a_planner_chunk_reads_no_table_whole(postgres: Session) -> None:
    db = postgres
    for _ in range(3):
        learner_with_due(db, due=4, not_due=2)
    before = whole_reads(db)
    report = plan_reminders(db, now=MONDAY_10_BERLIN)
    assert report.planned["practice"] == 3  # it did read and plan them
    assert whole_reads(db) == before


def test_a_dispatch_batch_reads_no_table_whole(
    postgres: Session, connection: Connection, fcm: FcmGateway, clock: FixedClock
) -> None:
    db = postgres
    learners = [learner_with_due(db, due=4, at=clock.now()) for _ in range(3)]
    for learner in learners:
        NotificationFactory(user=learner, send_at=clock.now())
    sessions = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    dispatcher = Dispatcher(sessions=sessions, gateway=fcm, clock=clock, worker_id="w", threads=1)
    try:
        before = whole_reads(db)
        report = dispatcher.run_once()
    finally:
        dispatcher.close()
    assert report.outcomes == {"sent": 3}
    after = whole_reads(db)
    # The claim finds due pushes through its partial index on send time; at this size
    # PostgreSQL may read the table instead, before the batch's reads begin.
    after["notifications"] -= min(1, after["notifications"] - before["notifications"])
    assert after == before
