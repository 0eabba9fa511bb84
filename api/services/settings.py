"""Organization practice settings (admins). A change applies at the next decision."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Item, Module, ModuleStatus, Organization, ParameterSet, Role, User
from api.services._query import require_role
from scheduler.memory import DEFAULT_WEIGHTS
from scheduler.retention import Recommendation, recommend

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


def retention_advice(session: Session, *, actor: User) -> Recommendation:
    """The organization's target retention beside the one that keeps the most remembered
    per minute under its adopted FSRS weights (defaults until a fit is adopted)."""
    organization = get_settings(session, actor=actor)
    weights = session.scalar(
        select(ParameterSet.weights)
        .where(
            ParameterSet.organization_id == organization.id,
            ParameterSet.user_id.is_(None),
            ParameterSet.adopted.is_(True),
        )
        .order_by(ParameterSet.fitted_at.desc())
        .limit(1)
    )
    items = session.scalar(
        select(func.count(Item.id))
        .join(Module, Module.id == Item.module_id)
        .where(
            Module.organization_id == organization.id,
            Module.status == ModuleStatus.PUBLISHED,
            Item.retired_at.is_(None),
        )
    )
    return recommend(
        weights or DEFAULT_WEIGHTS,
        current=organization.target_retention,
        items=max(items or 0, 50),
        session_minutes=organization.session_minutes,
        new_items_per_day=organization.new_items_per_day,
        max_reviews_per_day=organization.max_reviews_per_day,
    )
