"""Organization practice settings (admins). A change applies at the next decision."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from api.models import Organization, Role, User
from api.services._query import require_role

FIELDS = (
    "target_retention",
    "session_minutes",
    "new_items_per_day",
    "max_reviews_per_day",
    "practice_weekdays",
    "holidays",
    "min_group_size",
    "time_zone",
    "xapi_scope",
)


def get_settings(session: Session, *, actor: User) -> Organization:
    require_role(actor, Role.ADMIN)
    organization = session.get(Organization, actor.organization_id)
    assert organization is not None
    return organization


def update_settings(session: Session, *, actor: User, changes: Mapping[str, Any]) -> Organization:
    organization = get_settings(session, actor=actor)
    for field in FIELDS:
        if field in changes:
            value = changes[field]
            if field == "practice_weekdays":
                value = sorted(set(value))
            elif field == "holidays":
                value = sorted({day.isoformat() for day in value})
            setattr(organization, field, value)
    session.commit()
    return organization
