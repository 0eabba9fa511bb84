"""Phones that receive pushes, and the learner's reminder preferences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.db import dialect_insert
from api.errors import Invalid
from api.models import Device, Notification, Organization, ReminderPreferences, User
from api.services import replanning
from api.services._query import one_or_404, paginate

PREFERENCE_FIELDS = (
    "window_start",
    "window_end",
    "working_days",
    "quiet_start",
    "quiet_end",
    "max_per_day",
    "paused_until",
)


def register_device(
    session: Session, *, user: User, data: Mapping[str, Any], now: dt.datetime
) -> Device:
    """Register (or refresh) a token; a token moves to whoever registered it last.

    The app calls this at every start, which also tells us the device is alive.
    """
    insert = dialect_insert(session, Device.__table__)
    values = {
        "user_id": user.id,
        "organization_id": user.organization_id,
        "token": data["token"],
        "platform": data["platform"],
        "app_version": data.get("app_version", ""),
        "locale": data.get("locale") or user.locale,
        "created_at": now,
        "last_seen_at": now,
    }
    changed = {k: insert.excluded[k] for k in values if k not in ("token", "created_at")}
    session.execute(insert.on_conflict_do_update(index_elements=["token"], set_=changed), values)
    replanning.mark_users(session, [user.id])
    session.commit()
    device = session.scalar(select(Device).where(Device.token == data["token"]))
    assert device is not None
    session.refresh(device)
    return device


def list_devices(session: Session, *, user: User) -> list[Device]:
    return list(
        session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.id))
    )


def remove_device(session: Session, *, user: User, device_id: int) -> None:
    """Forget a device of mine (idempotent: an unknown id is already forgotten)."""
    session.execute(delete(Device).where(Device.id == device_id, Device.user_id == user.id))
    session.commit()


def preferences(session: Session, *, user: User) -> dict[str, Any]:
    """The effective reminder settings: mine where set, the organization's otherwise."""
    organization = session.get(Organization, user.organization_id)
    assert organization is not None
    mine = session.get(ReminderPreferences, user.id) or ReminderPreferences(user_id=user.id)
    return {
        "time_zone": user.time_zone,
        "window_start": mine.window_start or organization.reminder_window_start,
        "window_end": mine.window_end or organization.reminder_window_end,
        "working_days": mine.working_days
        if mine.working_days is not None
        else organization.practice_weekdays,
        "quiet_start": mine.quiet_start,
        "quiet_end": mine.quiet_end,
        "max_per_day": mine.max_per_day
        if mine.max_per_day is not None
        else organization.max_pushes_per_day,
        "paused_until": mine.paused_until,
    }


def update_preferences(
    session: Session, *, user: User, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Set some preferences; a field set to null goes back to the organization's default."""
    mine = session.get(ReminderPreferences, user.id)
    if mine is None:
        mine = ReminderPreferences(user_id=user.id)
        session.add(mine)
    for field in PREFERENCE_FIELDS:
        if field in changes:
            value = changes[field]
            if isinstance(value, dt.time):
                value = value.strftime("%H:%M")
            elif field == "working_days" and value is not None:
                value = sorted(set(value))
            setattr(mine, field, value)
    session.flush()
    effective = preferences(session, user=user)
    if effective["window_start"] >= effective["window_end"]:
        session.rollback()
        raise Invalid(
            "The reminder window must start before it ends.",
            errors={"json": {"window_start": ["Must be before window_end."]}},
        )
    if bool(effective["quiet_start"]) != bool(effective["quiet_end"]):
        session.rollback()
        raise Invalid(
            "Give both quiet_start and quiet_end, or neither.",
            errors={"json": {"quiet_end": ["Set together with quiet_start."]}},
        )
    session.commit()
    return effective


def mark_opened(
    session: Session, *, user: User, notification_id: int, now: dt.datetime
) -> Notification:
    """The learner opened a push (idempotent: the first open counts)."""
    notification = one_or_404(
        session,
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        ),
        "No such notification of yours.",
    )
    if notification.opened_at is None:
        notification.opened_at = now
        session.commit()
    return notification


INBOX_DAYS = 30


def inbox(
    session: Session, *, user: User, now: dt.datetime, page: int, page_size: int
) -> tuple[list[Notification], int]:
    """The pushes sent to the learner lately, newest first."""
    stmt = (
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.status == "sent",
            Notification.sent_at >= now - dt.timedelta(days=INBOX_DAYS),
        )
        .order_by(Notification.sent_at.desc(), Notification.id.desc())
    )
    return paginate(session, stmt, page=page, page_size=page_size)
