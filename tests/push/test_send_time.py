"""Every push honours the learner as they are when it is sent, not when it was planned.

Each case: the planner plans a practice push on Monday evening for Tuesday 08:30 in
Berlin; the learner changes something; the dispatcher runs at 08:30 Tuesday. Each of
these pushes used to be sent anyway.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from api.clock import FixedClock
from api.models import ApplicationPrompt, MemoryState, Notification, ReminderPreferences
from api.push.fcm import FcmGateway
from api.services.dispatch import Dispatcher
from api.services.planner import plan_reminders
from tests.api.practice_helpers import studied_module
from tests.push.fcm_standin import FcmStandIn
from tests.push.helpers import learner_with_due

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)  # 19:00 Berlin
TUESDAY_0830 = dt.datetime(2026, 3, 3, 7, 30, tzinfo=dt.UTC)


@pytest.fixture
def dispatcher(connection: Connection, db: Session, fcm: FcmGateway):
    clock = FixedClock(TUESDAY_0830)
    sessions = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    worker = Dispatcher(sessions=sessions, gateway=fcm, clock=clock, worker_id="w", threads=1)
    worker.clock = clock
    yield worker
    worker.close()


def planned_practice(db: Session):
    learner = learner_with_due(db, due=5, at=TUESDAY_0830)
    plan_reminders(db, now=MONDAY_EVENING)
    [push] = [n for n in db.scalars(select(Notification)) if n.kind == "practice"]
    assert push.send_at.astimezone(BERLIN).time() == dt.time(8, 30)
    return learner, push


def recap_due_at_0830(db: Session, learner) -> Notification:
    """A recap push of the learner's, pending for Tuesday 08:30 like the practice one."""
    recap = Notification(
        organization_id=learner.organization_id,
        user_id=learner.id,
        kind="recap",
        dedupe_key="recap:2026-03-03",
        payload={"kind": "recap", "module_id": 1, "module_title": "Feedback"},
        send_at=TUESDAY_0830,
        expires_at=TUESDAY_0830 + dt.timedelta(hours=8),
        status="pending",
        attempts=0,
        fcm_message_ids=[],
        created_at=MONDAY_EVENING,
    )
    db.add(recap)
    return recap


def prefs(db: Session, learner, **values) -> None:
    db.add(ReminderPreferences(user_id=learner.id, **values))
    db.flush()


def after_dispatch(db: Session, dispatcher: Dispatcher, push: Notification) -> Notification:
    dispatcher.run_once()
    db.expire_all()
    return db.get(Notification, push.id)


@pytest.mark.parametrize(
    ("change", "moved_to"),
    [
        ({"paused_until": dt.date(2026, 3, 9)}, dt.datetime(2026, 3, 9, 8, 30)),
        ({"working_days": [0, 2, 3, 4]}, dt.datetime(2026, 3, 4, 8, 30)),
        ({"window_start": "14:00"}, dt.datetime(2026, 3, 3, 14, 0)),
        ({"quiet_start": "08:00", "quiet_end": "10:00"}, dt.datetime(2026, 3, 3, 10, 0)),
    ],
)
def test_a_changed_setting_moves_the_push(
    db: Session, dispatcher: Dispatcher, standin: FcmStandIn, change, moved_to
) -> None:
    learner, push = planned_practice(db)
    prefs(db, learner, **change)
    after = after_dispatch(db, dispatcher, push)
    assert standin.accepted == []
    assert (
        after.status == "pending"
        and after.send_at.astimezone(BERLIN).replace(tzinfo=None) == moved_to
    )
    assert after.dedupe_key == f"practice:{moved_to.date()}"


def test_no_pushes_at_all_drops_it_with_the_reason(
    db: Session, dispatcher: Dispatcher, standin: FcmStandIn
) -> None:
    learner, push = planned_practice(db)
    prefs(db, learner, max_per_day=0)
    after = after_dispatch(db, dispatcher, push)
    assert standin.accepted == [] and after.status == "obsolete"
    assert "no moment" in after.last_error


def test_a_learner_who_moved_to_new_york_is_not_woken_at_half_past_two(
    db: Session, dispatcher: Dispatcher, standin: FcmStandIn
) -> None:
    learner, push = planned_practice(db)
    learner.time_zone = "America/New_York"
    db.flush()
    after = after_dispatch(db, dispatcher, push)
    assert standin.accepted == []
    assert after.send_at.astimezone(ZoneInfo("America/New_York")).time() == dt.time(8, 30)


def test_unchanged_it_goes_out(db: Session, dispatcher: Dispatcher, standin: FcmStandIn) -> None:
    _, push = planned_practice(db)
    assert after_dispatch(db, dispatcher, push).status == "sent"
    assert len(standin.accepted) == 1


def test_quiet_hours_over_midnight_are_planned_around(db: Session) -> None:
    learner = learner_with_due(db, due=5, at=TUESDAY_0830)
    prefs(db, learner, quiet_start="17:00", quiet_end="09:00")
    plan_reminders(db, now=MONDAY_EVENING)
    [push] = [n for n in db.scalars(select(Notification)) if n.kind == "practice"]
    assert push.send_at.astimezone(BERLIN) == dt.datetime(2026, 3, 3, 9, 0, tzinfo=BERLIN)


def test_dropping_a_practice_reminder_leaves_other_kinds_alone(
    db: Session, dispatcher: Dispatcher, standin: FcmStandIn
) -> None:
    learner, push = planned_practice(db)
    recap = recap_due_at_0830(db, learner)
    # The learner practised: only one item is still due.
    for state in db.scalars(select(MemoryState).where(MemoryState.user_id == learner.id)):
        state.fsrs_due_at = TUESDAY_0830 + dt.timedelta(days=10)
    db.flush()
    dispatcher.run_once()
    db.expire_all()
    assert db.get(Notification, push.id).status == "obsolete"
    assert db.get(Notification, recap.id).status == "sent"  # its reason still stands
    assert [m["data"]["kind"] for m in standin.accepted] == ["recap"]


def test_two_pushes_planned_for_one_moment_go_two_hours_apart(
    db: Session, dispatcher: Dispatcher, standin: FcmStandIn
) -> None:
    """Rows planned before the gap rule (or moved onto each other) are spaced when sent."""
    learner, push = planned_practice(db)
    recap = recap_due_at_0830(db, learner)
    db.flush()
    dispatcher.run_once()
    db.expire_all()
    # Which goes first is the batch's order; one goes now, the other two hours on.
    [sent] = [db.get(Notification, n.id) for n in (push, recap) if n.status == "sent"]
    [later] = [db.get(Notification, n.id) for n in (push, recap) if n.status == "pending"]
    assert [m["data"]["kind"] for m in standin.accepted] == [sent.kind]
    assert later.send_at == TUESDAY_0830 + dt.timedelta(hours=2)
    assert later.dedupe_key == f"{later.kind}:2026-03-03"


def test_a_postponed_prompt_never_leaves_two_of_its_pushes_pending(
    db: Session, dispatcher: Dispatcher, standin: FcmStandIn
) -> None:
    learner = learner_with_due(db, due=0, at=TUESDAY_0830)
    first, _ = studied_module(learner, items=1, completed=False, title="One")
    second, _ = studied_module(learner, items=1, completed=False, title="Two")
    dispatcher.clock.advance(MONDAY_EVENING - TUESDAY_0830)
    for module in (first, second):  # two modules finished on one day
        db.add(
            ApplicationPrompt(
                organization_id=learner.organization_id,
                user_id=learner.id,
                module_id=module.id,
                status="open",
                apply_on=dt.date(2026, 3, 3),
                follow_up_on=dt.date(2026, 3, 4),
                created_at=MONDAY_EVENING,
            )
        )
    db.flush()
    plan_reminders(db, now=MONDAY_EVENING)
    pending = [n for n in db.scalars(select(Notification)) if n.status == "pending"]
    assert [n.kind for n in pending] == ["apply"]  # one at a time, not two of each
    # "Not yet" on that prompt: its pending push belongs to the old days and is dropped.
    prompt = db.get(ApplicationPrompt, pending[0].payload["prompt_id"])
    prompt.apply_on, prompt.follow_up_on = dt.date(2026, 3, 5), dt.date(2026, 3, 6)
    db.flush()
    dispatcher.clock.advance(TUESDAY_0830 - MONDAY_EVENING)
    dispatcher.run_once()
    db.expire_all()
    assert db.get(Notification, pending[0].id).status == "obsolete"
    assert standin.accepted == []
