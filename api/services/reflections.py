"""Reflections: private by default, shared with the team by name or anonymously."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid
from api.models import Module, Reflection, User
from api.services._query import one_or_404
from scheduler.timing import publication

SHARED = ("team", "anonymous")


def create(
    session: Session, *, user: User, data: Mapping[str, Any], now: dt.datetime, commit: bool = True
) -> Reflection:
    if data.get("module_id") is not None:
        one_or_404(
            session,
            select(Module.id).where(
                Module.id == data["module_id"], Module.organization_id == user.organization_id
            ),
            "No such module.",
            code="module_not_found",
        )
    reflection = Reflection(
        public_id=secrets.token_hex(16),
        organization_id=user.organization_id,
        author_id=user.id,
        module_id=data.get("module_id"),
        prompt_id=data.get("prompt_id"),
        body=data["body"],
        visibility="private",
        created_at=now,
        updated_at=now,
    )
    _set_visibility(reflection, user, data.get("visibility", "private"), now)
    session.add(reflection)
    if commit:
        session.commit()
    return reflection


def _set_visibility(reflection: Reflection, user: User, visibility: str, now: dt.datetime) -> None:
    moved = visibility in SHARED and reflection.team_id != user.team_id
    if visibility == reflection.visibility and not moved:
        return
    if visibility in SHARED and user.team_id is None:
        raise Invalid("You are in no team to share with.", code="no_team")
    # Every change of who sees it, or how, gets a new id: an id teammates saw beside a name
    # must never reappear on an anonymous post (or the reverse), whatever came between.
    reflection.public_id = secrets.token_hex(16)
    if visibility in SHARED:
        # The day only (of the batch, for anonymous posts), and a random place within it.
        reflection.team_id = user.team_id
        reflection.published_at, reflection.shared_on = publication(
            now, zone=user.organization.time_zone, anonymous=visibility == "anonymous"
        )
        reflection.sort_key = secrets.token_hex(16)
    else:
        reflection.team_id = reflection.shared_on = reflection.sort_key = None
        reflection.published_at = None
    reflection.visibility = visibility


def mine(session: Session, *, user: User) -> list[Reflection]:
    return list(
        session.scalars(
            select(Reflection).where(Reflection.author_id == user.id).order_by(Reflection.id.desc())
        )
    )


def _own(session: Session, user: User, public_id: str) -> Reflection:
    return one_or_404(
        session,
        select(Reflection).where(
            Reflection.public_id == public_id, Reflection.author_id == user.id
        ),
        "No such reflection of yours.",
    )


def update(
    session: Session, *, user: User, public_id: str, changes: Mapping[str, Any], now: dt.datetime
) -> Reflection:
    reflection = _own(session, user, public_id)
    if "body" in changes:
        reflection.body = changes["body"]
    if "visibility" in changes:
        _set_visibility(reflection, user, changes["visibility"], now)
    reflection.updated_at = now
    session.commit()
    return reflection


def delete(session: Session, *, user: User, public_id: str) -> None:
    session.delete(_own(session, user, public_id))
    session.commit()
