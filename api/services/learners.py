"""What "practise now" needs of a member (``Learner``), read in one statement."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from api.models import Organization, ParameterSet, User
from api.services import kept_members, memory
from scheduler.history import Settings
from scheduler.memory import MemoryModel


@dataclass(frozen=True, slots=True)
class Learner:
    """A snapshot of the member, their organization's settings and their weights; shared by
    requests when kept (``api.services.kept_members``)."""

    id: int
    organization_id: int
    firebase_uid: str
    time_zone: str
    settings: Settings
    model: MemoryModel


def settings_of(organization: Any) -> Settings:
    """The practice settings of an ``Organization`` (or a row of its columns)."""
    return Settings(
        target_retention=organization.target_retention,
        session_minutes=organization.session_minutes,
        new_items_per_day=organization.new_items_per_day,
        max_reviews_per_day=organization.max_reviews_per_day,
        practice_weekdays=frozenset(organization.practice_weekdays),
        holidays=frozenset(dt.date.fromisoformat(d) for d in organization.holidays),
    )


def organization_of(session: Session, user: User) -> Organization:
    organization = session.get(Organization, user.organization_id)
    assert organization is not None
    return organization


def learner_of(session: Session, user: User) -> Learner:
    """The learner of a member loaded through the ORM."""
    organization = organization_of(session, user)
    return Learner(
        id=user.id,
        organization_id=user.organization_id,
        firebase_uid=user.firebase_uid or "",
        time_zone=user.time_zone,
        settings=settings_of(organization),
        model=memory.model_for(session, user=user)[0],
    )


_LEARNER = (
    select(
        User.id,
        User.organization_id,
        User.time_zone,
        Organization.target_retention,
        Organization.session_minutes,
        Organization.new_items_per_day,
        Organization.max_reviews_per_day,
        Organization.practice_weekdays,
        Organization.holidays,
        func.coalesce(memory.in_force(ParameterSet.id), 0).label("weights_id"),
        memory.in_force(ParameterSet.weights).label("weights"),
    )
    .join(Organization, Organization.id == User.organization_id)
    .where(User.firebase_uid == bindparam("uid"))
)
# With the stamp of the rows it came from, in the same statement: a stamp read afterwards
# could be of rows changed since.
_LEARNER_STAMPED = _LEARNER.add_columns(kept_members.ROWS_HASH.label("rows_hash"))


@functools.lru_cache(maxsize=256)
def _model(weights_id: int, weights: tuple[float, ...], target_retention: float) -> MemoryModel:
    """One model for every learner on the same weights and target: a kept learner each
    with a model of their own cost 1.8 KB each (36 MB a process at the limit)."""
    return memory.model_of(weights_id, list(weights), target_retention)


def read_learner(
    session: Session, *, uid: str, stamped: bool
) -> tuple[Learner, kept_members.Stamp | None] | None:
    """The member of a Firebase uid as a ``Learner`` (and, ``stamped``, the stamp to keep
    them under), through Core: no ORM objects. None: no member (yet) with this uid."""
    row = (
        session.connection()
        .execute(_LEARNER_STAMPED if stamped else _LEARNER, {"uid": uid})
        .one_or_none()
    )
    if row is None:
        return None
    learner = Learner(
        id=row.id,
        organization_id=row.organization_id,
        firebase_uid=uid,
        time_zone=row.time_zone,
        settings=settings_of(row),
        model=_model(row.weights_id, tuple(row.weights or ()), row.target_retention),
    )
    return learner, kept_members.Stamp(row.weights_id, row.rows_hash) if stamped else None
