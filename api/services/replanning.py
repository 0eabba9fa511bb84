"""Marking learners for planning when something that planning reads has changed.

The planner plans only the learners whose ``learner_planning.plan_at`` has come (or is
unset) and then stores the next moment ``scheduler.replanning`` finds. Any change to what
it reads sets ``plan_at`` back to unset here (writing the learner's row if they have
none yet), so the next run plans them, and bumps ``plan_epoch``: a planner that read the
learner before the change then leaves their ``plan_at`` alone (it writes only where the
epoch is still the one it read), so a change during a run is never lost.

Changes through the ORM are found by a flush hook (below); the few bulk statements that
write what planning reads (memory states, device registrations) call ``mark_users``.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from api.db import insert_for
from api.models import (
    ApplicationPrompt,
    Device,
    Enrollment,
    Item,
    LearnerPlanning,
    MemoryState,
    Module,
    Notification,
    Organization,
    RecapLog,
    ReminderPreferences,
    User,
)

# Per learner: any row of these, new, changed or gone, can change what is planned.
_LEARNER_ROWS = (MemoryState, ReminderPreferences, Device, Enrollment, RecapLog)
# Rows where only some columns matter (others are the planner's or dispatcher's own).
_WATCHED_COLUMNS: dict[type, tuple[str, ...]] = {
    ApplicationPrompt: ("status", "apply_on", "follow_up_on"),
    # Sending is the dispatcher's: a sent push brings the learner back by time (see
    # scheduler.replanning), an opened one changes the hours they like.
    Notification: ("opened_at",),
    User: ("time_zone", "firebase_uid", "deleted_at", "organization_id"),
}
# Organization-wide: every learner of the organization.
_ORGANIZATION_COLUMNS: dict[type, tuple[str, ...]] = {
    Organization: (
        "practice_weekdays",
        "holidays",
        "reminder_window_start",
        "reminder_window_end",
        "max_pushes_per_day",
    ),
}
# Per module: every learner enrolled in it.
_MODULE_COLUMNS: dict[type, tuple[str, ...]] = {Module: ("status",), Item: ("retired_at",)}


_PLANNING = cast(Table, LearnerPlanning.__table__)


# Built once per database: every review upload runs it.
@functools.cache
def _unplanned(dialect: str) -> Any:
    """An upsert of learners' rows that unsets ``plan_at`` and bumps ``plan_epoch``."""
    return insert_for(dialect, _PLANNING).on_conflict_do_update(
        index_elements=["user_id"],
        set_={"plan_at": None, "plan_epoch": _PLANNING.c.plan_epoch + 1},
    )


def _connection(connection: Connection | Session) -> Connection:
    return connection if isinstance(connection, Connection) else connection.connection()


def mark_users(connection: Connection | Session, user_ids: Collection[int]) -> None:
    """Plan these learners at the next run (in the caller's transaction). The learner's
    row stays locked until the transaction ends (``api.services.reviews._lock``)."""
    if user_ids:
        db = _connection(connection)
        db.execute(_unplanned(db.dialect.name), [{"user_id": i} for i in sorted(set(user_ids))])


def _mark_selected(connection: Connection | Session, users: Select[Any]) -> None:
    db = _connection(connection)
    db.execute(_unplanned(db.dialect.name).from_select(["user_id"], users))


def mark_organizations(connection: Connection | Session, organization_ids: Collection[int]) -> None:
    if organization_ids:
        _mark_selected(
            connection,
            select(User.id).where(User.organization_id.in_(sorted(organization_ids))),
        )


def mark_modules(connection: Connection | Session, module_ids: Collection[int]) -> None:
    if module_ids:
        _mark_selected(
            connection,
            select(Enrollment.user_id)
            .where(Enrollment.module_id.in_(sorted(module_ids)))
            .distinct(),
        )


def _changed(instance: object, columns: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[column].history.has_changes() for column in columns)


@event.listens_for(Session, "after_flush")
def _mark_after_flush(session: Session, _flush: UOWTransaction) -> None:
    users: set[int] = set()
    organizations: set[int] = set()
    modules: set[int] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        kind = type(instance)
        if kind in _LEARNER_ROWS:
            users.add(instance.user_id)
        elif kind is User:
            if instance in session.new or _changed(instance, _WATCHED_COLUMNS[User]):
                users.add(instance.id)
        elif kind in _WATCHED_COLUMNS:
            if instance in session.new or _changed(instance, _WATCHED_COLUMNS[kind]):
                users.add(instance.user_id)
        elif (
            kind in _MODULE_COLUMNS
            and instance not in session.new
            and _changed(instance, _MODULE_COLUMNS[kind])
        ):
            modules.add(instance.id if kind is Module else instance.module_id)
        elif (
            kind in _ORGANIZATION_COLUMNS
            and instance not in session.new
            and _changed(instance, _ORGANIZATION_COLUMNS[kind])
        ):
            organizations.add(instance.id)
    users.discard(None)
    if users or organizations or modules:
        connection = session.connection()
        mark_users(connection, users)
        mark_organizations(connection, organizations)
        mark_modules(connection, modules)
