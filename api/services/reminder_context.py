"""A learner as reminder rules see them: their rules of now, bookings and opening habits.

Shared by the planner (which plans pushes) and the dispatcher (which checks each push
against the learner as they are when it is due), so both read the same rules.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from api.db_among import among
from api.models import Device, Notification, Organization, ReminderPreferences, User
from api.services.due import STALE_DEVICE_AFTER
from scheduler.reminders import Engagement, Rules

ENGAGEMENT_WINDOW = dt.timedelta(days=60)
logger = logging.getLogger("bitewise.planner")


def learners_stmt(ids: Sequence[int], now: dt.datetime) -> Select[Any]:
    """Those of ``ids`` who are signed-in learners with a phone seen lately, with their
    reminder preferences (their organization's defaults come from ``load_learners``).
    The phones are narrowed to ``ids`` too: otherwise PostgreSQL hashed every learner's
    phone for each chunk (100,000 of them, 15 ms of a 43 ms read of 5,000 learners)."""
    has_device = exists().where(
        Device.user_id == User.id,
        among(Device.user_id, ids),
        Device.last_seen_at >= now - STALE_DEVICE_AFTER,
    )
    return (
        select(
            User.id,
            User.organization_id,
            User.time_zone,
            ReminderPreferences.window_start,
            ReminderPreferences.window_end,
            ReminderPreferences.working_days,
            ReminderPreferences.quiet_start,
            ReminderPreferences.quiet_end,
            ReminderPreferences.max_per_day,
            ReminderPreferences.paused_until,
        )
        .outerjoin(ReminderPreferences, ReminderPreferences.user_id == User.id)
        .where(among(User.id, ids), User.firebase_uid.is_not(None), has_device)
    )


_DEFAULTS = select(
    Organization.id,
    Organization.reminder_window_start,
    Organization.reminder_window_end,
    Organization.practice_weekdays,
    Organization.max_pushes_per_day,
    Organization.holidays,
).where(Organization.id.in_(bindparam("ids", expanding=True)))


def load_learners(session: Session, stmt: Select[Any]) -> list[dict[str, Any]]:
    """The learners ``stmt`` selects (from ``learners_stmt``), each with its
    organization's defaults: read once per organization and shared, not once a learner
    (the weekdays and holidays were two JSON documents parsed for every learner). An
    organization whose defaults do not parse (written by hand) is logged, and its
    learners come without them: ``usable`` leaves them out, never the whole chunk."""
    found = [dict(row._mapping) for row in session.connection().execute(stmt)]
    ids = sorted({learner["organization_id"] for learner in found})
    defaults: dict[int, dict[str, Any]] = {}
    for org_id, start, end, weekdays, max_per_day, holidays in session.execute(
        _DEFAULTS, {"ids": ids}
    ):
        try:
            defaults[org_id] = {
                "org_window_start": start,
                "org_window_end": end,
                "org_weekdays": frozenset(weekdays),
                "org_max_per_day": max_per_day,
                "holidays": frozenset(dt.date.fromisoformat(d) for d in holidays),
            }
        except (TypeError, ValueError):
            logger.exception("organization %s has unreadable reminder defaults", org_id)
    for learner in found:
        learner.update(defaults.get(learner["organization_id"], {}))
    return found


def usable(learners: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The learners whose zone this machine knows and whose organization's defaults
    could be read; the others are logged and left out (a zone a newer tzdata dropped, or
    one written by hand), so one never stops the rest."""
    kept = []
    for learner in learners:
        if "holidays" not in learner:  # its organization's defaults did not parse
            logger.error("user %s left out: no organization defaults", learner["id"])
            continue
        try:
            ZoneInfo(learner["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            logger.error(
                "user %s has an unknown time zone %r; skipped", learner["id"], learner["time_zone"]
            )
            continue
        kept.append(learner)
    return kept


def learners_by_id(
    session: Session, ids: Sequence[int], now: dt.datetime
) -> dict[int, dict[str, Any]]:
    found = load_learners(session, learners_stmt(ids, now))
    return {learner["id"]: learner for learner in usable(found)}


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def rules_of(learner: dict[str, Any]) -> Rules:
    quiet = (
        (_time(learner["quiet_start"]), _time(learner["quiet_end"]))
        if learner["quiet_start"] and learner["quiet_end"]
        else None
    )
    return Rules(
        zone=learner["time_zone"],
        window_start=_time(learner["window_start"] or learner["org_window_start"]),
        window_end=_time(learner["window_end"] or learner["org_window_end"]),
        working_days=frozenset(learner["working_days"])
        if learner["working_days"] is not None
        else learner["org_weekdays"],
        holidays=learner["holidays"],
        quiet=quiet,
        max_per_day=learner["max_per_day"]
        if learner["max_per_day"] is not None
        else learner["org_max_per_day"],
        paused_until=learner["paused_until"],
    )


Booked = dict[int, tuple[dict[dt.date, set[str]], dict[str, dt.datetime]]]
BOOKED_BACK = dt.timedelta(days=2)


def pushes(
    session: Session, learners: list[dict[str, Any]], now: dt.datetime
) -> tuple[Booked, dict[int, Engagement]]:
    """Per learner, what their pushes say: ``booked`` and ``engagement`` (below), from one
    read of the learners' pushes. As two reads of the same rows, one for each, they took
    1.4 s of a 4.7 s steady-state planner run at a million learners, on a pushes table
    that outgrows the server's buffers."""
    zones = {learner["id"]: ZoneInfo(learner["time_zone"]) for learner in learners}
    rows = session.execute(
        select(
            Notification.user_id,
            Notification.dedupe_key,
            Notification.status,
            Notification.send_at,
            Notification.sent_at,
            Notification.opened_at,
        )
        .where(
            among(Notification.user_id, zones),
            (Notification.send_at >= now - BOOKED_BACK)
            | Notification.status.in_(("pending", "claimed"))
            | (Notification.sent_at >= now - ENGAGEMENT_WINDOW),
        )
        .order_by(Notification.user_id, Notification.sent_at.desc())
    ).all()
    return (
        booked([row[:4] for row in rows if _booking(row, now)], zones),
        engagement([(row[0], row[4], row[5]) for row in rows if _engaging(row, now)], zones),
    )


def _booking(row: Any, now: dt.datetime) -> bool:
    return row.send_at >= now - BOOKED_BACK or row.status in ("pending", "claimed")


def _engaging(row: Any, now: dt.datetime) -> bool:
    return row.sent_at is not None and row.sent_at >= now - ENGAGEMENT_WINDOW


def booked(rows: Iterable[tuple[int, str, str, dt.datetime]], ids: Iterable[int]) -> Booked:
    """Per learner: kinds planned or sent per local day (from the dedupe keys), and the
    kinds still waiting to be sent, with when; from their pushes sent within two days or
    waiting (user id, dedupe key, status, send at)."""
    booked: Booked = {i: ({}, {}) for i in ids}
    for user_id, key, status, send_at in rows:
        kind, _, day = key.partition(":")
        try:
            local_day = dt.date.fromisoformat(day[:10])
        except ValueError:
            # A row written by hand or by an older release: it books nothing, and one bad
            # row never stops planning or sending for everyone else.
            logger.warning("notification key %r of user %s is not kind:day", key, user_id)
            continue
        days, waiting = booked[user_id]
        days.setdefault(local_day, set()).add(kind)
        if status in ("pending", "claimed"):
            waiting[kind] = min(send_at, waiting.get(kind, send_at))
    return booked


def engagement(
    rows: Iterable[tuple[int, dt.datetime | None, dt.datetime | None]], zones: dict[int, ZoneInfo]
) -> dict[int, Engagement]:
    """Opening habits (local hours) and how many of the latest pushes went unopened, from
    their pushes sent within the window (user id, sent at, opened at), latest first."""
    history: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for user_id, sent_at, opened_at in rows:
        if sent_at is not None:
            history[user_id].append((sent_at, opened_at))
    result: dict[int, Engagement] = {}
    for user_id, zone in zones.items():
        pushes = history.get(user_id, [])
        ignored = 0
        for _, opened_at in pushes:
            if opened_at is not None:
                break
            ignored += 1
        hours = Counter(opened.astimezone(zone).hour for _, opened in pushes if opened is not None)
        result[user_id] = Engagement(
            opened_hours=dict(hours),
            ignored_in_a_row=ignored,
            last_sent_at=pushes[0][0] if pushes else None,
        )
    return result
