"""A learner's own data: everything Bitewise holds about them, and deleting it."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.orm import Session

from api.errors import Conflict
from api.models import (
    ApplicationPrompt,
    Base,
    Device,
    Enrollment,
    LessonProgress,
    MemoryState,
    Notification,
    ParameterSet,
    RecapLog,
    Reflection,
    ReminderPreferences,
    ReviewLog,
    Role,
    TeamAnswer,
    TeamQuestion,
    User,
)
from api.services import xapi_statements

# Tables holding a learner's own rows, by the column naming them.
OWN_ROWS: list[tuple[type[Base], str]] = [
    (ReviewLog, "user_id"),
    (MemoryState, "user_id"),
    (LessonProgress, "user_id"),
    (RecapLog, "user_id"),
    (Reflection, "author_id"),
    (TeamAnswer, "author_id"),
    (TeamQuestion, "author_id"),
    (ApplicationPrompt, "user_id"),
    (Device, "user_id"),
    (Notification, "user_id"),
    (ReminderPreferences, "user_id"),
    (ParameterSet, "user_id"),
    (Enrollment, "user_id"),
]


def _plain(row: Any) -> dict[str, Any]:
    return {c.key: _value(getattr(row, c.key)) for c in inspect(row).mapper.column_attrs}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def export(session: Session, *, user: User) -> dict[str, Any]:
    """Everything about the learner, as stored (reviews, memory, reflections, pushes...)."""
    data: dict[str, Any] = {"profile": _plain(user)}
    for model, column in OWN_ROWS:
        rows: Any = session.scalars(select(model).where(getattr(model, column) == user.id))
        data[model.__tablename__] = [_plain(row) for row in rows]
    return data


def erase(session: Session, *, user: User, now: dt.datetime) -> None:
    """Delete the learner's data. Only an anonymous tombstone stays, with its enrollments
    (status and dates, no answers) so that completion totals stay true; analytics do not
    count it as a learner.

    Anonymous posts stay in the team's feed, tied to nobody: if they vanished the moment
    the author left the member list, the two would be paired. (An author who wants them
    gone deletes them first.)"""
    if user.role is Role.ADMIN and not session.scalar(
        select(User.id).where(
            User.organization_id == user.organization_id,
            User.role == Role.ADMIN,
            User.id != user.id,
            User.joined_at.is_not(None),
            User.deleted_at.is_(None),
        )
    ):
        raise Conflict(
            "You are the organization's last admin: make someone else admin first.",
            code="last_admin",
        )
    xapi_statements.void_person(session, org=user.organization, user_id=user.id, now=now)
    session.execute(
        update(Reflection)
        .where(Reflection.author_id == user.id, Reflection.visibility == "anonymous")
        .values(author_id=None, prompt_id=None, module_id=None)
    )
    session.execute(
        update(TeamQuestion)
        .where(TeamQuestion.author_id == user.id, TeamQuestion.anonymous.is_(True))
        .values(author_id=None)
    )
    # Their named questions go with the answers others gave to them.
    asked = select(TeamQuestion.id).where(TeamQuestion.author_id == user.id)
    session.execute(delete(TeamAnswer).where(TeamAnswer.question_id.in_(asked)))
    # In OWN_ROWS order: reflections before the prompts they refer to, answers before
    # questions, memory states before the parameter sets they name.
    for model, column in OWN_ROWS:
        if model is not Enrollment:
            session.execute(delete(model).where(getattr(model, column) == user.id))
    user.email = None
    user.display_name = ""
    user.firebase_uid = None
    user.locale = "en"
    user.time_zone = "UTC"
    user.deleted_at = now
    session.commit()
