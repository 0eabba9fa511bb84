"""The planning job over the database: what it plans, when, and that it plans it once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import MemoryState, Notification, RecapLog, ReminderPreferences
from api.services.planner import plan_reminders
from tests.factories import DeviceFactory, NotificationFactory
from tests.push.helpers import MONDAY_10_BERLIN, learner_with_due


def planned(db: Session) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).order_by(Notification.user_id, Notification.kind)))


def test_a_learner_with_enough_due_gets_a_practice_reminder_now(db: Session) -> None:
    learner = learner_with_due(db, due=5, not_due=3)
    report = plan_reminders(db, now=MONDAY_10_BERLIN)
    assert report.planned["practice"] == 1
    [note] = [n for n in planned(db) if n.kind == "practice"]
    assert note.user_id == learner.id and note.status == "pending"
    assert note.send_at == MONDAY_10_BERLIN + dt.timedelta(seconds=5)
    assert note.expires_at.astimezone(ZoneInfo("Europe/Berlin")).time() == dt.time(17, 30)
    assert note.dedupe_key == "practice:2026-03-02"
    assert note.payload["due"] == 5 and note.payload["minutes"] == 2
    assert note.payload["item"]["prompt"] == "Question 4?"  # the most overdue one
    assert "correct" not in str(note.payload)


def test_planning_twice_plans_nothing_twice(db: Session) -> None:
    learner_with_due(db, due=5)
    learner_with_due(db, due=4)
    first = plan_reminders(db, now=MONDAY_10_BERLIN, chunk=1)
    again = plan_reminders(db, now=MONDAY_10_BERLIN + dt.timedelta(minutes=5), chunk=1)
    assert first.planned["practice"] == 2 and again.planned["practice"] == 0
    assert len([n for n in planned(db) if n.kind == "practice"]) == 2


@pytest.mark.parametrize("case", ["too_few_due", "no_device", "stale_device", "never_signed_in"])
def test_nothing_is_planned_without_reason_or_reach(db: Session, case: str) -> None:
    if case == "too_few_due":
        learner_with_due(db, due=2, not_due=5)
    elif case == "no_device":
        learner_with_due(db, due=5, device=False)
    elif case == "stale_device":
        learner = learner_with_due(db, due=5, device=False)
        DeviceFactory(user=learner, last_seen_at=MONDAY_10_BERLIN - dt.timedelta(days=90))
    else:
        learner_with_due(db, due=5, firebase_uid=None)
    plan_reminders(db, now=MONDAY_10_BERLIN)
    assert [n for n in planned(db) if n.kind == "practice"] == []


def test_preferences_and_pauses_move_the_moment(db: Session) -> None:
    learner = learner_with_due(db, due=5)
    db.add(
        ReminderPreferences(
            user_id=learner.id,
            window_start="13:15",
            window_end="15:00",
            paused_until=dt.date(2026, 3, 4),
        )
    )
    db.flush()
    plan_reminders(db, now=MONDAY_10_BERLIN)
    [note] = [n for n in planned(db) if n.kind == "practice"]
    local = note.send_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert local.date() == dt.date(2026, 3, 4) and local.time() == dt.time(13, 15)


def test_a_module_being_forgotten_gets_a_recap_unless_recently_recapped(db: Session) -> None:
    learner = learner_with_due(db, due=2, not_due=1)  # 2 of 3 items due: half or more
    plan_reminders(db, now=MONDAY_10_BERLIN)
    [note] = planned(db)
    assert note.kind == "recap" and note.payload["module_title"] == "Feedback"
    assert note.payload["deep_link"] == f"bitewise://recap/{note.payload['module_id']}"
    other = learner_with_due(db, due=2, not_due=1)
    module_id = db.scalar(select(MemoryState.module_id).where(MemoryState.user_id == other.id))
    db.add(
        RecapLog(
            user_id=other.id,
            module_id=module_id,
            studied_at=MONDAY_10_BERLIN - dt.timedelta(days=1),
        )
    )
    db.flush()
    plan_reminders(db, now=MONDAY_10_BERLIN)
    assert [n.user_id for n in planned(db)] == [learner.id]


def test_a_practice_reminder_and_a_recap_wanted_together_go_two_hours_apart(
    db: Session,
) -> None:
    learner = learner_with_due(db, due=5)  # enough due for practice, the module half due
    plan_reminders(db, now=MONDAY_10_BERLIN)
    practice, recap = planned(db)
    assert (practice.kind, recap.kind) == ("practice", "recap")
    assert practice.user_id == recap.user_id == learner.id
    assert practice.send_at == MONDAY_10_BERLIN + dt.timedelta(seconds=5)
    assert recap.send_at == practice.send_at + dt.timedelta(hours=2)
    assert recap.dedupe_key == "recap:2026-03-02"  # the same day: the window allows it


def test_the_report_counts_only_what_this_run_inserted(db: Session) -> None:
    """A racing planner's row for the same learner and day is not counted here: the row
    below is one this run cannot see (as a planner on another host inserting at the same
    moment), and the insert does nothing for it."""
    learner = learner_with_due(db, due=5)
    db.add(
        Notification(
            organization_id=learner.organization_id,
            user_id=learner.id,
            kind="practice",
            dedupe_key="practice:2026-03-02",
            payload={"kind": "practice"},
            send_at=MONDAY_10_BERLIN - dt.timedelta(days=5),
            expires_at=MONDAY_10_BERLIN - dt.timedelta(days=5),
            status="sent",
            attempts=1,
            fcm_message_ids=[],
            created_at=MONDAY_10_BERLIN,
        )
    )
    db.flush()
    report = plan_reminders(db, now=MONDAY_10_BERLIN)
    assert report.planned["practice"] == 0
    assert len([n for n in planned(db) if n.kind == "practice"]) == 1


def _sent(learner, days_ago: int, *, opened_at_local: dt.time | None = None) -> None:
    """A practice push sent ``days_ago`` days before Monday at 09:30 Berlin time."""
    berlin = ZoneInfo("Europe/Berlin")
    day = MONDAY_10_BERLIN.astimezone(berlin).date() - dt.timedelta(days=days_ago)
    sent = dt.datetime.combine(day, dt.time(9, 30), berlin).astimezone(dt.UTC)
    opened = (
        None
        if opened_at_local is None
        else dt.datetime.combine(day, opened_at_local, berlin).astimezone(dt.UTC)
    )
    NotificationFactory(
        user=learner,
        kind="practice",
        dedupe_key=f"practice:{day}",
        send_at=sent,
        sent_at=sent,
        opened_at=opened,
        status="sent",
    )


def test_a_learner_who_ignores_pushes_is_left_alone_for_days(db: Session) -> None:
    learner = learner_with_due(db, due=5)
    for days_ago in (3, 2, 1):  # Friday, Saturday, Sunday: none opened
        _sent(learner, days_ago)
    plan_reminders(db, now=MONDAY_10_BERLIN)
    [note] = [n for n in planned(db) if n.kind == "practice" and n.status == "pending"]
    # Three ignored in a row: the next one waits two days after the last (Sunday).
    assert note.send_at.astimezone(ZoneInfo("Europe/Berlin")).date() == dt.date(2026, 3, 3)


def test_a_push_goes_at_the_hour_the_learner_opens_them(db: Session) -> None:
    learner = learner_with_due(db, due=5)
    for days_ago in (3, 2):  # opened at 14:10 twice: 14:00 is their hour
        _sent(learner, days_ago, opened_at_local=dt.time(14, 10))
    plan_reminders(db, now=MONDAY_10_BERLIN)
    [note] = [n for n in planned(db) if n.kind == "practice" and n.status == "pending"]
    local = note.send_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.date(), local.time()) == (dt.date(2026, 3, 2), dt.time(14, 0))
