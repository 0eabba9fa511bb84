"""Planning by change: a run looks only at the learners whose next planning moment has
come or who changed since, and never misses one whose reminders would change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import (
    Item,
    LearnerPlanning,
    MemoryState,
    Notification,
    Organization,
    ReminderPreferences,
    User,
)
from api.services import planner, replanning
from api.services.devices import register_device
from api.services.planner import plan_reminders
from scheduler.replanning import CEILING
from tests.push.helpers import MONDAY_10_BERLIN, learner_with_due

T = MONDAY_10_BERLIN
HOUR = dt.timedelta(hours=1)


def kinds(db: Session, learner: User) -> list[str]:
    db.expire_all()
    return sorted(
        db.scalars(select(Notification.kind).where(Notification.user_id == learner.id)).all()
    )


def plan_at(db: Session, learner: User) -> dt.datetime | None:
    db.expire_all()
    return db.scalar(select(LearnerPlanning.plan_at).where(LearnerPlanning.user_id == learner.id))


def test_a_learner_with_nothing_new_is_not_looked_at_again(db: Session) -> None:
    learner_with_due(db, due=5)
    learner_with_due(db, due=1, not_due=4)
    assert plan_reminders(db, now=T).learners == 2
    # (The first has pushes waiting to go at once: it is looked at 5 minutes on.)
    again = plan_reminders(db, now=T + dt.timedelta(minutes=4))
    assert again.learners == 0 and not again.planned


def test_items_falling_due_later_are_planned_when_they_fall_due(db: Session) -> None:
    # Two due now, the third in 30 hours: a practice push is wanted once three fall due
    # within a day, that is in 6 hours, and not a run before.
    learner = learner_with_due(db, due=2, not_due=3, due_in=[30 * HOUR])
    plan_reminders(db, now=T)
    assert kinds(db, learner) == [] and plan_at(db, learner) == T + 6 * HOUR
    assert plan_reminders(db, now=T + 5 * HOUR).learners == 0
    plan_reminders(db, now=T + 6 * HOUR)
    assert kinds(db, learner) == ["practice"]


def test_a_module_half_due_later_gets_its_recap_then(db: Session) -> None:
    # Of four items one is due now and one in 3 hours: half the module is due then.
    learner = learner_with_due(db, due=1, not_due=2, due_in=[3 * HOUR])
    plan_reminders(db, now=T)
    assert kinds(db, learner) == [] and plan_at(db, learner) == T + 3 * HOUR
    plan_reminders(db, now=T + 3 * HOUR)
    assert kinds(db, learner) == ["recap"]


def test_a_sent_push_brings_the_learner_back_for_the_next_day(db: Session) -> None:
    learner = learner_with_due(db, due=5)
    plan_reminders(db, now=T)
    for push in db.scalars(select(Notification).where(Notification.user_id == learner.id)):
        push.status, push.sent_at = "sent", push.send_at
    db.flush()
    assert plan_at(db, learner) <= T + dt.timedelta(minutes=5)
    plan_reminders(db, now=T + dt.timedelta(minutes=5))
    # Still due, Monday has its practice push: Tuesday gets the next one, now.
    assert kinds(db, learner).count("practice") == 2


@pytest.mark.parametrize(
    "change", ["review", "preferences", "organization", "device", "retired", "no_change"]
)
def test_a_change_plans_the_learner_at_the_next_run(db: Session, change: str) -> None:
    learner = learner_with_due(db, due=5, device=False) if change == "device" else None
    learner = learner or learner_with_due(db, due=2, not_due=3)
    plan_reminders(db, now=T)
    assert kinds(db, learner) == []
    later = T + dt.timedelta(minutes=5)
    if change == "review":  # a third item falls due (an answer rated it "again")
        state = db.scalars(select(MemoryState).where(MemoryState.user_id == learner.id)).all()
        max(state, key=lambda s: s.fsrs_due_at).fsrs_due_at = T - HOUR
    elif change == "preferences":
        db.add(ReminderPreferences(user_id=learner.id, window_start="07:00"))
    elif change == "organization":
        db.get(Organization, learner.organization_id).holidays = ["2026-03-03"]
    elif change == "retired":  # an item retired by its author: fewer due
        state = db.scalars(select(MemoryState).where(MemoryState.user_id == learner.id)).first()
        db.get(Item, state.item_id).retired_at = later
    elif change == "device":  # through the service's bulk statement, not the ORM
        register_device(db, user=learner, data={"token": "t-new", "platform": "android"}, now=later)
    db.flush()
    looked_at = plan_reminders(db, now=later).learners
    assert looked_at == (0 if change == "no_change" else 1)
    if change in ("review", "device"):
        assert "practice" in kinds(db, learner)


def test_a_learner_without_a_phone_waits_for_the_safety_net(db: Session) -> None:
    learner = learner_with_due(db, due=5, device=False)
    plan_reminders(db, now=T)
    assert plan_at(db, learner) == T + CEILING
    assert plan_reminders(db, now=T + HOUR).learners == 0


def test_a_change_during_a_run_is_not_lost(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # The learner changes after the run read them and before it stored their next
    # moment: the stored moment must not hide the change.
    learner = learner_with_due(db, due=2, not_due=3)
    real = planner._plan_chunk

    def racing(session: Session, ids, now, report):
        moments = real(session, ids, now, report)
        replanning.mark_users(session, [learner.id])
        return moments

    monkeypatch.setattr(planner, "_plan_chunk", racing)
    plan_reminders(db, now=T)
    monkeypatch.undo()
    assert plan_at(db, learner) is None
    assert plan_reminders(db, now=T + dt.timedelta(minutes=5)).learners == 1
    # Nothing changed since: the moment holds.
    assert plan_at(db, learner) > T + HOUR
